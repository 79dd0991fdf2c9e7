"""The name of each environment's S3 access point on the backup bucket (standard library).

The execution roles reach the backup bucket only through one access point per
environment, whose own policy fences the role to that environment's prefix
(infra/snapshot_access_points.py explains why). The stack names the access points, the
``policy`` command prints grants on them and the DAGs address the bucket through them,
so the name is computed here, in the one module the three share.

S3 allows 3 to 50 lowercase letters, digits and hyphens, unique per account and region;
MWAA names allow 80 characters, capitals and underscores. The name is therefore
``mpr-<deployment hash>-<readable part of the environment name>-<environment hash>``:
the deployment part keeps two deployments in one account apart and gives the bucket
policy one prefix to recognise its own access points by.
"""

from __future__ import annotations

import hashlib
import re

NAME_HEAD = "mpr-"
_READABLE = 24  # characters of the environment's name kept in the access point's name
_NOT_ALLOWED = re.compile(r"[^a-z0-9]+")


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def name_prefix(deployment: str) -> str:
    """What every access point of the deployment (its stack name) starts with."""
    return f"{NAME_HEAD}{_digest(deployment, 8)}-"


def environment_part(env_name: str) -> str:
    readable = _NOT_ALLOWED.sub("-", env_name.lower())[:_READABLE].strip("-")
    return f"{readable}-{_digest(env_name, 6)}" if readable else _digest(env_name, 6)


def access_point_name(deployment: str, env_name: str) -> str:
    """At most 4 + 9 + 25 + 6 = 44 characters."""
    return name_prefix(deployment) + environment_part(env_name)


def access_point_arn(arn_prefix: str, env_name: str) -> str:
    """``arn_prefix``: ``arn:<partition>:s3:<region>:<account>:accesspoint/<name prefix>``
    (what the DAGs' trust file holds)."""
    return arn_prefix + environment_part(env_name)


def arn_prefix(partition: str, region: str, account: str, deployment: str) -> str:
    return f"arn:{partition}:s3:{region}:{account}:accesspoint/{name_prefix(deployment)}"
