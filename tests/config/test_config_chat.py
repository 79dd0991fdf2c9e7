"""[notifications]: Slack, Microsoft Teams and webhook entries, validated with clear fixes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.config.build import build_config
from mwaa_pause_resume.config.chat import ChatWebhook, SlackChannel, TeamsChannel
from mwaa_pause_resume.config.problems import ConfigError

ENV = {
    "name": "dev",
    "source_bucket": "dev-dags",
    "execution_role_arn": "arn:aws:iam::111122223333:role/dev-exec",
    "pause_schedule": "0 20 ? * MON-FRI *",
    "resume_schedule": "0 6 ? * MON-FRI *",
}
TEAM = "1a2b3c4d-0000-4000-8000-123456789abc"
TENANT = "5e6f7a8b-0000-4000-8000-123456789abc"


def _problems(notifications: Any) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        build_config({"environments": [ENV], "notifications": notifications}, "t.toml")
    return {p.field: f"{p.message}. Fix: {p.fix}" for p in caught.value.problems}


def test_a_valid_section_builds_channels_and_the_webhook() -> None:
    config = build_config(
        {
            "environments": [ENV],
            "notifications": {
                "slack": [
                    {"workspace_id": "T07EA123LEP", "channel_id": "C0123456789"},
                    {"workspace_id": "T07EA123LEP", "channel_id": "C0987654321"},
                ],
                "teams": {
                    "team_id": TEAM.upper(),
                    "channel_id": "19:abc123@thread.tacv2",  # as Teams shows it: encoded here
                    "tenant_id": TENANT,
                },
                "webhook": {"url_parameter": "/mwaa/chat-webhook", "format": "json"},
            },
        },
        "t.toml",
    )
    chat = config.notifications
    assert chat.slack[1] == SlackChannel("T07EA123LEP", "C0987654321")
    assert chat.teams == (TeamsChannel(TEAM, "19%3Aabc123%40thread.tacv2", TENANT),)
    assert chat.webhook == ChatWebhook(url_parameter="/mwaa/chat-webhook", format="json")
    assert chat.describe()[-1] == (
        "webhook, URL in the SSM SecureString parameter /mwaa/chat-webhook (body format json)"
    )
    # without the section: nothing configured
    assert not build_config({"environments": [ENV]}, "t.toml").notifications.configured


def test_every_mistake_is_named_with_its_fix() -> None:
    problems = _problems(
        {
            "slak": {},
            "slack": {
                "workspace_id": "t07ea123lep",
                "channel_id": "https://acme.slack.com/archives/C0123",
            },
            "teams": [{"team_id": "my team", "channel_id": "general", "tenant_id": TENANT}],
            "webhook": {
                "url_secret": "https://hooks.slack.com/services/T0/B0/XYZ",
                "formt": "json",
            },
        }
    )
    assert problems == {
        "notifications.slak": "is not a known kind of notification. Fix: did you mean 'slack'?",
        "notifications.slack.workspace_id": problems["notifications.slack.workspace_id"],
        "notifications.slack.channel_id": "'https://acme.slack.com/archives/C0123' is a link to "
        "the channel, not its id. Fix: did you mean 'C0123'? (the last part of the link)",
        "notifications.teams[0].team_id": problems["notifications.teams[0].team_id"],
        "notifications.teams[0].channel_id": problems["notifications.teams[0].channel_id"],
        "notifications.webhook.url_secret": problems["notifications.webhook.url_secret"],
        "notifications.webhook.formt": "is not a known key. Fix: did you mean 'format'?",
    }
    assert problems["notifications.slack.workspace_id"].endswith("did you mean 'T07EA123LEP'?")
    assert "GUID" in problems["notifications.teams[0].team_id"]
    assert "19%3A" in problems["notifications.teams[0].channel_id"]
    # a URL in the file is refused, and never echoed back (it carries a token)
    secret = problems["notifications.webhook.url_secret"]
    assert "must not be in the configuration" in secret and "XYZ" not in secret


@pytest.mark.parametrize(
    ("notifications", "field", "says"),
    [
        (
            {"slack": {"workspace_id": "T07EA123LEP"}},
            "notifications.slack.channel_id",
            "is required",
        ),
        ({"webhook": {}}, "notifications.webhook", "exactly one of url_secret and url_parameter"),
        (
            {"webhook": {"url_secret": "a", "url_parameter": "/a"}},
            "notifications.webhook",
            "(both are set)",
        ),
        (
            {"webhook": {"url_parameter": "a/b"}},
            "notifications.webhook.url_parameter",
            "starts with '/'",
        ),
        (
            {"webhook": {"url_secret": "a", "format": "jsn"}},
            "notifications.webhook.format",
            "did you mean 'json'?",
        ),
        (
            {"webhook": {"url_secret": "a", "kms_key_arn": "alias/x"}},
            "notifications.webhook.kms_key_arn",
            "KMS key ARN",
        ),
        ({"slack": "C0123"}, "notifications.slack", "must be a table"),
        (
            {"slack": [{"workspace_id": "T1", "channel_id": "C1"}] * 2},
            "notifications.slack",
            "the same channel twice",
        ),
    ],
)
def test_one_problem(notifications: dict[str, Any], field: str, says: str) -> None:
    problems = _problems(notifications)
    assert says in problems[field], problems


CHAT_TOML = """
[[environments]]
name = "dev"
source_bucket = "dev-dags"
execution_role_arn = "arn:aws:iam::111122223333:role/dev-exec"
pause_schedule = "0 20 ? * MON-FRI *"
resume_schedule = "0 6 ? * MON-FRI *"

