"""The report's figures, drawn with matplotlib (Agg backend) as PNGs in the report folder."""

from __future__ import annotations

from pathlib import Path

from rethink_core.case import ClaimCase
from rethink_core.report.model import Exhibit, merge_series, recorded, slug, unique


def draw_figures(cases: list[ClaimCase], folder: Path) -> list[Exhibit]:
    """Draw every figure as a PNG in ``folder``: each case's ``curves`` (R2's give the Figure 1a
    analogue: training loss per variant against epochs) and each merged ``figures`` title (a series'
    mean line, error bars where it has ``lo``/``hi``, its seeds' ``points`` as dots; ``xscale`` "log"
    for a log axis). A figure whose recorded data cannot be drawn is listed with the error instead of
    ending the report."""
    taken: set[str] = set()
    curves = [_draw_curves(cases, i, folder, taken) for i, c in enumerate(cases) if c.curves]
    merged = [
        _draw_merged(cases, title, parts, folder, taken)
        for title, parts in recorded([c.figures for c in cases]).items()
    ]
    return curves + merged


def _draw_curves(cases: list[ClaimCase], index: int, folder: Path, taken: set[str]) -> Exhibit:
    c = cases[index]
    name = unique(slug(f"{c.claim}-{c.case or 'curves'}"), taken)
    series = {k: {"x": list(range(1, len(v.get("loss", [])) + 1)), "y": v.get("loss", [])} for k, v in c.curves.items()}
    where = f"{c.claim} {c.case} ({c.scale}, {c.dataset})"
    title = f"{c.claim} {c.case}: training loss per epoch"
    figure = Exhibit("curves", title, f"fig-{name}", [index], c.claim)
    xlabel, ylabel = "epochs (passes over the training set)", "average training loss"
    return _drawn(figure, folder / f"{name}.png", where, xlabel, ylabel, series)


def _draw_merged(
    cases: list[ClaimCase], title: str, parts: list[tuple[int, dict]], folder: Path, taken: set[str]
) -> Exhibit:
    name = unique(slug(f"figure-{title}"), taken)
    spec, first = parts[0][1], cases[parts[0][0]]
    where = f"{title} ({first.scale}, {first.dataset})"
    figure = Exhibit("figure", title, f"fig-{name}", [i for i, _ in parts], first.claim)
    series = merge_series(cases, parts)
    xlabel, ylabel, xscale = spec.get("xlabel", ""), spec.get("ylabel", ""), spec.get("xscale", "linear")
    return _drawn(figure, folder / f"{name}.png", where, xlabel, ylabel, series, xscale)


def _drawn(figure: Exhibit, path: Path, *plot_args: object) -> Exhibit:
    """``figure`` with its PNG drawn at ``path``, or with ``error`` set where its data cannot be drawn."""
    try:
        _plot(path, *plot_args)
        figure.file = path.name
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        figure.error = f"{type(exc).__name__}: {exc}"
    return figure


def _plot(path: Path, title: str, xlabel: str, ylabel: str, series: dict[str, dict], xscale: str = "linear") -> None:
    import matplotlib  # here, not at the top: importing the report stays fast

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    try:
        for label, values in series.items():
            xs, ys, err = _points(values)
            line = ax.errorbar(xs, ys, yerr=err, label=label, marker="o" if err or len(xs) < 12 else None, capsize=3)
            if values.get("points"):
                px, py = _seed_points(values["points"])
                ax.scatter(px, py, s=14, color=line.lines[0].get_color(), alpha=0.6, zorder=3, linewidths=0)
        ax.set(xlabel=xlabel, ylabel=ylabel, xscale=xscale)
        ax.set_title(title, fontsize=9)
        if series:
            ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)


def _seed_points(points: list) -> tuple[list[float], list[float]]:
    """The ``[[x, y], ...]`` of a series' seeds, without those whose y is None."""
    kept = [(float(x), float(y)) for x, y in points if y is not None]
    return [x for x, _ in kept], [y for _, y in kept]


def _points(values: dict) -> tuple[list, list, list | None]:
    """x, y and error bar lengths (or None: no ``lo``/``hi``) of one series' mean line, skipping points
    whose x or y is None."""
    n = len(values.get("y", []))
    lo, hi = values.get("lo") or [None] * n, values.get("hi") or [None] * n
    kept = [p for p in zip(values.get("x", []), values.get("y", []), lo, hi, strict=False) if None not in p[:2]]
    xs, ys = [p[0] for p in kept], [p[1] for p in kept]
    if not values.get("lo") and not values.get("hi"):
        return xs, ys, None
    below = [max(0.0, y - lo_) if lo_ is not None else 0.0 for _, y, lo_, _ in kept]
    above = [max(0.0, hi_ - y) if hi_ is not None else 0.0 for _, y, _, hi_ in kept]
    return xs, ys, [below, above]
