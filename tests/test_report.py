"""The claim report: report.md, the self-contained report.html (rendered in headless Chromium where
one is installed), the terminal table, merged figures and tables, the verdicts (pass, fail, skip,
undecided, deviation, deviation-did-not-occur, rehearsed), the order of claims, older results.json
files (schemas 1 and 2), the rebuild, --compare and --history commands, and that no renderer reads a
case as a dict. Built from synthetic cases, so nothing is trained."""

from __future__ import annotations

import ast
import base64
import io
import json
import re
import shutil
import subprocess
from dataclasses import fields, replace
from pathlib import Path

import pytest
from rich.console import Console

from rethink_core.case import SCHEMA, Check, ClaimCase, DesignCheck, Headline, Verdict
from rethink_core.plan import CRITERION
from rethink_core.report import (
    ReportError,
    compare_reports,
    describe_changes,
    load,
    main,
    render,
    terminal_table,
    write_report,
)
from rethink_core.report.model import sort_cases
from rethink_core.report.numbers import check_text, difference, number, short
from rethink_core.report.schema import document

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def run_entry(key: str, name: str, test_acc: float) -> dict:
    return {"run": name, "key": key, "status": "fitted", "epochs": 30, "train_acc": 1.0, "test_acc": test_acc}


def r1_case(arch: str, random_test: float, key: str) -> dict:
    """An R1 case recording its series of Figure 1b and its row of Table 1."""
    return {
        "claim": "R1",
        "case": arch,
        "verdict": "pass",
        "title": "R1: networks fit random labels <perfectly> & stay at chance",
        "measured": {"random test acc": random_test, "true test acc": 0.8},
        "paper": {"random test %": 9.8},
        "scale": "smoke",
        "dataset": "embedded",
        "test": f"claims/test_x.py::test_r1[{arch}]",
        "statistics": {
            "true labels above chance": {
                "test": "binomial",
                "accuracy": 0.8,
                "interval95": [0.77, 0.83],
                "p_value": 1e-9,
            }
        },
        "runs": [run_entry(key, f"{arch} random_labels seed=0", random_test), run_entry("shared0key", "shared", 0.5)],
        "curves": {"random labels": {"loss": [2.3, 1.5, None, 0.2]}},
        "figures": {
            "Figure 1b: time to fit vs label corruption": {
                "xlabel": "label corruption",
                "ylabel": "epochs to fit",
                "series": {
                    arch: {"x": [0.0, 0.5, 1.0], "y": [10, None, 30], "lo": [8, None, 25], "hi": [12, None, 35]}
                },
            }
        },
        "tables": {"Table 1": {"columns": ["model", "test acc"], "rows": [[arch, random_test]]}},
    }


def synthetic_doc() -> dict:
    r2 = {
        "claim": "R2",
        "case": "convergence order",
        "verdict": "fail",
        "reason": "onset of gaussian after random labels <b>",
        "measured": {"onset gaussian": {"mean": 4.0, "interval95": [3.0, 5.0], "n": 2, "values": [3, 5]}},
        "paper": "Figure 1a: random labels converge later",
        "scale": "smoke",
        "dataset": "embedded",
        "curves": {"true_labels": {"loss": [2.3, 0.5]}, "gaussian": {"loss": [2.3, 2.0]}},
        "runs": [run_entry("shared0key", "shared", 0.5)],
        "figures": {"Figure 1b: time to fit vs label corruption": {"series": {"extra": {"x": [0, 1], "y": [5, 6]}}}},
        "tables": {"Table 1": {"columns": ["model", "note"], "rows": [["r2 model", "<i>not italic</i>"]]}},
    }
    t1 = {"claim": "T1", "case": "Theorem 1", "verdict": "skip", "reason": "needs a GPU", "measured": {}, "paper": None}
    t1 |= {"scale": "smoke", "dataset": "embedded"}
    meta = {
        "scale": "smoke",
        "scale_description": "synthetic",
        "dataset": "embedded",
        "n_test": 1000,
        "architectures": {"mlp1x512": [1.0, 500]},
        "seeds": 1,
        "device": "cpu",
        "wall_seconds": 1.5,
        "finished_at": "2026-11-28T00:00:00+00:00",
        "versions": {"python": "3.11", "torch": "2"},
        "host": {"platform": "test", "cpus": 2, "cpu": "Test CPU", "threads": 2},
        "command": ["pytest", "claims", "--scale", "smoke"],
        "seed_list": [0],
        "departures": ["batch size 128 (the paper does not state it)"],
    }
    cases = [r1_case("mlp1x512", 0.1, "aaaa1111"), r1_case("alexnet", 0.09, "bbbb2222"), r2, t1]
    return {"schema": 2, "meta": meta, "results": cases}


def declared(case: dict, outcome: str) -> dict:
    """``case`` as a declared deviation whose test gave ``outcome`` (``xfail`` or ``xpass``)."""
    reason = f"known not to reproduce: {case['case']} <small>"
    return case | {
        "verdict": "deviation",
        "reason": reason,
        "deviation": {"reason": reason, "command": f"pytest claims -k '{case['claim']} & x'", "outcome": outcome},
    }


COUNTS = "1 passed, 1 failed, 1 deviation, 1 deviation did not occur, 1 skipped"  # of deviation_doc


def deviation_doc() -> dict:
    """R1 alexnet a deviation that did not reproduce (xfail); a G2 case one whose claim held (xpass)."""
    doc = synthetic_doc()
    g2 = {"claim": "G2", "case": "inception", "measured": {"test acc": 0.5}, "paper": None}
    g2 |= {"scale": "smoke", "dataset": "embedded"}
    doc["results"][1] = declared(doc["results"][1], "xfail")
    doc["results"].append(declared(g2, "xpass"))
    return doc


STATEMENTS = {
    "R1": "Networks fit completely random labels perfectly, while their test accuracy stays at chance.",
    "R2": "Networks also fit shuffled pixels, random pixels and Gaussian noise; random labels start "
    "converging later than true labels, noise inputs sooner than random labels.",
    "R3": "Time to fit the training set grows with label noise, but only by a small constant factor.",
    "R4": "Test error rises steadily with label noise and reaches chance (90%) at fully random labels.",
    "G1": "Without random crop and weight decay, networks still generalize far above chance; the "
    "regularizers add only a bounded amount.",
    "G2": "With weight decay on, networks still fit random labels.",
    "G3": "Without BatchNorm, Inception still fits and generalizes; BatchNorm is worth a few points.",
    "G4": "The best test accuracy seen during training is no better than the final one.",
    "T1": "A two-layer ReLU network with 2n + d weights fits any labels on n points in d dimensions.",
    "T2": "SGD on under-determined least squares, started at zero, converges to the minimum-norm solution.",
    "T3": "Kernel interpolation without regularization generalizes, and its norm does not predict generalization.",
    "T4": "Networks that fit random labels have empirical Rademacher complexity about 1, the trivial bound.",
}
ARCHS = ("mlp1x512", "alexnet", "inception")
NOTE = "ours: embedded, 2,000 training images; paper: CIFAR-10"