[notifications.slack]
workspace_id = "T07EA123LEP"
channel_id = "{channel}"

[notifications.webhook]
url_secret = "mwaa/chat-webhook"
"""


def test_validate_and_plan_show_the_destinations(
    run_cli: Callable[..., Any], write_toml: Callable[..., Path]
) -> None:
    path = write_toml(CHAT_TOML.format(channel="C0123456789"))
    expected = [
        "Slack workspace T07EA123LEP, channel C0123456789",
        "webhook, URL in the Secrets Manager secret mwaa/chat-webhook (body format text)",
    ]
    valid = run_cli("validate", "--config", str(path), "--json")
    assert json.loads(valid.stdout)["notifications"] == expected
    plan = run_cli("plan", "--config", str(path), "--count", "1", "--json")
    assert json.loads(plan.stdout)["notifications"] == expected
    assert f"notifications: {expected[0]}" in run_cli("validate", "--config", str(path)).output
    bad = run_cli("validate", "--config", str(write_toml(CHAT_TOML.format(channel="#ops"))))
    assert bad.exit_code == 2
    assert "notifications.slack.channel_id: '#ops' is not a Slack channel id" in bad.output
    assert "Traceback" not in bad.output


def test_a_webhook_in_the_vpc_needs_the_functions_subnets() -> None:
    hook = {"url_secret": "mwaa/chat-webhook", "in_vpc": True}
    problems = _problems({"webhook": hook})
    assert "lambda_subnet_ids is not set" in problems["notifications.webhook.in_vpc"]
    assert (
        "true or false"
        in _problems({"webhook": {**hook, "in_vpc": "yes"}})["notifications.webhook.in_vpc"]
    )
    env = {**ENV, "vpc_id": "vpc-0123456789abcdef0", "subnet_ids": ["subnet-0123456789abcdef0"]}
    config = build_config(
        {
            "deployment": {
                "lambda_subnet_ids": ["subnet-0123456789abcdef0"],
                "lambda_security_group_ids": ["sg-0123456789abcdef0"],
            },
            "environments": [env],
            "notifications": {"webhook": hook},
        },
        "t.toml",
    )
    assert config.notifications.webhook == ChatWebhook(url_secret="mwaa/chat-webhook", in_vpc=True)
