"""The session's facts as a report shows them, from ``results.json``'s ``meta``: only the keys it
holds (older reports lack some), as (label, text) pairs that every renderer lays out its own way."""

from __future__ import annotations

from rethink_core.report.model import fmt


def ablation_seeds_note(meta: dict) -> str:
    """How many seeds Table 1's ablations ran, where it differs from the scale's seeds (else "")."""
    ablation = meta.get("ablation_seeds", meta.get("seeds"))
    return f"Table 1's ablations: {ablation}" if ablation != meta.get("seeds") else ""


def meta_facts(meta: dict) -> list[tuple[str, str]]:
    """The session's facts as (label, text), only those whose keys ``meta`` holds."""
    facts = [
        ("scale", _joined(meta.get("scale"), meta.get("scale_description"), ": ")),
        ("data", _joined(meta.get("dataset"), meta.get("n_test") and f"{meta['n_test']} test images", ", ")),
        ("seeds", seeds_text(meta)),
        ("architectures (width, training images)", fmt(meta["architectures"]) if "architectures" in meta else ""),
        ("hardware", hardware_text(meta)),
        ("wall time", _joined(_maybe(meta, "wall_seconds", "{} s"), _maybe(meta, "finished_at", "finished {}"), "; ")),
        ("versions", fmt(meta["versions"]) if meta.get("versions") else ""),
        ("command", " ".join(meta["command"]) if meta.get("command") else ""),
    ]
    return [(label, text) for label, text in facts if text]


def where_text(meta: dict) -> str:
    """The scale, the data and the seeds in one line, for the top of a report (what its numbers are of)."""
    parts = [
        _joined(_maybe(meta, "scale", "scale {}"), meta.get("scale_description"), ": "),
        _joined(_maybe(meta, "dataset", "data {}"), _maybe(meta, "n_test", "{} test images"), ", "),
        _maybe(meta, "precision", "precision {}"),
        _maybe(meta, "seeds", "{} seeds per configuration" if meta.get("seeds") != 1 else "{} seed per configuration"),
        _maybe(meta, "device", "device {}"),
    ]
    return " · ".join(p for p in parts if p)


def seeds_text(meta: dict) -> str:
    """E.g. ``2 per configuration: [0, 1]; Table 1's ablations: 1``."""
    if "seeds" not in meta:
        return ""
    text = f"{meta['seeds']} per configuration"
    if meta.get("seed_list"):
        text += f": {fmt(meta['seed_list'])}"
    elif meta.get("first_seed") is not None:
        text += f", from seed {meta['first_seed']}"
    note = ablation_seeds_note(meta)
    return text + (f"; {note}" if note else "")


def hardware_text(meta: dict) -> str:
    """The device and the host (platform, CPU model, CPUs, torch threads), what of it is recorded."""
    host = meta.get("host") or {}
    parts = [
        _maybe(meta, "device", "device {}"),
        _maybe(host, "platform", "{}"),
        _maybe(host, "cpu", "{}"),
        _maybe(host, "cpus", "{} CPUs"),
        _maybe(host, "threads", "{} torch threads"),
    ]
    return "; ".join(p for p in parts if p)


def _maybe(d: dict, key: str, template: str) -> str:
    return template.format(d[key]) if d.get(key) is not None else ""


def _joined(first: object, second: object, sep: str) -> str:
    return sep.join(str(p) for p in (first, second) if p not in (None, ""))
