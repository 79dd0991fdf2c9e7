"""The hub functions' MWAA client per placement (functions.spoke_session), under moto."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from mwaa_pause_resume.functions import aws, spoke_session
from mwaa_pause_resume.functions.errors import InvalidInput, NotConfigured
from mwaa_pause_resume.functions.spoke_session import SPOKE_ROLE_VARIABLE, Where, placed

HUB = "123456789012"
SPOKE = "222222222222"


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        aws.reset_clients()
        yield
    aws.reset_clients()


def test_the_hubs_own_placement_uses_the_hub_client(moto: None) -> None:
    for where in (Where(), Where(HUB, None), Where(HUB, "us-east-1"), Where(None, "us-east-1")):
        with placed(where):
            assert aws.client("mwaa") is aws.hub_client("mwaa")


def test_another_region_of_the_hub_account_uses_hub_credentials_there(moto: None) -> None:
    with placed(Where(HUB, "eu-west-1")):
        client = aws.client("mwaa")
    assert client.meta.region_name == "eu-west-1"
    assert client is aws.regional_client("mwaa", "eu-west-1")


def test_another_account_assumes_its_spoke_role_once_per_container(
    moto: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.sts.models import sts_backends

    monkeypatch.setenv(SPOKE_ROLE_VARIABLE, "mpr-hub-spoke")
    with placed(Where(SPOKE, "ap-southeast-2")):
        first = aws.client("mwaa")
        second = aws.client("mwaa")
    assert first is second and first.meta.region_name == "ap-southeast-2"
    assumed = [r.role_arn for r in sts_backends[SPOKE]["aws"].assumed_roles]
    assert assumed == [f"arn:aws:iam::{SPOKE}:role/mpr-hub-spoke"]
    # Other services stay in the hub, whatever the placement.
    with placed(Where(SPOKE, "ap-southeast-2")):
        assert aws.client("s3") is aws.hub_client("s3")


def test_credentials_are_refreshed_before_they_expire(
    moto: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mwaa_pause_resume.functions import clock

    monkeypatch.setenv(SPOKE_ROLE_VARIABLE, "mpr-hub-spoke")
    first = spoke_session.CREDENTIALS.get(SPOKE)
    assert spoke_session.CREDENTIALS.get(SPOKE) == first
    later = clock.now() + spoke_session.SESSION_SECONDS
    monkeypatch.setattr(clock, "now", lambda: later)
    assert spoke_session.CREDENTIALS.get(SPOKE) != first


def test_a_spoke_without_the_configured_role_is_a_clear_error(
    moto: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SPOKE_ROLE_VARIABLE, raising=False)
    with placed(Where(SPOKE, "eu-west-1")), pytest.raises(NotConfigured) as caught:
        aws.client("mwaa")
    assert SPOKE_ROLE_VARIABLE in str(caught.value) and "docs/fleet.md" in str(caught.value)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"environment": "dev"}, Where()),
        (
            {"environment": "dev", "account": SPOKE, "region": "eu-west-1"},
            Where(SPOKE, "eu-west-1"),
        ),
        ({"input": {"environment": "dev", "account": SPOKE}}, Where(SPOKE, None)),
        ({"state": {"ctx": {"account": SPOKE, "region": None}}}, Where(SPOKE, None)),
        ({"state": {"environment": "dev", "region": "eu-west-1"}}, Where(None, "eu-west-1")),
    ],
)
def test_the_placement_comes_from_the_event(event: dict[str, object], expected: Where) -> None:
    assert spoke_session.placement_of(event) == expected


@pytest.mark.parametrize("event", [{"account": "12345"}, {"region": "Mars"}, {"account": 1}])
def test_a_malformed_placement_is_refused(event: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        spoke_session.placement_of(event)


def test_every_state_that_calls_a_function_about_the_environment_passes_its_placement() -> None:
    """A function that gets the environment's name also gets its account and region, from
    Begin's ctx, or the whole execution input (run gates, Begin) or state (failure tail)."""
    from mwaa_pause_resume.functions import HANDLERS
    from mwaa_pause_resume.infra.workflows.synth import synthesize_definitions

    acting = {key for key, path in HANDLERS.items() if _decorated(path)}
    seen: set[str] = set()
    for definition in synthesize_definitions().values():
        for name, state in _task_states(definition["States"]):
            payload = state.get("Parameters", {}).get("Payload", {})
            if payload.get("environment.$") == "$.ctx.environment":
                assert payload.get("account.$") == "$.ctx.account", name
                assert payload.get("region.$") == "$.ctx.region", name
            else:
                whole = {"input.$", "state.$"} & set(payload)
                assert whole or "environment.$" not in payload, name
            seen.add(name)
    assert seen and acting


def _decorated(path: str) -> bool:
    import importlib

    module, _, function = path.rpartition(".")
    handler = getattr(importlib.import_module(module), function)
    return hasattr(handler, "__wrapped__")


def _task_states(states: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for name, state in states.items():
        if state["Type"] == "Task":
            out.append((name, state))
        for branch in state.get("Branches", []) + (
            [state["Iterator"]] if "Iterator" in state else []
        ):
            out += _task_states(branch["States"])
    return out


def test_in_lambda_the_hub_account_comes_from_the_function_arn(moto: None) -> None:
    """No GetCallerIdentity (a function in a VPC may have no STS endpoint)."""
    from types import SimpleNamespace

    seen: list[spoke_session.HubIdentity] = []

    @spoke_session.acting_in_placement
    def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        seen.append(spoke_session.hub_identity())
        return {}

    arn = "arn:aws-cn:lambda:cn-north-1:210987654321:function:mpr-begin"
    handler({"environment": "dev"}, SimpleNamespace(invoked_function_arn=arn))
    assert seen == [spoke_session.HubIdentity("210987654321", "aws-cn", "cn-north-1")]
