"""Numbers as the report's summaries show them, with no more digits than their unit allows:
percent with one decimal (values are fractions: 0.0868 -> ``8.7%``), epochs as integers, ratios with
two significant digits, other numbers with three (and p-values like ``3.1e-05``)."""

from __future__ import annotations

import math

UNITS = ("percent", "epochs", "ratio", "number")
SIGNIFICANT = {"ratio": 2, "number": 3}
MISSING = "–"
LONGEST = 160  # characters of a recorded text shown in a summary cell, before an ellipsis


def sig(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant digits: 0.62, 1.0, 12, 150, 403,000; below 0.001 in
    scientific notation (3.1e-05)."""
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    if abs(value) < 1e-3:
        return f"{value:.{digits - 1}e}"
    decimals = digits - 1 - math.floor(math.log10(abs(value)))
    rounded = round(value, decimals)
    if rounded and math.floor(math.log10(abs(rounded))) > digits - 1 - decimals:  # 0.996 -> 1.0, not 1.00
        decimals -= 1
        rounded = round(value, decimals)
    return f"{rounded:,.{max(decimals, 0)}f}"


def number(value: object, unit: str = "number") -> str:
    """One headline value in its unit; a text (e.g. the paper's "1.5x to 4x") as it is."""
    if value is None:
        return MISSING
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if unit == "percent":
        return f"{_tidy(100 * value, 1)}%"
    if unit == "epochs":
        return f"{round(value):d}"
    if isinstance(value, int):
        return f"{value:,d}" if abs(value) < 10**6 else sig(float(value), SIGNIFICANT.get(unit, 3))
    text = sig(value, SIGNIFICANT.get(unit, 3))
    return text if unit == "ratio" else _trim(text)  # a ratio keeps its two digits: 1.0


def difference(ours: object, paper: object, unit: str = "number") -> str:
    """Ours minus the paper's, of the values as shown (so the three columns agree): ``-1.1 pts`` for
    percent, ``+12`` for epochs, two or three significant digits otherwise; "" unless both are numbers."""
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (ours, paper)):
        return ""
    if unit == "percent":
        shown = round(100 * ours, 1) - round(100 * paper, 1)
        return f"{_signed(_tidy(shown, 1))} pts"
    if unit == "epochs":
        return _signed(f"{round(ours) - round(paper):d}")
    digits = SIGNIFICANT.get(unit, 3)
    shown = float(sig(float(ours), digits).replace(",", "")) - float(sig(float(paper), digits).replace(",", ""))
    return _signed(sig(shown, digits))


def decided_text(decided: dict | None) -> str:
    """``class-permutation p = 0.62 (>= 0.001)``: the statistic, its value and the threshold it was
    held to; "" where nothing is recorded."""
    if not isinstance(decided, dict) or not decided.get("statistic"):
        return ""
    value = decided.get("value")
    shown = sig(float(value), 2) if isinstance(value, (int, float)) and not isinstance(value, bool) else MISSING
    threshold = f" ({decided['threshold']})" if decided.get("threshold") else ""
    return f"{decided['statistic']} = {shown}{threshold}"


def short(value: object) -> str:
    """A recorded value for a summary (older reports without headline rows): floats to three
    significant digits, long texts cut."""
    text = _short(value)
    return text if len(text) <= LONGEST else text[: LONGEST - 1].rstrip() + "…"


def _short(value: object) -> str:
    if isinstance(value, float):
        return _trim(sig(value, 3))
    if isinstance(value, dict):
        return ", ".join(f"{k}={_short(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return "" if value is None else str(value)


def _trim(text: str) -> str:
    """``0.520`` as ``0.52``: at most, not exactly, three significant digits."""
    mantissa, e, exponent = text.partition("e")
    return (mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa) + e + exponent


def _tidy(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # never "-0.0"


def _signed(text: str) -> str:
    return text if text.startswith("-") or float(text.replace(",", "")) == 0 else f"+{text}"
