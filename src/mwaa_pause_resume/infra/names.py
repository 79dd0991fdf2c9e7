"""ARNs, resource names and schedule expressions derived from the configuration (pure)."""

from __future__ import annotations

import hashlib
import re

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.schedule.cron import parse_cron

# InvokeRestApi maps the caller to the Airflow role named in the IAM resource. The
# workflows only unpause DAGs and trigger/read DAG runs, which Airflow's "User" role allows.
AIRFLOW_REST_ROLE = "User"
AIRFLOW_SERVICE = "airflow.amazonaws.com"
# CloudFormation outputs of the stack (read back by `policy` and the operator commands).
OUTPUT_BUCKET = "BackupBucketName"
OUTPUT_KEY = "BackupKeyArn"
OUTPUT_MAC_KEY = "MacKeyArn"
OUTPUT_TOPIC = "NotificationTopicArn"
OUTPUT_PAUSE = "PauseStateMachineArn"
OUTPUT_RESUME = "ResumeStateMachineArn"
_UNSAFE = re.compile(r"[^A-Za-z0-9]")


def environment_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:airflow:{region}:{account}:environment/{name}"


def rest_api_role_arn(partition: str, region: str, account: str, name: str) -> str:
    """The ``rbac-role`` resource ``airflow:InvokeRestApi`` is authorised on."""
    return f"arn:{partition}:airflow:{region}:{account}:role/{name}/{AIRFLOW_REST_ROLE}"


def bucket_arn(partition: str, bucket: str) -> str:
    return f"arn:{partition}:s3:::{bucket}"


def schedule_expression(cron: str) -> str:
    """``0 20 ? * MON-FRI *`` or ``cron(...)`` -> the ``cron(...)`` form Scheduler wants."""
    return str(parse_cron(cron))


def construct_id(env: EnvironmentConfig | str) -> str:
    """A CloudFormation-safe, collision-free id for an environment name.

    MWAA names allow ``-`` and ``_``; logical ids do not. A short hash keeps
    ``my-env`` and ``my_env`` apart.
    """
    name = env if isinstance(env, str) else env.name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{_UNSAFE.sub('', name.title())[:40]}{digest}"


def schedule_name(env_name: str, action: str) -> str:
    """Scheduler names allow 64 characters; MWAA names up to 80, so long ones are hashed."""
    name = f"{env_name}-{action}"
    if len(name) <= 64:
        return name
    digest = hashlib.sha256(env_name.encode()).hexdigest()[:8]
    return f"{env_name[: 64 - len(action) - 10]}-{digest}-{action}"


def env_prefix(env_name: str) -> str:
    """The backup bucket prefix an environment's snapshots live under (functions/layout.py)."""
    return f"{env_name}/"


def partition_for(region: str | None) -> str:
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