def row(quantity: str, ours: float | None, paper: object, unit: str, note: str = NOTE) -> dict:
    return {"quantity": quantity, "ours": ours, "paper": paper, "unit": unit, "note": note}


def headline_case(claim: str, case: str, rows: list[dict], decided: tuple | None = None, **extra: object) -> dict:
    """A case of a default-scale report with the new fields: statement, headline rows, decided_by."""
    c = {"claim": claim, "case": case, "verdict": "pass", "statement": STATEMENTS[claim], "headline": rows}
    c |= {"measured": {r["quantity"]: r["ours"] for r in rows}, "paper": "see headline"}
    c |= {"scale": "default", "dataset": "embedded", "runs": [run_entry(f"{claim}{case}key", case, 0.5)]}
    if decided:
        c["decided_by"] = {"statistic": decided[0], "value": decided[1], "threshold": decided[2]}
    return c | extra


def default_doc(first_seed: int = 0, shift: float = 0.0) -> dict:
    """A report of all 12 claims at the default scale (3 architectures, 32 cases), every case with
    headline rows; a figure with each seed's points, no interval."""
    p = ("class-permutation p", 0.62, ">= 0.001")
    cases = [
        headline_case(
            "R1",
            a,
            [
                row("random-label train acc", 1.0, 0.9934, "percent"),
                row("random-label test acc", 0.103 + shift, 0.1061, "percent"),
            ],
            p,
        )
        for a in ARCHS
    ]
    variants = ("true_labels", "random_labels", "shuffled_pixels", "random_pixels", "gaussian")
    cases += [headline_case("R2", v, [row("epochs to fit", 54, None, "epochs")]) for v in variants]
    cases += [
        headline_case(
            "R2",
            "convergence order",
            [row("onset, random vs true labels", 5, 3, "epochs")],
            ("sign test p", 3.1e-05, "< 0.01"),
            curves={"true": {"loss": [2.3, 1.0, 0.1]}},
        )
    ]
    fig = {
        "Figure 1b: time to overfit": {
            "xlabel": "label corruption",
            "ylabel": "epochs (relative)",
            "series": {
                a: {"x": [0, 0.5, 1], "y": [1.0, 1.3, 1.6], "points": [[0, 0.9], [0, 1.1], [1, 1.5], [1, 1.7]]}
                for a in ARCHS
            },
        }
    }
    cases += [
        headline_case(
            "R3", a, [row("slowdown at p=1", 1.6, "1.5 to 4", "ratio")], ("slowdown", 1.6, "<= 8"), figures=fig
        )
        for a in ARCHS
    ]
    cases += [
        headline_case("R3", f"{a} trend", [row("Spearman rho", 0.52, None, "number")], ("one-sided p", 0.031, "< 0.05"))
        for a in ARCHS
    ]
    cases += [
        headline_case("R4", a, [row("test error at p=1", 0.897, 0.9, "percent")], ("chance gap", 0.003, "< 0.05"))
        for a in ARCHS
    ]
    cases += [
        headline_case(
            "G1",
            a,
            [
                row("test acc, no regularizer", 0.763, 0.5051, "percent"),
                row("gain of all regularizers", 0.001, 0.0515, "percent"),
            ],
            ("gain", 0.001, "<= 0.10"),
        )
        for a in ARCHS
    ]
    cases += [
        headline_case("G2", a, [row("random-label train acc, weight decay", 1.0, 0.9921, "percent")]) for a in ARCHS
    ]
    cases += [headline_case("G3", "inception_nobn", [row("cost of removing BatchNorm", 0.031, 0.0358, "percent")])]
    cases += [
        headline_case("G4", a, [row("early-stopping gain", 0.012, 0.0, "percent")], ("one-sided p", 0.2, ">= 0.01"))
        for a in ARCHS
    ]
    cases += [headline_case("T1", "Theorem 1", [row("max error / rounding bound", 0.0636, None, "ratio", "")])]
    cases += [headline_case("T2", "SGD on least squares", [row("distance to min-norm", 1.78e-09, 0, "number", "")])]
    cases += [
        headline_case(
            "T3",
            "kernel interpolation",
            [row("test error, raw pixels", 0.24, 0.012, "percent", "ours: embedded, 500 images; paper: MNIST")],
        )
    ]
    cases += [headline_case("T4", "MLP vs linear", [row("Rademacher estimate", 1.0, 1.0, "ratio")])]
    cases[4]["verdict"], cases[4]["reason"] = "fail", "random labels fitted only 97% of the training set"
    cases[12] = declared(cases[12], "xpass")
    cases[14]["verdict"], cases[14]["reason"] = "skip", "a trend needs 2 seeds or more"
    meta = {
        "scale": "default",
        "scale_description": "the default: a few hours on 2 CPU cores",
        "dataset": "embedded",
        "n_test": 1000,
        "seeds": 2,
        "first_seed": first_seed,
        "architectures": {"mlp1x512": [1.0, 2000], "alexnet": [0.25, 250], "inception": [0.125, 384]},
        "finished_at": f"2026-12-0{1 + first_seed}T00:00:00+00:00",
    }
    return {"schema": 2, "meta": meta, "results": cases}


def typed(doc: dict) -> list[ClaimCase]:
    """The cases of a (schema 1 or 2) document as the session hands them to the report."""
    return [ClaimCase.from_json(c) for c in doc["results"]]


def write_doc(folder: Path, doc: dict) -> Path:
    """``doc`` as ``folder``'s results.json, as it is (an old schema, or damaged)."""
    folder.mkdir(exist_ok=True)
    (folder / "results.json").write_text(json.dumps(doc))
    return folder


def write_cases(folder: Path, doc: dict) -> Path:
    """``doc``'s cases and meta as ``folder``'s results.json of schema 3, as a session writes it."""
    return write_doc(folder, document(typed(doc), doc["meta"]))


