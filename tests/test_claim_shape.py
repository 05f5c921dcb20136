"""The claim tests read as the paper's sentence: the assertions that decide a claim come near the top
of its test body, not after tens of lines assembling what the report records.

The rule, for every ``test_*`` function in ``claims/test_*.py`` marked ``@pytest.mark.claim(...)``:
the lines from its first statement after the docstring up to the line before its first *verdict
statement* number at most :data:`LIMIT`. A verdict statement is an ``assert``, a named check of the
``check`` fixture (``check(...)``, ``check.decision(...)``: each asserts), or a ``pytest.skip(...)``
/ ``pytest.fail(...)`` call, at the top level of the body or anywhere inside a top-level ``if``/``for``
(comments and blank lines in between count; a nested ``def``, such as a hypothesis property, counts
with all its lines: build one in a module-level function instead).

One refinement, so that an early guard cannot satisfy the rule on its own: a ``pytest.skip``/``fail``
is a verdict only after the test's first top-level ``record(...)`` call. A guard that skips a case the
scale does not run (``if ...: record(case, measured={}); pytest.skip(...)``), or that skips for want of
data or memory before anything is measured, counts as lines like any other statement. A test without a
top-level ``record(...)`` call has every skip/fail count as a verdict.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLAIMS = Path(__file__).resolve().parent.parent / "claims"
LIMIT = 15


def is_claim_test(node: ast.AST) -> bool:
    """A ``def test_*`` decorated with ``pytest.mark.claim(...)``."""
    if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
        return False
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target) == "pytest.mark.claim":
            return True
    return False


def calls(stmt: ast.stmt, name: str) -> bool:
    """Is ``stmt`` an expression statement calling ``name`` (dotted, as written)?"""
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and ast.unparse(stmt.value.func) == name


def hands_over_check(stmt: ast.stmt) -> bool:
    """Is ``stmt`` a call that is given the ``check`` fixture first (a shared judge, such as
    ``verdicts.check_far_above(check, ...)``)?"""
    call = stmt.value if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) else None
    return call is not None and bool(call.args) and isinstance(call.args[0], ast.Name) and call.args[0].id == "check"


def statements_in_order(body: list[ast.stmt]):
    """The body's top-level statements, with the statements inside each top-level ``if``/``for``
    (at any depth of ``if``/``for``/``else``, not inside nested ``def``s or other blocks) right after it."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If | ast.For):
            yield from statements_in_order(stmt.body + stmt.orelse)


def first_line(stmt: ast.stmt) -> int:
    """Where a statement starts, its decorators included."""
    return min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])


def lines_before_verdict(function: ast.FunctionDef) -> tuple[int, int | None]:
    """(lines from the first statement after the docstring to the line before the first verdict
    statement, that statement's line); without a verdict statement, the whole body and None."""
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if not body:
        return 0, None
    start = first_line(body[0])
    recorded = not any(calls(stmt, "record") for stmt in body)  # no top-level record: every skip decides
    for stmt in statements_in_order(body):
        checks = calls(stmt, "check") or calls(stmt, "check.decision") or calls(stmt, "check.undecided")
        checks = checks or hands_over_check(stmt)
        if (
            isinstance(stmt, ast.Assert)
            or checks
            or (recorded and (calls(stmt, "pytest.skip") or calls(stmt, "pytest.fail")))
        ):
            return first_line(stmt) - start, first_line(stmt)
        if stmt in body and calls(stmt, "record"):
            recorded = True
    return body[-1].end_lineno - start + 1, None


def claim_tests() -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for path in sorted(CLAIMS.glob("test_*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        found += [(f"{path.name}::{node.name}", node) for node in tree.body if is_claim_test(node)]
    return found


def test_every_claim_module_has_claim_tests():
    """The walk finds the claims (a marker spelled differently would silently escape the rule)."""
    modules = {path.name for path in CLAIMS.glob("test_*.py")}
    assert modules and modules == {name.split("::")[0] for name, _ in claim_tests()}


def test_claim_tests_assert_within_the_first_lines():
    """Every claim test reaches its first verdict statement within LIMIT lines of body."""
    counts = {name: lines_before_verdict(node) for name, node in claim_tests()}
    offenders = {name: lines for name, (lines, _) in counts.items() if lines > LIMIT}
    assert not offenders, f"claim tests with more than {LIMIT} lines before their first assert: {offenders}"
    undecided = [name for name, (_, line) in counts.items() if line is None]
    assert not undecided, f"claim tests without an assert, check, pytest.skip or pytest.fail: {undecided}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 1\ny = 2\nassert x\n", 2),
        ('"""Doc."""\nx = 1\nassert x\n', 1),
        ("x = 1\nif x:\n    y = 2\n    assert y\n", 3),
        ("x = 1\nfor y in x:\n    assert y\n", 2),
        # a nested def counts with its decorators and its own asserts are not the test's
        ("@given(1)\ndef prop(a):\n    assert a\nsearch(prop)\nassert True\n", 4),
        # a guard before the record is not a verdict; a skip after it is
        ("if a:\n    record(c, measured={})\n    pytest.skip('no')\nx = 1\nrecord(c, measured={})\nassert x\n", 5),
        ("x = 1\nrecord(c, measured={})\nif x:\n    pytest.skip('undecidable')\nassert x\n", 3),
        # without a top-level record every skip decides
        ("x = 1\nif x:\n    pytest.skip('no')\nassert x\n", 2),
        # a named check asserts
        ("x = 1\nrecord(c, measured={})\ncheck('fits', x)\nassert x\n", 2),
    ],
)
def test_the_rule(source, expected):
    """The counting rule on small bodies (the function's lines start at 2)."""
    function = ast.parse("def test_x():\n" + "".join(f"    {line}\n" for line in source.splitlines())).body[0]
    assert lines_before_verdict(function)[0] == expected
