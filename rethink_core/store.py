"""The results store: every training run once, kept as JSON on disk, safe across processes.

An entry is ``<dir>/<key[:2]>/<key>.json`` holding the run's configuration, its result and a
sha256 of both. Writes are atomic (a temporary file, then ``os.replace``), so a crash never
leaves half an entry; a damaged entry (unreadable, wrong checksum, other configuration) is
reported and recomputed. A per-key file lock makes two processes that need the same run (e.g.
two pytest-xdist workers) train it once: the second waits, then reads the first one's result.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock, Timeout

from rethink_core.errors import ConfigError


def _checksum(config: dict, result: dict) -> str:
    blob = json.dumps({"config": config, "result": result}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def write_json_atomic(path: Path, obj: object) -> None:
    """Write ``obj`` as JSON so that readers see the old file or the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are meant to be read by anyone
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Store:
    """A directory of finished runs keyed by the hash of their configuration."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the results store at {self.root}: {exc.strerror}") from None
        self._check_writable()

    def _check_writable(self) -> None:
        """Fail now, not after the first training run, if finished runs could not be saved."""
        try:
            fd, probe = tempfile.mkstemp(dir=self.root, prefix=".write-test.")
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise ConfigError(f"the results store {self.root} cannot be written: {exc.strerror}") from None

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, config: dict, warn: bool = True) -> dict | None:
        """The stored result for ``key``, or None if absent or damaged (damage is warned about)."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            entry = json.loads(path.read_text())
            ok = entry["config"] == json.loads(json.dumps(config)) and entry["sha256"] == _checksum(
                entry["config"], entry["result"]
            )
        except (OSError, ValueError, KeyError, TypeError):
            ok = False
        if not ok and warn:
            warnings.warn(f"results store: damaged entry {path} will be recomputed", stacklevel=2)
        if not ok:
            return None
        return entry["result"]

    def put(self, key: str, config: dict, result: dict) -> None:
        write_json_atomic(self.path(key), {"config": config, "result": result, "sha256": _checksum(config, result)})

    def get_or_compute(self, key: str, config: dict, compute: Callable[[], dict], wait: bool = True) -> dict | None:
        """The stored result, or compute it once (other processes wait on the lock), store, return.
        With ``wait=False``, None instead of waiting while another process computes it."""
        found = self.get(key, config)
        if found is not None:
            return found
        self.path(key).parent.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(str(self.path(key)) + ".lock", timeout=-1 if wait else 0):
                found = self.get(key, config, warn=False)
                if found is not None:
                    return found
                result = compute()
                self.put(key, config, result)
                return json.loads(json.dumps(result))  # exactly what a later reader will see
        except Timeout:
            return None
