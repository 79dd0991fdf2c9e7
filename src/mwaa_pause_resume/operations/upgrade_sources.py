"""What ``upgrade-check --env ENV`` scans, fetched from S3 into a local folder: the
environment's DAGs folder, its plugins.zip and requirements.txt at the object versions
the environment (or, when paused, its latest snapshot's environment.json) pins."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.operations.aws_gateway import AwsGateway

# Only what the scan reads; a DAGs folder may also hold large data files.
SCANNED_SUFFIXES = frozenset({".py", ".sql", ".sh", ".j2", ".jinja", ".jinja2", ".hql", ".tpl"})
MAX_OBJECT_BYTES = 5_000_000


@dataclass(frozen=True)
class Sources:
    folders: list[Path]
    requirements: Path | None
    shown: dict[str, str]  # local folder -> the S3 location it came from


def _safe(root: Path, relative: str) -> Path | None:
    """``root/relative`` unless ``relative`` climbs out of it (a hostile key or zip)."""
    parts = PurePosixPath(relative).parts
    if not parts or ".." in parts or PurePosixPath(relative).is_absolute():
        return None
    return root.joinpath(*parts)


def fetch_sources(
    aws: AwsGateway,
    bucket: str,
    dags_path: str,
    environment: dict[str, Any] | None,
    into: Path,
) -> Sources:
    """Download into ``into``; ``environment``: GetEnvironment's answer (or the
    snapshot's environment.json), for the plugins and requirements it pins."""
    dags = into / "dags"
    prefix = dags_path.strip("/") + "/"
    for obj in aws.list_objects(bucket, prefix):
        key, size = str(obj["Key"]), int(obj.get("Size") or 0)
        target = _safe(dags, key[len(prefix) :])
        if target is None or target.suffix not in SCANNED_SUFFIXES or size > MAX_OBJECT_BYTES:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(aws.read_bytes(bucket, key))
    folders, shown = [dags], {str(dags): f"s3://{bucket}/{prefix.rstrip('/')}"}
    env = environment or {}
    plugins_key = env.get("PluginsS3Path")
    if plugins_key:
        plugins = into / "plugins"
        data = aws.read_bytes(bucket, plugins_key, env.get("PluginsS3ObjectVersion"))
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    target = _safe(plugins, info.filename)
                    if target is None or target.suffix not in SCANNED_SUFFIXES:
                        continue
                    if info.file_size > MAX_OBJECT_BYTES:
                        continue
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(info))
        except zipfile.BadZipFile:
            raise UserError(
                f"s3://{bucket}/{plugins_key} is not a zip file",
                hint="MWAA expects plugins.zip; check PluginsS3Path",
            ) from None
        folders.append(plugins)
        shown[str(plugins)] = f"s3://{bucket}/{plugins_key}!"
    requirements = None
    requirements_key = env.get("RequirementsS3Path")
    if requirements_key:
        requirements = into / "requirements.txt"
        requirements.write_bytes(
            aws.read_bytes(bucket, requirements_key, env.get("RequirementsS3ObjectVersion"))
        )
        shown[str(requirements)] = f"s3://{bucket}/{requirements_key}"
    return Sources(folders, requirements, shown)
