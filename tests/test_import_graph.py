"""The package-level import graph of ``mwaa_pause_resume`` has no cycles, and the
imports the CLI defers stay deferred.

Every module under ``src/mwaa_pause_resume`` is parsed with :mod:`ast`; each
import (at module level or inside a function) adds an edge from the module's
package (the first sub-package under ``mwaa_pause_resume``) to the imported
one. The test fails naming a cycle if a package reaches itself again.

The CLI loads a command's module when the command runs (``cli.app``): a ``metadata
export`` to a local folder, run in a process of its own, must not import boto3, rich,
the configuration, operations, infra or sandbox packages (each is start-up time of
every export: issue 16).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg2
import pytest

import mwaa_pause_resume
from mwaa_pause_resume.cli.app import COMMAND_MODULES, module_commands

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


ARCHITECTURE = SRC.parent.parent / "docs" / "architecture.md"


def allowed_imports() -> dict[str, set[str]]:
    """Package -> the packages it may import, read from docs/architecture.md's table."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    table = text.split("<!-- allowed-imports:start -->")[1].split("<!-- allowed-imports:end -->")[0]
    allowed: dict[str, set[str]] = {}
    for row in table.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[1].startswith("`"):
            continue
        package = cells[1].strip("`/")
        allowed[package] = {
            name for name in re.findall(r"`([a-z_]+)`", cells[3]) if (SRC / name).is_dir()
        }
    return allowed


def test_every_package_imports_only_what_the_architecture_table_allows() -> None:
    graph, allowed = package_graph(), allowed_imports()
    assert set(graph) == set(allowed), "packages missing from (or gone but still in) the table"
    extra = {p: sorted(graph[p] - allowed[p]) for p in graph if graph[p] - allowed[p]}
    assert not extra, f"imports docs/architecture.md does not allow: {extra}"


def test_the_table_reader_sees_every_row() -> None:
    allowed = allowed_imports()
    assert allowed["shared"] == set() and allowed["schedule"] == set()
    assert "operations" in allowed["cli"] and "shared" in allowed["metadata"]


def test_root_modules_import_no_package() -> None:
    for path in sorted(SRC.glob("*.py")):
        if path.name == "__main__.py":  # `python -m mwaa_pause_resume` runs the CLI
            continue
        packages = {_package_of(m) for m in _imported_modules(path)} - {None}
        assert not {p for p in packages if p and (SRC / p).is_dir()}, path.name


# What a `metadata` command run leaves out of its process (top-level packages, and
# packages of mwaa_pause_resume).
_NOT_FOR_METADATA = ("boto3", "botocore", "s3transfer", "rich", "aws_cdk", "jsii", "yaml")
_NOT_FOR_METADATA_PACKAGES = ("config", "operations", "infra", "sandbox", "schedule", "dags")
_METADATA_CLI = {"cli", "cli.app", "cli.output", "cli.metadata_cmd"}

# Runs the CLI with the arguments after the first, then writes its exit code and every
# module it imported to the file named first.
_RUN_CLI = """
import json, sys
from mwaa_pause_resume.cli.app import main
code = 0
try:
    main(sys.argv[2:])
except SystemExit as exc:
    code = exc.code
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def _run_cli(args: list[str], tmp_path: Path) -> tuple[Any, list[str], str]:
    report = tmp_path / "modules.json"
    # the package pytest imported, wherever the child's working directory is
    path = os.pathsep.join([str(Path(mwaa_pause_resume.__file__).parents[1]), *sys.path])
    done = subprocess.run(
        [sys.executable, "-c", _RUN_CLI, str(report), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": path},
    )
    found = json.loads(report.read_text())
    return found["code"], found["modules"], done.stdout + done.stderr


def _not_for_metadata(modules: list[str]) -> list[str]:
    unwanted = []
    for module in modules:
        parts = module.split(".")
        if parts[0] in _NOT_FOR_METADATA:
            unwanted.append(module)
        elif parts[0] == ROOT and len(parts) > 1:
            inner = ".".join(parts[1:])
            if parts[1] in _NOT_FOR_METADATA_PACKAGES or (
                parts[1] == "cli" and inner not in _METADATA_CLI
            ):
                unwanted.append(module)
    return unwanted


def test_every_command_is_found_in_the_module_that_registers_it() -> None:
    registered: dict[str, str] = {}
    for module in dict.fromkeys(COMMAND_MODULES.values()):
        registered.update(dict.fromkeys(module_commands(module), module))
    assert registered == COMMAND_MODULES


@pytest.mark.postgres
def test_metadata_export_to_a_folder_loads_no_aws_rich_or_other_command(
    empty_db: str, tmp_path: Path
) -> None:
    with psycopg2.connect(empty_db) as conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
            "INSERT INTO alembic_version VALUES ('5f2621c13b39');"
            "CREATE TABLE dag (dag_id varchar(250) PRIMARY KEY, is_paused boolean);"
            "INSERT INTO dag VALUES ('a', true), ('b', false);"
        )
    conn.close()
    snapshot = tmp_path / "snapshot"
    code, modules, output = _run_cli(
        ["metadata", "export", "--db-url", empty_db, "--to", str(snapshot), "--json"], tmp_path
    )
    assert code == 0, output
    assert json.loads(output)["rows"] == {"dag": 2}
    assert "psycopg2" in modules  # it did export
    assert _not_for_metadata(modules) == []


def test_metadata_help_loads_no_other_command(tmp_path: Path) -> None:
    code, modules, output = _run_cli(["metadata", "export", "--help"], tmp_path)
    assert code == 0 and "--db-url" in output
    assert [m for m in _not_for_metadata(modules) if m.split(".")[0] != "rich"] == []