def terminal_text(cases: list[ClaimCase]) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(terminal_table(cases))
    return console.export_text()


@pytest.fixture
def report(tmp_path) -> Path:
    folder = write_cases(tmp_path / "report", synthetic_doc())
    render(folder)
    return folder


# ----------------------------------------------------------------------------- files


def test_render_writes_markdown_html_and_figures(report):
    pngs = sorted(p.name for p in report.glob("*.png"))
    assert pngs == [
        "R1-alexnet.png",
        "R1-mlp1x512.png",
        "R2-convergence_order.png",
        "figure-Figure_1b_time_to_fit_vs_label_corruption.png",
    ]
    assert all((report / p).read_bytes().startswith(PNG_MAGIC) for p in pngs)
    md = (report / "report.md").read_text()
    assert re.findall(r"^## (\w+):", md, re.M) == ["R1", "R2", "T1"]  # a section per claim
    assert md.count("\n### R") == 3 and md.count("\n### T") == 1  # a full record per case, folded
    assert md.count("![Figure 1b") == 1 and md.count("**Table 1**") == 1
    assert "see Figure 1b: time to fit vs label corruption (under R1)" in md


def test_html_is_self_contained_with_every_figure_embedded(report):
    page = (report / "report.html").read_text()
    sources = re.findall(r'<img src="([^"]*)"', page)
    assert len(sources) == 4 and all(s.startswith("data:image/png;base64,") for s in sources)
    embedded = {base64.b64decode(s.split(",", 1)[1]) for s in sources}
    assert embedded == {p.read_bytes() for p in report.glob("*.png")}
    assert not re.search(r'(src|href)="(https?:)?//', page), "the page must need no network"
    assert '<link rel="stylesheet"' not in page and "<script src" not in page


def test_html_escapes_recorded_text(report):
    page = (report / "report.html").read_text()
    assert "&lt;perfectly&gt; &amp; stay" in page and "<perfectly>" not in page
    assert "&lt;i&gt;not italic&lt;/i&gt;" in page and "<i>" not in page
    assert "&lt;b&gt;" in page


def test_html_has_summary_sections_statistics_and_run_links(report):
    page = (report / "report.html").read_text()
    assert "2 passed, 1 failed, 1 skipped" in page
    assert "pytest claims --scale smoke" in page and "1 per configuration: [0]" in page
    for claim in ("R1", "R2", "T1"):
        assert page.count(f'<section class="claim" id="claim-{claim}">') == 1
    assert '<tr id="run-aaaa1111">' in page and '<tr id="run-bbbb2222">' in page
    assert '<tr id="run-shared0key">' in page and '<tr id="run-shared0key-2">' in page  # ids stay unique
    assert page.count('<a href="#runs-case-R1-mlp1x512">') == 3  # each number links to its runs (+ headline)
    assert '<table id="runs-case-R1-mlp1x512"' in page
    assert "0.8 [0.77, 0.83]" in page and "4 [3, 5]" in page  # our numbers with intervals
    assert "Reason:</strong> needs a GPU" in page


def test_merged_figure_and_table_appear_once_in_the_first_claim(report):
    page = (report / "report.html").read_text()
    r1, r2 = page.split('id="claim-R1"')[1].split('id="claim-R2"')
    assert r1.count('<figure id="fig-figure-Figure_1b') == 1 and "fig-figure-Figure_1b" not in r2.split("<a href")[0]
    assert 'See <a href="#fig-figure-Figure_1b_time_to_fit_vs_label_corruption">' in r2
    table = r1.split('id="table-Table_1"')[1]
    rows = re.findall(r"<tr><td>(.*?)</td>", table.split("</table>")[0])
    assert rows == ["mlp1x512", "alexnet", "r2 model"]  # concatenated in report order, columns unioned


# ----------------------------------------------------------------------------- the first screen


@pytest.fixture
def default_report(tmp_path) -> Path:
    folder = write_cases(tmp_path / "default", default_doc())
    render(folder)
    return folder


@pytest.mark.parametrize(
    "value, unit, shown",
    [
        (0.0868, "percent", "8.7%"),
        (1.0, "percent", "100.0%"),
        (0.99999, "percent", "100.0%"),
        (54.6, "epochs", "55"),
        (1.0185, "ratio", "1.0"),
        (0.9697, "ratio", "0.97"),
        (153.0, "ratio", "150"),
        (0.5204, "number", "0.52"),
        (3.1e-05, "number", "3.1e-05"),
        (None, "percent", "–"),
        ("1.5 to 4", "ratio", "1.5 to 4"),
    ],
)
def test_numbers_carry_no_more_digits_than_their_unit(value, unit, shown):
    assert number(value, unit) == shown


def test_differences_and_deciding_statistics():
    assert difference(0.0868, 0.0978, "percent") == "-1.1 pts" and difference(0.1, 0.1, "percent") == "0.0 pts"
    assert difference(55, 33, "epochs") == "+22" and difference(1.9, 1.5, "ratio") == "+0.40"
    assert difference(1.6, "1.5 to 4", "ratio") == "" and difference(None, 0.5, "percent") == ""
    assert check_text(Check("decided by", "class-permutation p", 0.6234, ">= 0.001")) == (
        "class-permutation p = 0.62 (>= 0.001)"
    )
    assert check_text(Check("decided by", "sign test p", 3.14e-05, "< 0.01")).endswith("3.1e-05 (< 0.01)")
    assert check_text(Check("decided by", "sign test p", None, "")) == "sign test p = –" and check_text(None) == ""
    assert short({"acc": 0.76300001, "n": 60, "ps": [2.5e-07]}) == "acc=0.763, n=60, ps=[2.5e-07]"


def test_markdown_starts_with_one_row_per_claim_then_deviations_and_skips(default_report):
    md = (default_report / "report.md").read_text()
    top = md.split("\n## ")[0]
    rows = re.findall(r"^\| \*\*(\w+)\*\* \|", top, re.M)
    assert rows == ["R1", "R2", "R3", "R4", "G1", "G2", "G3", "G4", "T1", "T2", "T3", "T4"]
    r1 = next(line for line in top.splitlines() if line.startswith("| **R1**"))
    assert STATEMENTS["R1"] in r1 and "| pass ×3 |" in r1
    assert "mlp1x512 · random-label train acc: **100.0%** vs 99.3% (+0.7 pts)<sup>a</sup>" in r1
    assert "mlp1x512: class-permutation p = 0.62 (>= 0.001)" in r1 and "*+5 more below*" in r1
    r2 = next(line for line in top.splitlines() if line.startswith("| **R2**"))
    assert "random_labels ·" in r2 and "**fail**" in r2  # one row per claim; the verdicts show the failure
    assert "<sup>a</sup> ours: embedded, 2,000 training images; paper: CIFAR-10" in top
    assert "<sup>b</sup> ours: embedded, 500 images; paper: MNIST" in top
    assert top.index("| **T4**") < top.index("Deviations (declared") < top.index("Skipped:") < top.index("- scale:")
    assert "scale default: " in top.split("| claim |")[0] and "data embedded, 1000 test images" in top


