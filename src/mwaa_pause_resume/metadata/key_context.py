"""The KMS encryption context of a snapshot's envelope data key (pure).

The metadata engine generates the data key that encrypts a snapshot's Airflow secrets
with ``{"mwaa-pause-resume:environment": <environment>}`` as encryption context and
records the environment in the manifest (``secrets.environment``), so the import
decrypts with the same context. Each execution role's KMS grant requires its own
environment there (infra.execution_role_policy): one environment's DAGs cannot
decrypt another environment's data key, even holding its ciphertext.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

from mwaa_pause_resume.metadata.errors import WrongKey

ENVIRONMENT_CONTEXT_KEY = "mwaa-pause-resume:environment"
# Set by MWAA in every Airflow process (dags.rest_api reads it too).
ENV_NAME_VARIABLE = "AIRFLOW_ENV_NAME"


def encryption_context(environment: str | None) -> dict[str, str]:
    """The context for KMS calls; empty for a legacy data key made without one."""
    return {ENVIRONMENT_CONTEXT_KEY: environment} if environment else {}


def environment_from_location(location: str) -> str | None:
    """``s3://bucket/<env>/<snapshot>/`` -> ``<env>`` (the backup bucket's layout);
    None for a local folder or an S3 location without a folder."""
    parsed = urlparse(location)
    if parsed.scheme != "s3":
        return None
    parts = [p for p in parsed.path.split("/") if p]
    return parts[0] if len(parts) >= 2 else None


def running_environment() -> str | None:
    """The MWAA environment this process runs in (``AIRFLOW_ENV_NAME``), if any."""
    return os.environ.get(ENV_NAME_VARIABLE) or None


def data_key_environment(explicit: str | None, location: str) -> str:
    """The environment a new KMS data key is made for: ``explicit``, else the
    ``<env>/`` folder of an S3 location in the backup bucket's layout."""
    name = explicit or environment_from_location(location)
    if not name:
        raise WrongKey(
            f"no environment for the KMS encryption context of the snapshot data key "
            f"({location} is not s3://BUCKET/ENV/SNAPSHOT/)",
            hint="pass --environment ENV (export_snapshot(environment=...)): the data key is "
            "bound to that environment, whose execution role alone may decrypt it",
        )
    return name
