"""Stage the DAG bundle (the DAG files + the engine slice they import) for BucketDeployment.

The layout is the DAGs' own (:mod:`mwaa_pause_resume.dags.bundle`): everything
but the two DAG files sits under ``mwaa_pause_resume/`` in the DAGs folder,
with its own ``.airflowignore``. ``resources_folder`` (the AWS sample's
``MWAA_RESOURCES_FOLDER``) replaces the two DAG files with the ``*.py`` files
of that folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.infra.zipping import cache_root, reuse_or_prune


def bundle_files(resources_folder: Path | None = None) -> dict[str, bytes]:
    """Relative path in the DAGs folder -> content."""
    from mwaa_pause_resume.dags.bundle import DAG_FILES, dags_folder_files

    files = dags_folder_files()
    if resources_folder is None:
        return files
    if not resources_folder.is_dir():
        raise UserError(
            f"resources_folder {resources_folder} is not a directory",
            hint="point [deployment] resources_folder (MWAA_RESOURCES_FOLDER) at a folder with "
            "the export/import DAG files, or remove it to deploy the bundled DAGs",
        )
    replacements = sorted(resources_folder.glob("*.py"))
    if not replacements:
        raise UserError(
            f"resources_folder {resources_folder} holds no DAG file (*.py)",
            hint="put the export and import DAG files there, or remove resources_folder",
        )
    for name in DAG_FILES:
        files.pop(name, None)
    for path in replacements:
        files[path.name] = path.read_bytes()
    return files


def stage_dag_bundle(resources_folder: Path | None = None, cache_dir: Path | None = None) -> Path:
    """Write the bundle to a content-addressed folder (reused across synths) and return it."""
    files = bundle_files(resources_folder)
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + files[rel] + b"\0")
    target = (cache_dir or cache_root()) / f"dag-bundle-{digest.hexdigest()[:20]}"
    if reuse_or_prune(target, "dag-bundle-"):
        return target
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    for rel, content in files.items():
        dest = partial / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(content)
    try:
        partial.replace(target)
    except OSError:  # another process staged the same content first
        shutil.rmtree(partial, ignore_errors=True)
    return target