def test_html_first_screen_has_one_row_per_claim_with_rounded_numbers(default_report):
    page = (default_report / "report.html").read_text()
    summary = page.split('<section class="claim"')[0]
    claims_table = summary.split('<table class="claims">')[1].split("</table>")[0]
    assert re.findall(r'<tbody id="summary-(\w+)">', claims_table)[:4] == ["R1", "R2", "R3", "R4"]
    assert claims_table.count("<tbody") == 12 and STATEMENTS["T3"] in claims_table
    badge = '<span class="verdict v-deviation-did-not-occur" title="mlp1x512 trend">deviation-did-not-occur</span>'
    assert badge in claims_table
    assert '<td class="c-fail"><a href="#case-R2-random_labels">random_labels</a></td>' in claims_table
    assert '<strong>100.0%</strong></td><td class="num">99.3%<sup title="ours: embedded' in claims_table
    assert "+5 more rows" in claims_table and "1.78e-09" in claims_table
    numbers = re.findall(r'<td class="num">(?:<strong>)?([^<]*)', claims_table)
    assert numbers and not [n for n in numbers if re.search(r"\d\.\d\d+%|\d{4,}|\.\d{4,}", n)]
    assert summary.index("</table>") < summary.index('<ul class="footnotes"') < summary.index('class="deviations')
    assert summary.index('class="deviations') < summary.index('class="skips') < summary.index('<table class="meta"')


def test_a_claim_section_shows_its_figure_then_ours_vs_paper_then_statistics_then_records(default_report):
    page = (default_report / "report.html").read_text()
    r3 = page.split('id="claim-R3">')[1].split("</section>")[0]
    order = ['<figure id="fig-figure-Figure_1b', '<table class="headline">', '<ul class="notes reasons">']
    order.append('<details class="records">')
    assert [r3.index(part) for part in order] == sorted(r3.index(part) for part in order)
    assert r3.count("<tr><td><a href") == 6  # one headline row per case
    assert '<tr id="run-R3mlp1x512key">' in r3.split('<details class="records">')[1]
    r2 = page.split('id="claim-R2">')[1].split("</section>")[0]
    assert r2.index('<figure id="fig-R2-convergence_order"') < r2.index('<table class="headline">')
    md = (default_report / "report.md").read_text()
    r3_md = md.split("\n## R3:")[1].split("\n## R4:")[0]
    assert r3_md.index("![Figure 1b") < r3_md.index("| case | verdict |") < r3_md.index("<details>")
    assert "| mlp1x512 | **pass** | slowdown at p=1 | **1.6** | 1.5 to 4 |  |" in r3_md


def test_an_old_case_without_headline_rows_shows_its_rounded_numbers(report):
    md = (report / "report.md").read_text().split("\n## ")[0]
    assert "measured: **random test acc=0.1, true test acc=0.8** vs random test %=9.8" in md
    r2 = next(line for line in md.splitlines() if line.startswith("| **R2**"))
    assert "**fail**" in r2 and "onset gaussian=mean=4, interval95=[3, 5]" in r2
    t1 = next(line for line in md.splitlines() if line.startswith("| **T1**"))
    assert "**skip**" in t1 and "R1: networks fit random labels" in md  # the title stands for a statement


def test_figure_points_are_drawn_and_bad_points_are_reported(default_report, tmp_path):
    assert (default_report / "figure-Figure_1b_time_to_overfit.png").read_bytes().startswith(PNG_MAGIC)
    doc = default_doc()
    doc["results"][9]["figures"]["Figure 1b: time to overfit"]["series"]["mlp1x512"]["points"] = [[0, "x"]]
    folder = write_cases(tmp_path / "bad-points", doc)
    render(folder)
    assert "*Figure 1b: time to overfit: not drawn (ValueError:" in (folder / "report.md").read_text()


# ----------------------------------------------------------------------------- history


@pytest.fixture
def reports_dir(tmp_path) -> Path:
    """Three reports: two default ones with different first seeds (the second's R1 test accuracy
    higher; the first of schema 2, the second of schema 3), one smoke; a damaged results.json and one
    of an unknown schema."""
    root = tmp_path / "artifacts"
    write_doc_deep(root / "night-2" / "20261202-000000", default_doc(first_seed=1, shift=0.02), typed_cases=True)
    write_doc_deep(root / "night-1" / "20261201-000000", default_doc(first_seed=0))
    write_doc_deep(root / "smoke" / "20261130-000000", synthetic_doc())
    write_doc_deep(root / "broken", {}).joinpath("results.json").write_text("{not json")
    write_doc_deep(root / "future", {"schema": 9, "results": []})
    return root


def write_doc_deep(folder: Path, doc: dict, typed_cases: bool = False) -> Path:
    folder.mkdir(parents=True)
    return write_cases(folder, doc) if typed_cases else write_doc(folder, doc)


def test_history_groups_reports_by_scale_and_marks_changes(reports_dir, capsys):
    assert main(["--history", str(reports_dir)]) == 0
    out, err = capsys.readouterr()
    assert "3 reports in 2 group(s)" in out
    assert len(err.splitlines()) == 2 and "broken/results.json is damaged" in err and "has schema 9" in err
    md = (reports_dir / "history" / "history.md").read_text()
    default, smoke = md.split("\n## scale default")[1], md.split("\n## scale smoke")[1]
    assert "(2 reports)" in default.splitlines()[0] and "(1 report)" in smoke.splitlines()[0]
    head = next(line for line in default.splitlines() if line.startswith("| claim |"))
    assert head.index("night-1/20261201-000000") < head.index("night-2/20261202-000000")  # oldest first
    assert "seeds from 0" in head and "seeds from 1" in head
    assert "| R1 | mlp1x512 | random-label test acc | 10.3% | **12.3%** (was 10.3%) |" in default
    assert "| R1 | mlp1x512 | verdict | pass | pass |" in default
    assert "| R1 | mlp1x512 | random test acc | 0.1 |" in smoke.split("\n## ")[0]  # an old case: its measured
    assert "night-1" not in smoke.split("\n## ")[0]  # never mixed
    page = (reports_dir / "history" / "history.html").read_text()
    assert page.count('<section class="group"') == 2 and page.count('<td class="changed">') == 3
    assert "not read" in page and not re.search(r'(src|href)="(https?:)?//', page)


