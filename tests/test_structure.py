"""The library's shape: no import cycles among rethink_core's modules (function-level imports
included), pytest imported only by the plugin's modules, and no module of the library importing the
claims."""

from __future__ import annotations

import ast
from pathlib import Path

LIBRARY = Path(__file__).resolve().parent.parent / "rethink_core"
PYTEST_SIDE = {"rethink_core.plugin", "rethink_core.session", "rethink_core.progress"}


def module_name(path: Path) -> str:
    parts = path.relative_to(LIBRARY.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module this file imports, at any depth of the code (function-level imports count)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}  # `from pkg import module`
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in LIBRARY.rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()}


def test_no_import_cycles_in_the_library():
    edges = graph()
    # a package's __init__ re-exporting its own modules is not a cycle through them
    edges = {m: {d for d in deps if not (m.startswith(d + ".") and d in edges)} for m, deps in edges.items()}
    done: set[str] = set()
    while len(done) < len(edges):  # peel off modules whose imports are all done; stalls on a cycle
        ready = {m for m, deps in edges.items() if m not in done and deps <= done}
        assert ready, f"an import cycle among {sorted(set(edges) - done)}"
        done |= ready


def test_only_the_plugin_side_imports_pytest_and_nothing_imports_the_claims():
    for path in LIBRARY.rglob("*.py"):
        name, imported = module_name(path), imports_of(path)
        assert "pytest" not in imported or name in PYTEST_SIDE, f"{name} imports pytest"
        assert not any(m == "claims" or m.startswith("claims.") for m in imported), f"{name} imports claims"
