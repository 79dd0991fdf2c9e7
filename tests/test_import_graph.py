"""The package-level import graph of ``mwaa_pause_resume`` has no cycles.

Every module under ``src/mwaa_pause_resume`` is parsed with :mod:`ast`; each
import (at module level or inside a function) adds an edge from the module's
package (the first sub-package under ``mwaa_pause_resume``) to the imported
one. The test fails naming a cycle if a package reaches itself again.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = "mwaa_pause_resume"
SRC = Path(__file__).resolve().parent.parent / "src" / ROOT


def _package_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != ROOT or len(parts) < 2:
        return None
    return parts[1]


def _module_name(path: Path) -> str:
    relative = path.relative_to(SRC.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_modules(path: Path) -> set[str]:
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                drop = node.level - 1 if is_package else node.level
                base = base[: len(base) - drop] if drop else base
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def package_graph() -> dict[str, set[str]]:
    """Each package under ``mwaa_pause_resume`` and the packages it imports."""
    graph: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        source = _package_of(_module_name(path))
        if source is None or not (SRC / source).is_dir():
            continue
        edges = graph.setdefault(source, set())
        for imported in _imported_modules(path):
            target = _package_of(imported)
            if target and target != source and (SRC / target).is_dir():
                edges.add(target)
    return graph


def _path_between(graph: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    seen = {start}
    stack = [[start]]
    while stack:
        path = stack.pop()
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == goal:
                return [*path, nxt]
            if nxt not in seen:
                seen.add(nxt)
                stack.append([*path, nxt])
    return None


def package_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle, as a list of packages, for every package that reaches itself."""
    cycles: list[list[str]] = []
    for package in sorted(graph):
        path = _path_between(graph, package, package)
        if path is not None:
            cycles.append(path)
    return cycles


def test_graph_sees_the_packages() -> None:
    graph = package_graph()
    assert {"cli", "config", "operations", "schedule", "infra"} <= set(graph)
    assert "config" in graph["cli"]


def test_cycle_finder_names_a_cycle() -> None:
    assert package_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}})[0] == ["a", "b", "c", "a"]
    assert package_cycles({"a": {"b"}, "b": set()}) == []


def test_no_package_imports_a_package_that_imports_it_back() -> None:
    cycles = package_cycles(package_graph())
    assert not cycles, "package import cycles:\n" + "\n".join(
        " -> ".join(cycle) for cycle in cycles
    )