def test_history_of_a_folder_without_reports_is_one_error_line(tmp_path, capsys):
    assert main(["--history", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no results.json under" in err
    write_doc(tmp_path, {"schema": 0, "results": []})
    assert main(["--history", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "none of the 1 results.json" in err and not (tmp_path / "out").exists()
    assert main(["--out", str(tmp_path), str(tmp_path)]) == 2 and "--out goes with --history" in capsys.readouterr().err


def test_nightly_workflow_writes_junit_and_the_job_summary():
    workflow = (Path(__file__).resolve().parent.parent / ".github" / "workflows" / "nightly.yml").read_text()
    assert "--junitxml=junit.xml" in workflow and "junit.xml" in workflow.split("upload-artifact")[1]
    assert '>> "$GITHUB_STEP_SUMMARY"' in workflow and "reports/latest/report.md" in workflow


# ----------------------------------------------------------------------------- rebuild and compare


def test_main_rebuilds_every_file_from_results_json(report, capsys):
    for f in ("report.md", "report.html", "R1-alexnet.png"):
        (report / f).unlink()
    assert main([str(report)]) == 0
    assert all((report / f).exists() for f in ("report.md", "report.html", "R1-alexnet.png"))
    assert main([str(report / "missing")]) == 2 and "usage" in capsys.readouterr().err


def test_compare_lists_changed_verdicts_and_numbers(report, tmp_path, capsys):
    doc = synthetic_doc()
    doc["results"][0]["verdict"] = "fail"
    doc["results"][0]["measured"]["random test acc"] = 0.25
    doc["results"][1]["measured"]["random test acc"] = 0.090001  # prints the same: unchanged
    del doc["results"][3]
    new = write_cases(tmp_path / "new", doc)
    changes = compare_reports(report, new)
    assert [(c.claim, c.case, c.change) for c in changes] == [
        ("R1", "mlp1x512", "changed"),
        ("T1", "Theorem 1", "removed"),
    ]
    assert changes[0].verdict == ("pass", "fail") and changes[0].measured == {"random test acc": (0.1, 0.25)}
    assert "R1 mlp1x512: verdict pass -> fail\n  random test acc: 0.1 -> 0.25" in describe_changes(changes)
    assert main(["--compare", str(report), str(new)]) == 1
    assert "T1 Theorem 1: removed (was skip)" in capsys.readouterr().out
    assert compare_reports(report, report) == [] and main(["--compare", str(report), str(report)]) == 0


def test_compare_shows_a_verdict_turning_into_a_deviation(report, tmp_path, capsys):
    doc = synthetic_doc()
    doc["results"][0] = declared(doc["results"][0], "xfail")
    doc["results"][1] = declared(doc["results"][1], "xpass")
    new = write_cases(tmp_path / "new", doc)
    changes = compare_reports(report, new)
    assert [c.verdict for c in changes] == [("pass", "deviation"), ("pass", "deviation-did-not-occur")]
    assert main(["--compare", str(report), str(new)]) == 1
    out = capsys.readouterr().out
    assert "R1 mlp1x512: verdict pass -> deviation\n" in out
    assert "R1 alexnet: verdict pass -> deviation-did-not-occur" in out
    xfail = write_cases(tmp_path / "xfail", doc | {"results": [declared(doc["results"][1], "xfail")]})
    assert "verdict deviation-did-not-occur -> deviation" in describe_changes(compare_reports(new, xfail))


@pytest.mark.parametrize(
    "argv",
    [[], ["a", "b"], ["--compare", "a"], ["a", "--compare", "b", "c"], ["--bogus", "a"]],
    ids=["nothing", "two folders", "compare one", "both", "unknown option"],
)
def test_bad_arguments_are_a_usage_error(argv, report, capsys):
    argv = [str(report) if a == "a" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m rethink_core.report") and "error:" in err


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "is damaged: not JSON"),
        ('{"schema": 4, "results": []}', "has schema 4; this version reads schemas 1, 2 and 3"),
        ('{"schema": 3, "results": {}}', "is damaged: needs a list of results"),
        ('{"schema": 3, "results": [{"claim": "R1", "verdict": "maybe"}]}', "is damaged: result 0 cannot be read"),
    ],
    ids=["not JSON", "unknown schema", "no list", "unknown verdict"],
)
def test_an_unreadable_results_json_is_one_error_line(tmp_path, capsys, text, message):
    (tmp_path / "results.json").write_text(text)
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


# ----------------------------------------------------------------------------- verdicts, order, schemas


@pytest.fixture
def deviations(tmp_path) -> Path:
    folder = write_cases(tmp_path / "deviations", deviation_doc())
    render(folder)
    return folder


def test_deviations_are_counted_apart_and_listed_with_reason_and_command_in_markdown(deviations):
    md = (deviations / "report.md").read_text()
    top = md.split("\n## ")[0]
    assert f"**{COUNTS}**" in top
    assert "- R1 alexnet, **deviation**: known not to reproduce: alexnet <small>; measured by `pytest claims" in top
    assert "- G2 inception, **deviation-did-not-occur**: known not to reproduce: inception" in top
    assert "- T1 Theorem 1: needs a GPU" in top  # every skip with its reason
    assert "| **G2** |  | **deviation-did-not-occur** |" in md
    assert "### R1 alexnet: deviation\n" in md and "### G2 inception: deviation-did-not-occur\n" in md
    assert "Outcome: the claim did not hold, as declared." in md.split("### R1 alexnet")[1]
    assert "Outcome: the claim held this time: the deviation did not occur." in md.split("### G2 inception")[1]


def test_deviations_are_purple_badges_with_their_reason_in_html(deviations):
    page = (deviations / "report.html").read_text()
    summary = page.split('<section class="claim"')[0]
    assert COUNTS in summary
    badge = '<span class="verdict v-deviation-did-not-occur" title="inception">deviation-did-not-occur</span>'
    assert badge in summary
    assert ".v-deviation { background:" in page and ".v-deviation-did-not-occur { outline: 2px dashed" in page
    deviations_list = summary.split('<ul class="deviations notes">')[1].split("</ul>")[0]
    assert deviations_list.count("<li>") == 2
    assert (
        "known not to reproduce: alexnet &lt;small&gt;; measured by <code>pytest claims -k &#x27;R1" in deviations_list
    )
    assert '<ul class="skips notes"><li><a href="#case-T1-Theorem_1">T1 Theorem 1</a>: needs a GPU</li></ul>' in summary
    r1 = page.split('id="claim-R1">')[1].split("</h2>")[0]
    assert 'v-pass" title="mlp1x512">pass</span>' in r1 and 'v-deviation" title="alexnet">deviation</span>' in r1
    assert "<strong>Deviation</strong> (known not to reproduce at this scale): known not to reproduce: alexnet" in page


def test_deviations_in_the_terminal_table_with_their_reason():
    text = terminal_text(typed(deviation_doc()))
    row = next(line for line in text.splitlines() if "inception" in line)
    assert "deviation-did-not-occur" in row and "known not to reproduce: inception" in row
    assert "needs a GPU" in next(line for line in text.splitlines() if "Theorem 1" in line)
    assert COUNTS in text


def test_write_report_records_counts_schema_3_and_points_latest(tmp_path):
    doc = deviation_doc()
    cases = typed(doc)
    folder = write_report(cases, doc["meta"], tmp_path / "reports")
    written = json.loads((folder / "results.json").read_text())
    assert written["schema"] == SCHEMA == 3 and written["meta"] == doc["meta"]
    assert written["counts"] == {
        "pass": 1,
        "fail": 1,
        "skip": 1,
        "undecided": 0,
        "deviation": 1,
        "deviation-did-not-occur": 1,
        "rehearsed": 0,
    }
    assert written["results"] == [c.to_json() for c in sort_cases(cases)]
    assert load(folder).cases == sort_cases(cases)  # what is written reads back the same
    assert (tmp_path / "reports" / "latest").resolve() == folder.resolve()
    assert (folder / "report.html").exists() and (folder / "R1-alexnet.png").exists()


def test_claims_are_ordered_by_their_cases_collection_order(tmp_path):
    doc = synthetic_doc()
    mlp, alexnet, r2, t1 = doc["results"]
    for case, order in ((mlp, 7), (alexnet, 3), (r2, 5), (t1, 0)):
        case["order"] = order
    doc["results"] = [mlp, alexnet, r2, t1]
    folder = write_report(typed(doc), doc["meta"], tmp_path)
    expected = [("T1", "Theorem 1"), ("R1", "alexnet"), ("R1", "mlp1x512"), ("R2", "convergence order")]
    written = json.loads((folder / "results.json").read_text())["results"]
    assert [(c["claim"], c["case"]) for c in written] == expected
    headings = re.findall(r"^### (\S+) (.+?):", (folder / "report.md").read_text(), re.M)
    assert headings == expected
    text = terminal_text(typed(doc))
    assert [text.index(case) for _, case in expected] == sorted(text.index(case) for _, case in expected)


def test_cases_without_order_keep_their_order_of_appearance():
    mlp, alexnet, r2, t1 = typed(synthetic_doc())
    names = [(c.claim, c.case) for c in sort_cases([t1, r2, alexnet, mlp])]
    assert names == [("T1", "Theorem 1"), ("R2", "convergence order"), ("R1", "alexnet"), ("R1", "mlp1x512")]


def test_an_old_schema_1_report_with_deviations_in_meta_still_renders(tmp_path, capsys):
    doc = synthetic_doc()
    doc["schema"] = 1
    doc["meta"]["deviations"] = doc["meta"].pop("departures")
    folder = write_doc(tmp_path / "old", doc)
    assert main([str(folder)]) == 0
    for name in ("report.md", "report.html"):
        assert "departs from the paper: batch size 128" in (folder / name).read_text()
    assert "2 passed, 1 failed, 1 skipped" in (folder / "report.md").read_text()
    assert compare_reports(folder, folder) == []
    assert load(folder).meta["departures"] == ["batch size 128 (the paper does not state it)"]


def test_a_schema_2_report_renders_and_compares_equal_to_its_schema_3_rewrite(tmp_path, capsys):
    """A schema-2 results.json (a deviation whose claim held: outcome xpass) reads as the schema-3 one
    the same session writes today: the same cases, the same report, no verdict change."""
    doc = deviation_doc()
    old = write_doc(tmp_path / "old", doc)
    assert main([str(old)]) == 0
    new = write_report(typed(doc), doc["meta"], tmp_path / "reports")
    assert json.loads((new / "results.json").read_text())["schema"] == 3
    g2 = next(c for c in load(old).cases if c.claim == "G2")
    assert g2.verdict is Verdict.DEVIATION_DID_NOT_OCCUR and g2.deviation.reason.startswith("known not")
    assert load(old) == load(new)
    assert compare_reports(old, new) == [] and main(["--compare", str(old), str(new)]) == 0
    assert "no verdict or measured number changed" in capsys.readouterr().out
    for name in ("report.md", "report.html"):
        assert (old / name).read_text() == (new / name).read_text()


def test_an_unknown_schema_is_refused_in_one_line(tmp_path):
    write_doc(tmp_path, {"schema": 4, "meta": {}, "counts": {}, "results": []})
    with pytest.raises(ReportError) as refused:
        load(tmp_path)
    assert str(refused.value) == f"{tmp_path / 'results.json'} has schema 4; this version reads schemas 1, 2 and 3"


def new_verdicts() -> list[ClaimCase]:
    """The synthetic cases, an undecided one (with its design and checks) and a rehearsed one."""
    cases = typed(synthetic_doc())
    check = Check("order", "sign test p", 0.25, "< 0.01")
    undecided = ClaimCase("T2", "least squares", Verdict.UNDECIDED, "smoke", "embedded")
    undecided = replace(undecided, reason="2 seeds cannot reach p < 0.01", seeds=(0, 1), smallest_p=0.25)
    undecided = replace(undecided, headline=(Headline("onset, random vs true labels", 3, 2, "epochs"),))
    undecided = replace(undecided, checks=(check,), decided_by=check, plan_hash="abc123")
    rehearsed = replace(cases[0], case="vgg", verdict=Verdict.REHEARSED, would_be=Verdict.FAIL)
    return [*cases, undecided, replace(rehearsed, runs=(), figures={}, tables={}, curves={})]


def test_undecided_and_rehearsed_cases_have_their_own_badges_counts_and_notes(tmp_path, capsys):
    counts = "2 passed, 1 failed, 1 undecided, 1 skipped, 1 rehearsed"
    folder = write_report(new_verdicts(), {"scale": "smoke"}, tmp_path)
    md = (folder / "report.md").read_text()
    top = md.split("\n## ")[0]
    assert f"**{counts}**" in top
    undecided = "Undecided (the design could not decide them with the seeds it had):\n\n- T2 least squares: 2 seeds"
    assert undecided in top and top.index("Undecided") < top.index("Skipped:")
    assert "### R1 vgg: rehearsed (would be fail)\n" in md and "| **T2** |" in top
    record = md.split("### T2 least squares: undecided")[1]
    assert "- seeds: [0, 1]\n- smallest reachable p: 0.25\n- analysis plan: abc123" in record
    assert "| order | sign test p | 0.25 | < 0.01 |  |" in record
    page = (folder / "report.html").read_text()
    summary = page.split('<section class="claim"')[0]
    assert counts in summary and '<td class="c-undecided">' in summary and ".v-undecided { background:" in page
    assert '<span class="verdict v-undecided" title="least squares">undecided</span>' in summary
    listed = page.split('<ul class="undecided-cases notes">')[1].split("</ul>")[0]
    assert listed.startswith('<li><a href="#case-T2-least_squares">T2 least squares</a>: 2 seeds cannot')
    assert '<span class="verdict v-rehearsed">rehearsed (would be fail)</span>' in page
    assert '<table class="checks">' in page and "smallest reachable p 0.25" in page
    text = terminal_text(new_verdicts())
    assert "2 seeds cannot reach" in next(line for line in text.splitlines() if "least squares" in line)
    assert "rehearsed (would be fail)" in text and counts in text
    passing = write_report([replace(c, would_be=Verdict.PASS) for c in new_verdicts()], {}, tmp_path)
    changes = [(c.case, c.verdict) for c in compare_reports(folder, passing)]
    assert changes == [("vgg", ("rehearsed (would be fail)", "rehearsed (would be pass)"))]
    assert main(["--history", str(tmp_path), "--out", str(tmp_path / "h")]) == 0
    history = (tmp_path / "h" / "history.html").read_text()
    assert '<span class="verdict v-rehearsed">rehearsed (would be pass)</span>' in history


REPORT = Path(__file__).resolve().parent.parent / "rethink_core" / "report"
# A case's fields, but for those that are keys of meta (scale, dataset, seeds) or of a statistic (test) too.
CASE_KEYS = {f.name for f in fields(ClaimCase)} - {"scale", "dataset", "seeds", "test"}


def case_keys_read(source: str) -> list[tuple[int, str]]:
    """(line, key) of every ``x.get("<case field>")`` (or ``setdefault``, ``pop``) and ``x["<case field>"]``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            key = node.args[0] if node.func.attr in ("get", "setdefault", "pop") else None
        else:
            key = node.slice if isinstance(node, ast.Subscript) else None
        if isinstance(key, ast.Constant) and key.value in CASE_KEYS:
            found.append((node.lineno, key.value))
    return sorted(found)


def test_no_renderer_reads_a_case_as_a_dict():
    found = {p.name: case_keys_read(p.read_text()) for p in sorted(REPORT.glob("*.py"))}
    assert len(found) > 10 and {name: keys for name, keys in found.items() if keys} == {}
    source = 'c.get("verdict")\nc["headline"][0]\nmeta.get("scale")\nspec["series"]\nc.decided_by.value'
    assert case_keys_read(source) == [(1, "verdict"), (2, "headline")]  # the check finds what it looks for


def test_verdicts_are_the_enum_not_bare_strings():
    words = {str(v) for v in Verdict}
    found = {}
    for path in sorted(REPORT.glob("*.py")):
        nodes = ast.walk(ast.parse(path.read_text()))
        found[path.name] = [n.lineno for n in nodes if isinstance(n, ast.Constant) and n.value in words]
    assert len(found) > 10 and {name: lines for name, lines in found.items() if lines} == {}


def test_a_meta_with_missing_keys_still_renders(tmp_path):
    doc = synthetic_doc() | {"meta": {"first_seed": 3, "seeds": 2}}
    folder = write_cases(tmp_path / "bare", doc)
    render(folder)
    md = (folder / "report.md").read_text()
    assert "- seeds: 2 per configuration, from seed 3" in md and "None" not in md.split("| claim |")[0]
    assert "2 per configuration, from seed 3" in (folder / "report.html").read_text()


def test_the_summary_shows_the_host_and_versions_from_meta(report):
    md, page = (report / "report.md").read_text(), (report / "report.html").read_text()
    for text in (md, page):
        assert "device cpu; test; Test CPU; 2 CPUs; 2 torch threads" in text
        assert "python=3.11, torch=2" in text


def test_the_package_has_no_import_cycle_and_no_scale_import():
    """Each module imports only modules below it; the renderers share the model, not each other."""
    package = Path(__file__).resolve().parent.parent / "rethink_core" / "report"
    imports = {}
    for path in package.glob("*.py"):
        found = re.findall(r"^from rethink_core\.(\S+) import", path.read_text(), re.M)
        imports[path.stem] = {name.removeprefix("report.") for name in found}
    assert not any("scales" in names or "plugin" in names or "session" in names for names in imports.values())
    assert imports["numbers"] == {"case"} and imports["model"] == {"case", "numbers"}
    assert imports["summary"] == {"case", "model", "numbers"}
    assert imports["markdown"].isdisjoint({"html", "html_assets"}) and "markdown" not in imports["html"]
    done: set[str] = set()
    while len(done) < len(imports):  # peel off modules whose imports are all done: fails on a cycle
        ready = {m for m, names in imports.items() if m not in done and names - {"case", "errors", "store"} <= done}
        assert ready, f"an import cycle among {sorted(set(imports) - done)}"
        done |= ready


# ----------------------------------------------------------------------------- in a real browser


def browser() -> str:
    found = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)
    if found is None:
        pytest.skip(f"no headless browser: none of {', '.join(BROWSERS)} is on PATH (apt-get install chromium)")
    return found


def open_page(page: Path, tmp_path: Path, *flags: str) -> subprocess.CompletedProcess:
    """Load ``page`` in headless Chromium, logging the console to stderr."""
    command = [*open_command(tmp_path, *flags), page.resolve().as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def open_command(tmp_path: Path, *flags: str) -> list[str]:
    """Headless Chromium's command line, logging the console to stderr; the page's URI goes last."""
    return [
        browser(),
        "--headless",
        "--no-sandbox",  # root in containers
        "--disable-gpu",
        "--disable-dev-shm-usage",  # small /dev/shm in containers
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--enable-logging=stderr",
        "--v=1",
        "--virtual-time-budget=5000",
        *flags,
    ]


def console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def images_ok(dom: str) -> str | None:
    found = re.search(r'<html[^>]*data-images-ok="(\w+)"', dom)
    return found.group(1) if found else None


def test_page_renders_in_chromium_with_every_figure_and_no_console_error(report, tmp_path):
    shown = open_page(report / "report.html", tmp_path, "--dump-dom")
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert console_errors(shown.stderr) == []
    assert images_ok(shown.stdout) == "yes"
    assert 'data-images="4"' in shown.stdout
    shot = tmp_path / "report.png"
    taken = open_page(report / "report.html", tmp_path, "--window-size=1200,1600", f"--screenshot={shot}")
    assert taken.returncode == 0 and shot.read_bytes().startswith(PNG_MAGIC) and shot.stat().st_size > 20_000


def test_the_first_screen_fits_1300_by_1000_and_anchors_open_their_details(default_report, tmp_path):
    shown = open_page(default_report / "report.html", tmp_path, "--window-size=1300,1000", "--dump-dom")
    assert shown.returncode == 0 and console_errors(shown.stderr) == []
    bottom = re.search(r'data-summary-bottom="(\d+)"', shown.stdout)
    assert bottom and int(bottom.group(1)) <= 1000, "the claims table must fit the first screen"
    target = default_report / "report.html"
    command = [*open_command(tmp_path, "--dump-dom"), target.resolve().as_uri() + "#run-R3mlp1x512key"]
    opened = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False).stdout
    r3 = opened.split('id="claim-R3"')[1].split("</section>")[0]
    assert '<details class="records" open="">' in r3
    assert '<details class="records">' in opened.split('id="claim-R4"')[1]  # the others stay closed


def test_history_page_renders_in_chromium(reports_dir, tmp_path):
    assert main(["--history", str(reports_dir), "--out", str(tmp_path / "h")]) == 0
    shown = open_page(tmp_path / "h" / "history.html", tmp_path, "--dump-dom")
    assert shown.returncode == 0 and console_errors(shown.stderr) == []
    assert shown.stdout.count('<section class="group"') == 2 and 'data-images-ok="yes"' in shown.stdout


def test_the_browser_check_catches_a_broken_image_and_a_script_error(report, tmp_path):
    """The check above can fail: a missing figure and a script error are both seen."""
    page = (report / "report.html").read_text()
    broken = page.replace('src="data:image/png;base64,', 'src="missing.png#', 1)
    broken = broken.replace("</body>", "<script>undefinedFunction();</script></body>")
    (tmp_path / "broken.html").write_text(broken)
    shown = open_page(tmp_path / "broken.html", tmp_path, "--dump-dom")
    assert images_ok(shown.stdout) == "no"
    assert any("undefinedFunction" in line for line in console_errors(shown.stderr))


def test_a_figure_that_cannot_be_drawn_is_reported_not_fatal(tmp_path):
    doc = synthetic_doc()
    doc["results"][0]["figures"]["Figure 2b"] = {"series": {"bad": {"x": [1], "y": [0.5], "lo": ["low"]}}}
    write_cases(tmp_path, doc)
    render(tmp_path)
    assert "*Figure 2b: not drawn (TypeError:" in (tmp_path / "report.md").read_text()
    assert "<em>Figure 2b: not drawn (TypeError:" in (tmp_path / "report.html").read_text()
    assert not list(tmp_path.glob("figure-Figure_2b*"))


def test_a_case_decided_once_shows_its_tests_reach_and_its_criteria(tmp_path):
    design = (
        DesignCheck("every run fits", CRITERION, "run"),
        DesignCheck("at chance", "class-permutation test", "seed", 1e-3, "does not reject", 5e-5),
    )
    case = ClaimCase("R1", "mlp", Verdict.PASS, "smoke", "embedded", seeds=(0,), smallest_p=5e-5, design=design)
    back = ClaimCase.from_json(json.loads(json.dumps(case.to_json())))
    assert back.design == design and back.plan_hash == ""
    md = (write_report([back], {"scale": "smoke"}, tmp_path) / "report.md").read_text()
    assert "- decided once by: every run fits: a criterion (no p); at chance: class-permutation test on seed" in md
    assert "level 0.0010, the claim holds if it does not reject (smallest p 5.0e-05)" in md


def test_the_report_says_which_passes_survive_holm_over_the_session():
    from rethink_core.report.family import family_text, holm_family

    plan = {"x: plan's decision": {"plan_hash": "h", "p_effect": 0.004, "level": 0.005}}
    planned = ClaimCase("A1", "mlp", Verdict.PASS, "default", "embedded", plan_hash="h", statistics=plan)
    binomial = DesignCheck("far above", "binomial", "test image", 1e-6, "rejects", 0.0, 1e-40)
    at_chance = DesignCheck("at chance", "permutation", "seed", 1e-3, "does not reject", 5e-5, 0.4)
    once = ClaimCase("R1", "mlp", Verdict.PASS, "default", "embedded", design=(at_chance, binomial))
    criteria = ClaimCase(
        "R2", "gaussian", Verdict.PASS, "default", "embedded", design=(DesignCheck("fits", CRITERION, "run"),)
    )
    undecided = ClaimCase("D1", "widths", Verdict.UNDECIDED, "default", "embedded")
    family = holm_family([planned, once, criteria, undecided])
    # A1: 0.004 at 0.005 per look stands at 0.008 on the family scale; R1 first at 0.01 / 2, then A1 at 0.01
    assert [(c.claim, round(p, 6), kept) for c, p, kept in family] == [("A1", 0.008, True), ("R1", 0.0, True)]
    assert "4 cases judged; 2 of the 3 passes rest on rejected nulls" in family_text(
        [planned, once, criteria, undecided]
    )
    worse = replace(planned, statistics={"x: plan's decision": {"plan_hash": "h", "p_effect": 0.0049, "level": 0.005}})
    assert [kept for _, _, kept in holm_family([worse, once, replace(worse, case="cnn")])] == [False, True, False]
