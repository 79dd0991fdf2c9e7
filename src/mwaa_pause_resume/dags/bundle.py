"""What goes into the environment's DAGs folder: the two DAG files and a package slice.

Layout (paths relative to the DAGs folder)::

    mwaa_export_data.py, mwaa_import_data.py      the DAG files
    mwaa_pause_resume/__init__.py, errors.py,     package root (tiny, stdlib only; the
        airflow_versions.py, parsing.py           engine names schema revisions from it
                                                  and parses manifests with it)
    mwaa_pause_resume/shared/...                  what the DAGs share with the Lambda
                                                  functions (DAG ids, InvokeRestApi)
    mwaa_pause_resume/metadata/...                the metadata engine
    mwaa_pause_resume/dags/<helpers>.py           the DAGs' helpers (not the DAG files)
    mwaa_pause_resume/dags/trust.json             the HMAC key and snapshot root the DAGs
                                                  trust (dags/trust.py), written by the
                                                  installer: the stack, the sandbox, tests
    mwaa_pause_resume/.airflowignore              keeps Airflow from parsing the package

Airflow puts the DAGs folder on ``sys.path``, so the DAG files import
``mwaa_pause_resume.dags.tasks`` from there. The ``.airflowignore`` sits inside
the package folder so the user's own root ``.airflowignore`` is left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parents[1]
DAGS_DIR = Path(__file__).resolve().parent
DAG_FILES = ("mwaa_export_data.py", "mwaa_import_data.py")
HELPER_MODULES = (
    "__init__.py",
    "airflow_compat.py",
    "authorization.py",
    "db_position.py",
    "full_scope_steps.py",
    "metadb_connection.py",
    "quiesce.py",
    "rest_api.py",
    "rest_history.py",
    "rest_history_plan.py",
    "rest_history_routes.py",
    "rest_history_runs.py",
    "rest_history_task_instances.py",
    "rest_pool.py",
    "rest_position.py",
    "rest_position_api.py",
    "rest_position_plan.py",
    "rest_scope_steps.py",
    "result_note.py",
    "run_conf.py",
    "run_context.py",
    "step_results.py",
    "tasks.py",
    "trust.py",
)
# Modules of the package root the engine imports (stdlib only).
ROOT_MODULES = ("__init__.py", "errors.py", "airflow_versions.py", "parsing.py")
# Packages shipped whole: the engine, and what the DAGs share with the Lambda functions.
WHOLE_PACKAGES = ("metadata", "shared")
# One pattern that ignores everything below the package in both .airflowignore syntaxes:
# as a regexp (Airflow 2's default) it matches the empty string, so every path; as a
# glob (Airflow 3's default) it matches every name starting with ".", "_" or a-z, which
# is every file and folder of the package.
PACKAGE_IGNORE = b"[._a-z]*\n"


def dags_folder_files() -> dict[str, bytes]:
    """Relative path in the DAGs folder -> file content."""
    files: dict[str, bytes] = {name: (DAGS_DIR / name).read_bytes() for name in DAG_FILES}
    for name in ROOT_MODULES:
        files[f"mwaa_pause_resume/{name}"] = (PACKAGE_DIR / name).read_bytes()
    for package in WHOLE_PACKAGES:
        for path in sorted((PACKAGE_DIR / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                rel = path.relative_to(PACKAGE_DIR).as_posix()
                files[f"mwaa_pause_resume/{rel}"] = path.read_bytes()
    for name in HELPER_MODULES:
        files[f"mwaa_pause_resume/dags/{name}"] = (DAGS_DIR / name).read_bytes()
    files["mwaa_pause_resume/.airflowignore"] = PACKAGE_IGNORE
    return files


def write_dags_folder(dest: Path, trust: dict[str, Any] | None = None) -> list[Path]:
    """Write :func:`dags_folder_files` under ``dest`` (and the trust file, when given: a
    :func:`~mwaa_pause_resume.dags.trust.trust_document`); returns the paths written."""
    from mwaa_pause_resume.dags.trust import write_trust

    written = [write_trust(dest, trust)] if trust is not None else []
    for rel, content in dags_folder_files().items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(target)
    return written
