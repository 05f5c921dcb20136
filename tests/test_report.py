"""The claim report: report.md, the self-contained report.html (rendered in headless Chromium where
one is installed), the terminal table, merged figures and tables, the four verdicts (pass, fail,
deviation, skip), the order of claims, older results.json files, the rebuild and --compare commands.
Built from a synthetic results.json, so nothing is trained."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from rethink_core.report import compare_reports, describe_changes, main, render, terminal_table, write_report
from rethink_core.report.model import sort_cases

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


def deviation_doc() -> dict:
    """R1 alexnet a deviation that did not reproduce (xfail); a G2 case one whose claim held (xpass)."""
    doc = synthetic_doc()
    g2 = {"claim": "G2", "case": "inception", "measured": {"test acc": 0.5}, "paper": None}
    g2 |= {"scale": "smoke", "dataset": "embedded"}
    doc["results"][1] = declared(doc["results"][1], "xfail")
    doc["results"].append(declared(g2, "xpass"))
    return doc


def write_doc(folder: Path, doc: dict) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "results.json").write_text(json.dumps(doc))
    return folder


def terminal_text(cases: list[dict]) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(terminal_table(cases))
    return console.export_text()


@pytest.fixture
def report(tmp_path) -> Path:
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps(synthetic_doc()))
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
    assert md.count("## R") == 3 and md.count("## T") == 1
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
    assert "2 passed, 1 failed, 0 deviations, 1 skipped" in page
    assert "pytest claims --scale smoke" in page and "1 per configuration: [0]" in page
    for claim in ("R1", "R2", "T1"):
        assert page.count(f'<section class="claim" id="claim-{claim}">') == 1
    assert '<tr id="run-aaaa1111">' in page and '<tr id="run-bbbb2222">' in page
    assert '<tr id="run-shared0key">' in page and '<tr id="run-shared0key-2">' in page  # ids stay unique
    assert page.count('<a href="#runs-case-R1-mlp1x512">') == 2  # each number links to its runs
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
    new = tmp_path / "new"
    new.mkdir()
    (new / "results.json").write_text(json.dumps(doc))
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
    new = write_doc(tmp_path / "new", doc)
    changes = compare_reports(report, new)
    assert [c.verdict for c in changes] == [("pass", "deviation"), ("pass", "deviation (xpass)")]
    assert main(["--compare", str(report), str(new)]) == 1
    out = capsys.readouterr().out
    assert "R1 mlp1x512: verdict pass -> deviation\n" in out
    assert "R1 alexnet: verdict pass -> deviation (xpass)" in out
    xfail = write_doc(tmp_path / "xfail", doc | {"results": [declared(doc["results"][1], "xfail")]})
    assert "verdict deviation (xpass) -> deviation" in describe_changes(compare_reports(new, xfail))


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
    [("{not json", "is damaged: not JSON"), ('{"schema": 3, "results": []}', "has schema 3; this version reads")],
)
def test_an_unreadable_results_json_is_one_error_line(tmp_path, capsys, text, message):
    (tmp_path / "results.json").write_text(text)
    assert main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


# ----------------------------------------------------------------------------- verdicts, order, schemas


@pytest.fixture
def deviations(tmp_path) -> Path:
    folder = write_doc(tmp_path / "deviations", deviation_doc())
    render(folder)
    return folder


def test_deviations_are_counted_apart_and_listed_with_reason_and_command_in_markdown(deviations):
    md = (deviations / "report.md").read_text()
    top = md.split("\n## ")[0]
    assert "**1 passed, 1 failed, 2 deviations, 1 skipped**" in top
    assert "- R1 alexnet, **deviation**: known not to reproduce: alexnet <small>; measured by `pytest claims" in top
    assert "- G2 inception, **deviation (xpass)**: known not to reproduce: inception" in top
    assert "- T1 Theorem 1: needs a GPU" in top  # every skip with its reason
    assert "| G2 | inception | **deviation (xpass)** |" in md
    assert "## R1 alexnet: deviation\n" in md and "## G2 inception: deviation (xpass)\n" in md
    assert "Outcome: the claim held this time (xpass)." in md


def test_deviations_are_purple_badges_with_their_reason_in_html(deviations):
    page = (deviations / "report.html").read_text()
    summary = page.split('<section class="claim"')[0]
    assert "1 passed, 1 failed, 2 deviations, 1 skipped" in summary
    assert '<span class="verdict v-deviation">deviation (xpass)</span>' in summary
    assert ".v-deviation { background:" in page
    deviations_list = summary.split('<ul class="deviations">')[1].split("</ul>")[0]
    assert deviations_list.count("<li>") == 2
    assert (
        "known not to reproduce: alexnet &lt;small&gt;; measured by <code>pytest claims -k &#x27;R1" in deviations_list
    )
    assert '<ul class="skips"><li><a href="#case-T1-Theorem_1">T1 Theorem 1</a>: needs a GPU</li></ul>' in summary
    r1 = page.split('id="claim-R1">')[1].split("</h2>")[0]
    assert (
        '<span class="verdict v-pass">pass</span>' in r1 and '<span class="verdict v-deviation">deviation</span>' in r1
    )
    assert "<strong>Deviation</strong> (known not to reproduce at this scale): known not to reproduce: alexnet" in page


def test_deviations_in_the_terminal_table_with_their_reason():
    text = terminal_text(deviation_doc()["results"])
    row = next(line for line in text.splitlines() if "inception" in line)
    assert "deviation (xpass)" in row and "known not to reproduce: inception" in row
    assert "needs a GPU" in next(line for line in text.splitlines() if "Theorem 1" in line)
    assert "1 passed, 1 failed, 2 deviations, 1 skipped" in text


def test_write_report_records_counts_schema_2_and_points_latest(tmp_path):
    doc = deviation_doc()
    folder = write_report(doc["results"], doc["meta"], tmp_path / "reports")
    written = json.loads((folder / "results.json").read_text())
    assert written["schema"] == 2 and written["counts"] == {"pass": 1, "fail": 1, "deviation": 2, "skip": 1}
    assert (tmp_path / "reports" / "latest").resolve() == folder.resolve()
    assert (folder / "report.html").exists() and (folder / "R1-alexnet.png").exists()


def test_claims_are_ordered_by_their_cases_collection_order(tmp_path):
    doc = synthetic_doc()
    mlp, alexnet, r2, t1 = doc["results"]
    for case, order in ((mlp, 7), (alexnet, 3), (r2, 5), (t1, 0)):
        case["order"] = order
    doc["results"] = [mlp, alexnet, r2, t1]
    folder = write_report(doc["results"], doc["meta"], tmp_path)
    expected = [("T1", "Theorem 1"), ("R1", "alexnet"), ("R1", "mlp1x512"), ("R2", "convergence order")]
    written = json.loads((folder / "results.json").read_text())["results"]
    assert [(c["claim"], c["case"]) for c in written] == expected
    headings = re.findall(r"^## (\S+) (.+?):", (folder / "report.md").read_text(), re.M)
    assert headings == expected
    text = terminal_text(doc["results"])
    assert [text.index(case) for _, case in expected] == sorted(text.index(case) for _, case in expected)


def test_cases_without_order_keep_their_order_of_appearance():
    mlp, alexnet, r2, t1 = synthetic_doc()["results"]
    names = [(c["claim"], c["case"]) for c in sort_cases([t1, r2, alexnet, mlp])]
    assert names == [("T1", "Theorem 1"), ("R2", "convergence order"), ("R1", "alexnet"), ("R1", "mlp1x512")]


def test_an_old_schema_1_report_with_deviations_in_meta_still_renders(tmp_path, capsys):
    doc = synthetic_doc()
    doc["schema"] = 1
    doc["meta"]["deviations"] = doc["meta"].pop("departures")
    folder = write_doc(tmp_path / "old", doc)
    assert main([str(folder)]) == 0
    for name in ("report.md", "report.html"):
        assert "departs from the paper: batch size 128" in (folder / name).read_text()
    assert "2 passed, 1 failed, 0 deviations, 1 skipped" in (folder / "report.md").read_text()
    assert compare_reports(folder, folder) == []


def test_a_meta_with_missing_keys_still_renders(tmp_path):
    doc = synthetic_doc() | {"meta": {"first_seed": 3, "seeds": 2}}
    folder = write_doc(tmp_path / "bare", doc)
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
    assert not any("scales" in names or "plugin" in names for names in imports.values())
    assert imports["model"] == set() and imports["meta"] == {"model"}
    assert imports["markdown"] == {"model", "meta"} and imports["html"] == {"model", "meta", "html_blocks"}
    done: set[str] = set()
    while len(done) < len(imports):  # peel off modules whose imports are all done: fails on a cycle
        ready = {m for m, names in imports.items() if m not in done and names - {"errors", "store"} <= done}
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
    command = [
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
        page.resolve().as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


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
    (tmp_path / "results.json").write_text(json.dumps(doc))
    render(tmp_path)
    assert "*Figure 2b: not drawn (TypeError:" in (tmp_path / "report.md").read_text()
    assert "<em>Figure 2b: not drawn (TypeError:" in (tmp_path / "report.html").read_text()
    assert not list(tmp_path.glob("figure-Figure_2b*"))
