"""The inline CSS and script of ``report.html`` and the history page (no network: nothing fetched).

The script opens every ``<details>`` around the target of the page's ``#anchor`` (on load and on
each hash change), and marks ``<html>`` for a headless browser's checks: ``data-images-ok`` (``yes``
when every image decoded), ``data-images`` (how many) and ``data-summary-bottom`` (the pixel where
the first screen's claims table ends).
"""

from __future__ import annotations

from html import escape

from rethink_core.case import Verdict

COLOURS = {  # a verdict's badge, and the bar beside a case's name on the first screen
    Verdict.PASS: "#2e7d32",
    Verdict.FAIL: "#c62828",
    Verdict.SKIP: "#b58900",
    Verdict.UNDECIDED: "#00796b",
    Verdict.DEVIATION: "#7b1fa2",
    Verdict.DEVIATION_DID_NOT_OCCUR: "#7b1fa2",  # outlined, below
    Verdict.REHEARSED: "#546e7a",
}
UNMARKED = (Verdict.PASS, Verdict.REHEARSED)  # no bar beside the case's name

BASE = """
body { font: 14px/1.4 system-ui, sans-serif; color: #222; max-width: 1260px; margin: 0 auto; padding: .4em 1em; }
h1 { font-size: 1.2em; margin: .3em 0; } h2 { border-bottom: 2px solid #ccc; margin-top: 2em; }
h3 { margin-bottom: .3em; } h4 { margin: .8em 0 .2em; }
table { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
th, td { border: 1px solid #ddd; padding: .2em .45em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
.counts { font-weight: 600; margin: .2em 0; } .where { margin: .1em 0 .3em; color: #444; font-size: .9em; }
.verdict { display: inline-block; padding: 0 .4em; border-radius: .3em; color: #fff; font-weight: 600;
  white-space: nowrap; margin: 0 .15em .1em 0; }
table.claims { font-size: 12.5px; line-height: 1.3; width: 100%; }
table.claims td, table.claims th { border: 0; padding: 1px 5px; }
table.claims tbody { border-top: 1px solid #ccc; } table.claims tbody td { padding-top: 3px; }
table.claims .statement { width: 36%; } table.claims td.decided { min-width: 16em; }
table.claims td.quantity { min-width: 9em; } table.claims td.text { min-width: 14em; font-size: .95em; }
table.claims .num { text-align: right; white-space: nowrap; }
table.claims .verdicts { width: 8.5em; } table.claims .verdict { font-size: 11px; }
td.num, .headline td.num { text-align: right; white-space: nowrap; }
.decided { color: #444; } .more { font-size: .9em; }
.footnotes, .notes { font-size: .85em; color: #444; margin: .2em 0; padding-left: 1.2em; }
.notes li { margin: 0; } sup { font-size: .75em; color: #555; }
.case { border-left: 4px solid #ddd; padding-left: 1em; margin: 1.2em 0; }
.title { font-style: italic; } .muted { color: #666; font-size: .9em; }
.pair { display: flex; gap: 2em; flex-wrap: wrap; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .9em; color: #444; }
details { margin: .8em 0; } summary { cursor: pointer; color: #1a4d8f; }
code { font-size: .85em; } :target { background: #fff7c0; }
td.changed { background: #fff3cd; font-weight: 600; }
"""


def verdict_style() -> str:
    """Each verdict's badge colour (``.v-<verdict>``) and first-screen bar (``td.c-<verdict>``); a
    deviation that did not occur is outlined."""
    badges = [f".v-{v} {{ background: {c}; }}" for v, c in COLOURS.items()]
    bars = [f"table.claims td.c-{v} {{ border-left: 3px solid {c}; }}" for v, c in COLOURS.items() if v not in UNMARKED]
    outlined = Verdict.DEVIATION_DID_NOT_OCCUR
    outline = f".v-{outlined} {{ outline: 2px dashed {COLOURS[outlined]}; outline-offset: 1px; }}"
    return "\n".join([*badges, outline, *bars]) + "\n"


STYLE = BASE + verdict_style()

SCRIPT = """
function openTarget() {
  var id = decodeURIComponent(location.hash.slice(1));
  var target = id && document.getElementById(id);
  if (!target) return;
  for (var p = target.parentElement; p; p = p.parentElement) {
    if (p.tagName === "DETAILS") p.open = true;
  }
  target.scrollIntoView();
}
window.addEventListener("hashchange", openTarget);
window.addEventListener("load", function () {
  openTarget();
  var images = Array.prototype.slice.call(document.images);
  var ok = images.every(function (img) { return img.complete && img.naturalWidth > 0; });
  var root = document.documentElement;
  root.setAttribute("data-images-ok", ok ? "yes" : "no");
  root.setAttribute("data-images", String(images.length));
  var claims = document.querySelector("table.claims");
  if (claims) root.setAttribute("data-summary-bottom", String(Math.ceil(claims.getBoundingClientRect().bottom)));
});
"""


def document(title: str, body: list[str]) -> str:
    """A whole self-contained page: ``title`` (plain text, escaped here) and the body's HTML parts."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width">\n<title>{escape(title)}</title>\n'
        f'<link rel="icon" href="data:,">\n<style>{STYLE}</style>\n</head>\n<body>\n'
        + "\n".join(body)
        + f"\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
