"""An environment is managed by one deployment: its ownership tag (issue 13, finding 9).

The state machines as synthesized, run by moto with the real handlers and the MWAA
emulator (TagResource/ListTagsForResource as MWAA answers them); ``deployment`` is
what the stack gives its functions (functions.ownership).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mwaa_pause_resume.functions import signatures
from mwaa_pause_resume.functions.ownership import OWNER_TAG
from mwaa_pause_resume.sandbox.mwaa import MwaaBackend
from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows
from tests.workflows.workflow_fakes import (
    BUCKET,
    ENV,
    ContractAirflow,
    dag_specs,
    environment_request,
    read_json,
    s3_keys,
    settings,
)

Deploy = Callable[..., LocalWorkflows]


@pytest.fixture
def deploy() -> Iterator[Deploy]:
    """``deploy(name, tags=...)``: the workflows of deployment ``name`` and an environment."""
    started: list[LocalWorkflows] = []

    def make(name: str, *, tags: dict[str, str] | None = None) -> LocalWorkflows:
        local = LocalWorkflows(MwaaBackend(ContractAirflow(dag_specs())), deployment=name).start()
        started.append(local)
        local.create_bucket(BUCKET)
        request = environment_request()
        request["Tags"] = {**request["Tags"], **(tags or {})}
        local.mwaa.seed(request)
        return local

    yield make
    for local in started:
        local.stop()


def _tags(local: LocalWorkflows) -> dict[str, str]:
    arn = local.client("mwaa").get_environment(Name=ENV)["Environment"]["Arn"]
    tags: dict[str, str] = local.client("mwaa").list_tags_for_resource(ResourceArn=arn)["Tags"]
    return tags


def test_the_first_pause_tags_the_environment_and_the_resume_recreates_it_tagged(
    deploy: Deploy,
) -> None:
    local = deploy("stack-a")
    paused = local.run("pause", settings())
    assert paused.status == "SUCCEEDED", paused.cause
    snapshot = paused.output["snapshot_id"]
    captured = read_json(local, f"{ENV}/{snapshot}/environment.json")["Environment"]
    assert captured["Tags"] == {"team": "data", OWNER_TAG: "stack-a"}

    resumed = local.run("resume", settings())
    assert resumed.status == "SUCCEEDED", resumed.cause
    (create,) = [p for op, p in local.mwaa.calls if op == "CreateEnvironment"]
    assert create["Tags"] == {"team": "data", OWNER_TAG: "stack-a"}
    assert _tags(local)[OWNER_TAG] == "stack-a"


@pytest.mark.parametrize("workflow", ["pause", "resume"])
def test_another_deployments_environment_is_refused_and_left_alone(
    deploy: Deploy, workflow: str
) -> None:
    local = deploy("stack-b", tags={OWNER_TAG: "stack-a"})
    result = local.run(workflow, settings())

    assert result.status == "FAILED"
    assert result.error == "EnvironmentNotOwned"
    cause = " ".join(str(result.cause).split())
    assert f"Environment {ENV} is managed by another mwaa-pause-resume deployment" in cause
    assert "('stack-a'" in cause and "not by this one ('stack-b')" in cause
    assert f"untag-resource --tag-keys {OWNER_TAG}" in cause  # how to hand it over
    # The failure tail runs (it releases no lock: Begin took none) and notifies.
    before = ["PlanStart", "StartLater?"] if workflow == "resume" else []  # lock nothing
    assert result.entered_states() == [
        *before,
        "Scheduled?",  # on demand: no run gate
        *("Begin", "CleanUpAfterFailure", "Failed"),
    ]
    assert s3_keys(local) == []  # no lock, no snapshot
    assert local.mwaa.environment(ENV).status == "AVAILABLE"
    assert _tags(local)[OWNER_TAG] == "stack-a"
    assert not [op for op, _ in local.mwaa.calls if op in ("InvokeRestApi", "TagResource")]


def test_a_handed_over_environment_is_paused_by_its_new_deployment(deploy: Deploy) -> None:
    local = deploy("stack-b", tags={OWNER_TAG: "stack-a"})
    arn = local.client("mwaa").get_environment(Name=ENV)["Environment"]["Arn"]
    local.client("mwaa").untag_resource(ResourceArn=arn, tagKeys=[OWNER_TAG])

    result = local.run("pause", settings())
    assert result.status == "SUCCEEDED", result.cause
    snapshot = result.output["snapshot_id"]
    captured = read_json(local, f"{ENV}/{snapshot}/environment.json")["Environment"]
    assert captured["Tags"][OWNER_TAG] == "stack-b"


def test_a_snapshot_naming_another_owner_is_recreated_as_ours(deploy: Deploy) -> None:
    """environment.json is the functions' (only they may write it); whatever its Tags
    say, the environment comes back owned by the deployment that resumes it."""
    local = deploy("stack-a")
    paused = local.run("pause", settings())
    assert paused.status == "SUCCEEDED", paused.cause
    key = f"{ENV}/{paused.output['snapshot_id']}/environment.json"
    captured: dict[str, Any] = read_json(local, key)
    captured["Environment"]["Tags"][OWNER_TAG] = "stack-z"
    body = json.dumps(captured).encode()
    local.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
    # as if captured so by the pause (which signs what it captures): only the tag differs
    signatures.sign_environment(BUCKET, ENV, paused.output["snapshot_id"], body, None)

    resumed = local.run("resume", settings())
    assert resumed.status == "SUCCEEDED", resumed.cause
    (create,) = [p for op, p in local.mwaa.calls if op == "CreateEnvironment"]
    assert create["Tags"][OWNER_TAG] == "stack-a"
