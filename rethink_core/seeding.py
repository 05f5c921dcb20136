"""One experiment seed, many independent random streams."""

from __future__ import annotations

import hashlib


def derived_seed(seed: int, purpose: str) -> int:
    """Independent seeds per purpose ("labels", "init", "order", ...) from one experiment seed, so
    that e.g. the label-corruption draws and the initial weights never share a random stream."""
    return int.from_bytes(hashlib.sha256(f"{seed}/{purpose}".encode()).digest()[:7], "big")
