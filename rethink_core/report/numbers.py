"""Numbers and recorded values as text. The full records keep 4 significant digits (:func:`fmt`); the
summaries show no more digits than a headline row's unit allows (:func:`number`): percent with one
decimal (values are fractions: 0.0868 -> ``8.7%``), epochs as integers, ratios with two significant
digits, other numbers with three (and p-values like ``3.1e-05``)."""

from __future__ import annotations

import math

from rethink_core.case import Check

SIGNIFICANT = {"ratio": 2, "number": 3}
MISSING = "–"
LONGEST = 160  # characters of a recorded text shown in a summary cell, before an ellipsis
ESTIMATES = ("mean", "accuracy", "estimate", "value", "rho")  # a statistic's estimate, by key


def fmt(value: object) -> str:
    """Numbers as a reader wants them: accuracies and ratios to 4 digits, the rest as-is."""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"  # 0.9996 stays 0.9996, never "1"
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


def cell(value: object) -> str:
    """A table cell: empty for a missing value."""
    return "" if value is None else fmt(value)


def with_interval(value: object) -> str:
    """A number, or a ``{"mean"|"accuracy"|..., "interval95": [lo, hi]}`` statistic as ``x [lo, hi]``."""
    if not isinstance(value, dict):
        return fmt(value)
    estimate = next((value[k] for k in ESTIMATES if k in value), None)
    interval = value.get("interval95")
    text = fmt(estimate) if estimate is not None else ""
    return f"{text} [{fmt(interval[0])}, {fmt(interval[1])}]" if interval else text


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
    if not _is_number(value):
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
    if not (_is_number(ours) and _is_number(paper)):
        return ""
    if unit == "percent":
        shown = round(100 * ours, 1) - round(100 * paper, 1)
        return f"{_signed(_tidy(shown, 1))} pts"
    if unit == "epochs":
        return _signed(f"{round(ours) - round(paper):d}")
    digits = SIGNIFICANT.get(unit, 3)
    shown = float(sig(float(ours), digits).replace(",", "")) - float(sig(float(paper), digits).replace(",", ""))
    return _signed(sig(shown, digits))


def check_text(check: Check | None) -> str:
    """``class-permutation p = 0.62 (>= 0.001)``: a check's statistic, its value and the threshold it
    was held to; "" where nothing is recorded."""
    if check is None or not check.statistic:
        return ""
    shown = sig(float(check.value), 2) if _is_number(check.value) else MISSING
    threshold = f" ({check.threshold})" if check.threshold else ""
    return f"{check.statistic} = {shown}{threshold}"


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


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _trim(text: str) -> str:
    """``0.520`` as ``0.52``: at most, not exactly, three significant digits."""
    mantissa, e, exponent = text.partition("e")
    return (mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa) + e + exponent


def _tidy(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # never "-0.0"


def _signed(text: str) -> str:
    return text if text.startswith("-") or float(text.replace(",", "")) == 0 else f"+{text}"
