"""The Lambda bundle (no Docker, no network) and the DAG bundle deployed to the DAGs folders."""

from __future__ import annotations

import ast
import importlib.metadata as md
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import mwaa_pause_resume
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.infra.dag_bundle import bundle_files, stage_dag_bundle
from mwaa_pause_resume.infra.lambda_bundle import build_lambda_bundle

PACKAGE = Path(mwaa_pause_resume.__file__).parent


@pytest.fixture(scope="module")
def lambda_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    bundle = build_lambda_bundle(tmp_path_factory.mktemp("cache"))
    root = tmp_path_factory.mktemp("lambda")
    with zipfile.ZipFile(bundle.code_zip) as code, zipfile.ZipFile(bundle.layer_zip) as layer:
        code.extractall(root / "task")
        layer.extractall(root / "opt")
    return root / "task", root / "opt" / "python", bundle.versions


def test_code_zip_holds_the_core_and_handlers_but_no_shells(
    lambda_dirs: tuple[Path, Path, dict[str, str]],
) -> None:
    code, _, _ = lambda_dirs
    top = {p.name for p in (code / "mwaa_pause_resume").iterdir()}
    assert {"functions", "metadata", "environment_request.py", "errors.py"} <= top
    assert not top & {"cli", "infra", "sandbox", "dags"}
    assert not list(code.rglob("*.pyc"))


def test_layer_pins_the_boto3_this_tool_runs(
    lambda_dirs: tuple[Path, Path, dict[str, str]],
) -> None:
    _, layer, versions = lambda_dirs
    assert versions["boto3"] == md.version("boto3")
    assert versions["botocore"] == md.version("botocore")
    assert (layer / "botocore" / "data" / "mwaa").is_dir()
    assert (layer / f"boto3-{versions['boto3']}.dist-info").is_dir()


def test_bundle_zips_are_reproducible(tmp_path: Path) -> None:
    first = build_lambda_bundle(tmp_path / "a")
    second = build_lambda_bundle(tmp_path / "b")
    assert first.code_zip.read_bytes() == second.code_zip.read_bytes()
    assert first.code_zip.name == second.code_zip.name


def _package_imports(path: Path) -> set[str]:
    """Every mwaa_pause_resume module a file imports, including imports inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("mwaa_pause_resume")
        ):
            found.add(node.module)
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py").exists() or (
                    PACKAGE.parent / candidate.replace(".", "/")
                ).is_dir():
                    found.add(candidate)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("mwaa_pause_resume")}
    return found


def _closure(modules: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        base = PACKAGE.parent / module.replace(".", "/")
        path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        if path.exists():
            todo += _package_imports(path) - seen
    return seen


def test_every_module_a_handler_may_import_loads_from_the_bundle_alone(
    lambda_dirs: tuple[Path, Path, dict[str, str]],
) -> None:
    """Lambda's sys.path is the task root and /opt/python: nothing from this virtualenv."""
    from mwaa_pause_resume.functions import HANDLERS

    code, layer, _ = lambda_dirs
    modules = sorted(_closure({v.rsplit(".", 1)[0] for v in HANDLERS.values()}))
    script = (
        "import importlib, sys\n"
        f"sys.path[:0] = [{str(code)!r}, {str(layer)!r}]\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-1500:]


def test_dag_bundle_is_the_dags_own_layout(tmp_path: Path) -> None:
    from mwaa_pause_resume.dags.bundle import DAG_FILES, dags_folder_files

    staged = stage_dag_bundle(cache_dir=tmp_path)
    files = {p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()}
    assert files == set(dags_folder_files())
    assert set(DAG_FILES) <= files
    assert "mwaa_pause_resume/.airflowignore" in files
    assert not any(
        f.startswith(("mwaa_pause_resume/functions", "mwaa_pause_resume/infra")) for f in files
    )
    assert stage_dag_bundle(cache_dir=tmp_path) == staged  # content-addressed, reused


def test_resources_folder_replaces_the_dag_files(tmp_path: Path) -> None:
    from mwaa_pause_resume.dags.bundle import DAG_FILES

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "my_export.py").write_text("# my export DAG\n")
    files = bundle_files(folder)
    assert files["my_export.py"] == b"# my export DAG\n"
    assert not set(DAG_FILES) & set(files)
    assert "mwaa_pause_resume/metadata/__init__.py" in files


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_unusable_resources_folder_is_a_user_error(tmp_path: Path, make: str) -> None:
    folder = tmp_path / "dags"
    if make == "empty":
        folder.mkdir()
    with pytest.raises(UserError, match="resources_folder"):
        bundle_files(folder)
