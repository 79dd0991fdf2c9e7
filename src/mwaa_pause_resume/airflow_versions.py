"""The Airflow versions MWAA offers and what this tool knows about each: the one place.

Everything that depends on the Airflow version reads it from here: ``validate``
(which versions a configuration may name), the sandbox (which Airflow it installs,
with which Python and which of MWAA's own constraints files), the metadata engine's
schema facts (alembic revisions) and the docs' version table
(``python -m mwaa_pause_resume.airflow_versions --markdown``).

Adding a version MWAA starts to offer is one entry in ``VERSIONS``, its two
constraints files copied from AWS's image sources into
``sandbox/mwaa_constraints/<version>/`` and, if its schema changed, its alembic
revision. Pure: standard library only (the DAG bundle may import it inside MWAA).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

# Where the constraints files and image facts come from (AWS's public image sources).
IMAGE_SOURCES = "aws/amazon-mwaa-docker-images"
IMAGE_SOURCES_COMMIT = "9d2bebb5c7858e27a1c6afb20b7827840217e3a0"  # 2026-08-20


@dataclass(frozen=True)
class AirflowVersion:
    """One Airflow version as MWAA runs it."""

    version: str
    python: str  # the Python MWAA's image runs it on (images/airflow/<v>/Dockerfile.base)
    # Alembic head revision of ``airflow db migrate`` (the schema a snapshot records).
    alembic_revision: str
    # Airflow packages MWAA's bootstrap installs (02-airflow/001-install-required-pip-
    # packages.sh), less MWAA's logging and SQS plumbing; pinned by its constraints.
    packages: tuple[str, ...]

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def line(self) -> str:
        """The minor line ("2.10", "3.0"), as schema compatibility is reasoned about."""
        return ".".join(self.version.split(".")[:2])

    @property
    def constraints_dir(self) -> str:
        """Folder (inside ``mwaa_pause_resume/sandbox``) holding MWAA's constraints files."""
        return f"mwaa_constraints/{self.version}"


_AIRFLOW_2 = (
    "apache-airflow[celery,statsd]=={v}",
    "apache-airflow-providers-amazon",
    "apache-airflow-providers-postgres",
    "psycopg2-binary",  # MWAA compiles psycopg2 from source; same version, prebuilt
)
_AIRFLOW_3 = (
    *_AIRFLOW_2,
    "apache-airflow-providers-fab",
    "apache-airflow-providers-standard",
)


def _v(version: str, python: str, revision: str) -> AirflowVersion:
    packages = _AIRFLOW_3 if version.startswith("3.") else _AIRFLOW_2
    return AirflowVersion(version, python, revision, tuple(p.format(v=version) for p in packages))


VERSIONS: tuple[AirflowVersion, ...] = (
    _v("2.10.1", "3.11", "22ed7efa9da2"),
    _v("2.10.3", "3.11", "5f2621c13b39"),
    _v("2.11.0", "3.12", "5f2621c13b39"),
    _v("2.11.2", "3.12", "5f2621c13b39"),
    _v("3.0.6", "3.12", "fe199e1abd77"),
    _v("3.2.1", "3.12", "1d6611b6ab7c"),
    _v("3.3.1", "3.12", "d2f4e1b3c5a7"),
)
BY_VERSION: dict[str, AirflowVersion] = {v.version: v for v in VERSIONS}
SUPPORTED: tuple[str, ...] = tuple(BY_VERSION)
DEFAULT = "2.10.3"
LATEST = VERSIONS[-1].version

# Offered by MWAA, refused by this tool: the exact way forward for each.
REFUSED: dict[str, str] = {
    "2.9.2": (
        "upgrade the environment to Airflow 2.10.3 first: MWAA upgrades 2.9.2 in place "
        "(aws mwaa update-environment --name ENV --airflow-version 2.10.3), keeping its "
        "metadata; then pause and resume it with this tool"
    ),
}


def is_airflow_3(version: str | None) -> bool:
    """Whether a configured version is on the Airflow 3 line; an unset or unreadable one
    counts as Airflow 2 (MWAA's default when CreateEnvironment names none)."""
    major = (version or "").split(".", 1)[0]
    return major.isdigit() and int(major) >= 3


def get(version: str) -> AirflowVersion:
    """The facts of ``version``; KeyError names the supported ones."""
    try:
        return BY_VERSION[version]
    except KeyError:
        raise KeyError(
            f"Airflow {version} is not supported; supported: {', '.join(SUPPORTED)}"
        ) from None


def markdown_table() -> str:
    """The supported-versions table the README and docs carry (generated, not typed)."""
    rows = [
        "| Airflow | Python (as MWAA) | schema revision | MWAA's constraints |",
        "| --- | --- | --- | --- |",
    ]
    for v in VERSIONS:
        rows.append(
            f"| {v.version} | {v.python} | `{v.alembic_revision or '-'}` "
            f"| `sandbox/{v.constraints_dir}/` |"
        )
    for version, step in REFUSED.items():
        rows.append(f"| {version} | refused | - | {step.split(':')[0]} |")
    return "\n".join(rows)


if __name__ == "__main__":  # python -m mwaa_pause_resume.airflow_versions --markdown
    if sys.argv[1:] == ["--markdown"]:
        print(markdown_table())
    else:
        print(" ".join(SUPPORTED))
