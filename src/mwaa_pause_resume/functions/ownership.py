"""Which deployment manages an environment: its ``mwaa-pause-resume:deployment`` tag.

Two deployments (two stacks, so two buckets and two locks) managing one environment
would each pause it into its own bucket and resume it from their own, possibly older,
snapshot. The stack gives its functions its deployment id (the stack name, unique per
account and region, as MWAA environment names are) in :data:`DEPLOYMENT_VARIABLE`.
Begin (:func:`claim`) refuses an environment tagged by another deployment, and tags an
untagged one on its first pause; the resume re-creates it with the tag
(:func:`with_owner_tag`). Handing an environment over is changing or removing the tag.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from mwaa_pause_resume.functions import aws
from mwaa_pause_resume.functions.environment_status import get_environment
from mwaa_pause_resume.functions.errors import EnvironmentNotOwned

OWNER_TAG = "mwaa-pause-resume:deployment"
DEPLOYMENT_VARIABLE = "MWAA_PAUSE_RESUME_DEPLOYMENT"


def deployment_id() -> str | None:
    """This deployment's id; None where no stack set it (a bare local run)."""
    return os.environ.get(DEPLOYMENT_VARIABLE) or None


def refusal(name: str, tags: Mapping[str, Any] | None, deployment: str) -> str | None:
    """Why this deployment must leave environment ``name`` alone, or None (pure)."""
    owner = (tags or {}).get(OWNER_TAG)
    if not owner or owner == deployment:
        return None
    return (
        f"Environment {name} is managed by another mwaa-pause-resume deployment "
        f"({owner!r}, its tag {OWNER_TAG}), not by this one ({deployment!r}): nothing was "
        f"done. To hand it over, remove {name} from that deployment's configuration, then "
        f"change the tag to {deployment!r} (aws mwaa tag-resource) or remove it "
        f"(aws mwaa untag-resource --tag-keys {OWNER_TAG}) and run again."
    )


def claim(name: str, workflow: str) -> None:
    """Refuse an environment another deployment manages; tag an untagged one on a pause.

    A missing environment (paused, or never created) has nothing to check: the resume
    re-creates it with this deployment's tag.
    """
    deployment = deployment_id()
    if deployment is None:
        return
    environment = get_environment(name)
    if environment is None:
        return
    tags = environment.get("Tags") or {}
    problem = refusal(name, tags, deployment)
    if problem:
        raise EnvironmentNotOwned(problem)
    if workflow == "pause" and OWNER_TAG not in tags:
        arn = str(environment["Arn"])
        try:
            aws.client("mwaa").tag_resource(ResourceArn=arn, Tags={OWNER_TAG: deployment})
        except Exception as exc:
            raise aws.translate(exc, f"TagResource {name}") from exc


def with_owner_tag(tags: Mapping[str, Any] | None) -> dict[str, Any]:
    """A CreateEnvironment's ``Tags`` with this deployment as the owner (whatever the
    snapshot's environment.json said)."""
    deployment = deployment_id()
    out = dict(tags or {})
    if deployment is not None:
        out[OWNER_TAG] = deployment
    return out
