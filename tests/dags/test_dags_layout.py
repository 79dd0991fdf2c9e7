"""The DAGs folder as shipped to MWAA parses on every Airflow version, with nothing of
ours on PYTHONPATH; the Airflow 3 task path reaches the database with the ORM blocked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mwaa_pause_resume.airflow_versions import VERSIONS as VERSIONS_FACTS
from mwaa_pause_resume.dags.bundle import DAG_FILES, dags_folder_files, write_dags_folder
from mwaa_pause_resume.sandbox.airflow_runtime import SRC_DIR, AirflowRuntime, new_fernet_key
from tests.dags.dags_helpers import DAG_RUNNER, HERE, VERSIONS, AirflowEnv

pytestmark = [pytest.mark.airflow]


def test_bundle_lists_dag_files_package_and_ignore_file() -> None:
    files = dags_folder_files()
    assert set(DAG_FILES) <= set(files)
    assert "mwaa_pause_resume/dags/tasks.py" in files
    assert "mwaa_pause_resume/dags/mwaa_export_data.py" not in files  # no duplicate DAG ids
    assert files["mwaa_pause_resume/.airflowignore"] == b"[._a-z]*\n"
    assert any(name.startswith("mwaa_pause_resume/metadata/") for name in files)


def _imported_modules(source: bytes) -> set[str]:
    """Every ``mwaa_pause_resume`` module a file imports (also inside functions)."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] == "mwaa_pause_resume"}


def test_bundle_holds_every_module_its_files_import() -> None:
    """Whatever a shipped file imports of the package is shipped too (the DAGs folder is
    all the package MWAA's workers have)."""
    from mwaa_pause_resume.dags.bundle import PACKAGE_DIR

    source_root = PACKAGE_DIR.parent
    files = dags_folder_files()
    missing = set()
    for name, content in files.items():
        if not name.endswith(".py"):
            continue
        for module in _imported_modules(content):
            path = module.replace(".", "/")
            # a module of the source tree (``from package import name`` may name an
            # attribute instead: no file of that name)
            for candidate in (f"{path}.py", f"{path}/__init__.py"):
                if (source_root / candidate).is_file() and candidate not in files:
                    missing.add(f"{name} imports {module}")
    assert not missing, "\n".join(sorted(missing))


def test_bundle_alone_imports_the_engine(tmp_path: Path) -> None:
    """The engine the DAG tasks run (it names schema revisions from airflow_versions)
    imports from the bundle alone, as inside MWAA: our source tree is off the path."""
    write_dags_folder(tmp_path)
    code = (
        "import sys\n"
        f"sys.path = [{str(tmp_path)!r}] + [p for p in sys.path if p != {str(SRC_DIR)!r}]\n"
        "import mwaa_pause_resume.metadata.restore as restore\n"
        "print(restore.__file__)\n"
        "print(' '.join(sorted(restore.KNOWN_REVISIONS)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    where, revisions = done.stdout.splitlines()
    assert Path(where).is_relative_to(tmp_path)
    assert set(revisions.split()) == {v.alembic_revision for v in VERSIONS_FACTS}


@pytest.mark.parametrize("syntax", ["regexp", "glob"])
@pytest.mark.parametrize("version", VERSIONS)
def test_dags_folder_parses_without_our_source_on_path(
    version: str, syntax: str, dags_folder: Path, tmp_path: Path
) -> None:
    """Only the two DAG files are parsed (the package is ignored in either ignore-file
    syntax) and they import our package from the DAGs folder itself."""
    runtime = AirflowRuntime(version).ensure()
    env = AirflowEnv(
        runtime, "postgresql://unused@127.0.0.1:1/none", new_fernet_key(), tmp_path, dags_folder
    )
    result = env.script(
        DAG_RUNNER,
        "parse",
        extra={"PYTHONPATH": "", "AIRFLOW__CORE__DAG_IGNORE_FILE_SYNTAX": syntax},
    )
    assert result["import_errors"] == {}
    assert result["dag_ids"] == ["mwaa_export_data", "mwaa_import_data"]
    assert [Path(f).name for f in result["files"]] == list(DAG_FILES)


@pytest.mark.postgres
@pytest.mark.parametrize("version", [v.version for v in VERSIONS_FACTS if v.major >= 3])
def test_airflow3_task_path_reaches_db_with_orm_blocked(
    metadata_databases: object, tmp_path: Path, dags_folder: Path, version: str
) -> None:
    dbs = metadata_databases(version)  # type: ignore[operator]
    url = dbs.create("dags_orm_block_" + version.replace(".", "_"))
    env = AirflowEnv(dbs.runtime, url, new_fernet_key(), tmp_path, dags_folder)
    result = env.script(HERE / "airflow3_db_access.py")
    assert result["orm_blocked"] is True
    assert result["sql_alchemy_conn"].startswith("airflow-db-not-allowed")
    assert result["source"] == "Airflow connection 'mwaa_pause_resume_metadb'"
    assert result["dag_rows"] == 0


TASK_PATH_MODULES = (
    "tasks.py",
    "run_context.py",
    "step_results.py",
    "full_scope_steps.py",
    "rest_scope_steps.py",
    "quiesce.py",
    "metadb_connection.py",
    "result_note.py",
    "run_conf.py",
)
ALLOWED_AIRFLOW = {
    "airflow",
    "airflow.configuration",
    "airflow.exceptions",
    "airflow.sdk",
    "airflow.hooks.base",
}


def test_task_code_path_imports_no_orm() -> None:
    """What the tasks run imports nothing of Airflow's ORM (blocked on Airflow 3 workers)."""
    import ast
    import sys

    from mwaa_pause_resume.dags import bundle

    for name in TASK_PATH_MODULES:
        tree = ast.parse((bundle.DAGS_DIR / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top == "airflow":
                    assert module in ALLOWED_AIRFLOW, f"{name} imports {module}"
                else:
                    assert top in sys.stdlib_module_names or top in {
                        "psycopg2",
                        "boto3",
                        "mwaa_pause_resume",
                        "__future__",
                    }, f"{name} imports {module}"
