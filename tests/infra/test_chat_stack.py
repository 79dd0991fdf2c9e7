"""A deployment with Slack, Microsoft Teams and a webhook: one synthesis (cdk-nag on)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.config.chat import (
    ChatNotifications,
    ChatWebhook,
    SlackChannel,
    TeamsChannel,
)
from mwaa_pause_resume.config.stack_size import estimated_resources
from tests.infra.infra_config import ACCOUNT, CONFIG, DEV, REGION, only, resources

TEAM = "1a2b3c4d-0000-4000-8000-123456789abc"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f1e2d3c-0000-4000-8000-123456789abc"
# No e-mail address: chat alone makes the status rule, for DEV's default failure types.
CHAT_CONFIG = dataclasses.replace(
    CONFIG,
    environments=(dataclasses.replace(DEV, notification_emails=()),),
    notifications=ChatNotifications(
        slack=(SlackChannel("T07EA123LEP", "C0123456789"),),
        teams=(TeamsChannel(TEAM, "19%3Aabc%40thread.tacv2", TEAM),),
        webhook=ChatWebhook(url_secret="mwaa/chat-webhook", kms_key_arn=KEY),
    ),
)


@pytest.fixture(scope="module")
def chat_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from mwaa_pause_resume.infra.app import synth

    out: Path = tmp_path_factory.mktemp("cdk-chat") / "cdk.out"
    template: dict[str, Any] = synth(CHAT_CONFIG, out).template  # cdk-nag clean, or it raises
    return template


def _topic_ids(template: dict[str, Any]) -> tuple[str, str]:
    ids = sorted(resources(template, "AWS::SNS::Topic"))
    chat = next(i for i in ids if i.startswith("Chat"))
    email = next(i for i in ids if i.startswith("Notifications"))
    return email, chat


def test_slack_and_teams_follow_the_chat_topic_with_a_role_that_can_do_nothing(
    chat_template: dict[str, Any],
) -> None:
    _, chat = _topic_ids(chat_template)
    slack = only(chat_template, "AWS::Chatbot::SlackChannelConfiguration")["Properties"]
    teams = only(chat_template, "AWS::Chatbot::MicrosoftTeamsChannelConfiguration")["Properties"]
    assert (slack["SlackWorkspaceId"], slack["SlackChannelId"]) == ("T07EA123LEP", "C0123456789")
    assert (teams["TeamId"], teams["TeamsChannelId"]) == (TEAM, "19%3Aabc%40thread.tacv2")
    assert chat_template["Outputs"]["ChatTopicArn"]["Value"] == {"Ref": chat}
    for channel in (slack, teams):
        assert channel["SnsTopicArns"] == [{"Ref": chat}]
        assert channel["UserRoleRequired"] is False
    role_id = slack["IamRoleArn"]["Fn::GetAtt"][0]
    role = chat_template["Resources"][role_id]["Properties"]
    assert "Policies" not in role and "ManagedPolicyArns" not in role
    principal = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "chatbot.amazonaws.com"}
    (guardrail_id,) = {g["Ref"] for c in (slack, teams) for g in c["GuardrailPolicies"]}
    guardrail = chat_template["Resources"][guardrail_id]["Properties"]["PolicyDocument"]
    assert guardrail["Statement"] == [{"Effect": "Deny", "Action": "*", "Resource": "*"}]


def test_the_notifier_publishes_chat_by_route_and_alarms_reach_both_topics(
    chat_template: dict[str, Any],
) -> None:
    email, chat = _topic_ids(chat_template)
    notifier = next(
        f["Properties"]
        for f in resources(chat_template, "AWS::Lambda::Function").values()
        if f["Properties"].get("Handler", "").endswith("notification.handler")
    )
    variables = notifier["Environment"]["Variables"]
    assert variables["CHAT_TOPIC_ARN"] == {"Ref": chat}
    assert json.loads(variables["CHAT_ROUTES"]) == {"*": ["ABORTED", "FAILED", "TIMED_OUT"]}
    rule = next(  # the notifier's rule (the other one feeds the metrics function)
        r["Properties"]
        for r in resources(chat_template, "AWS::Events::Rule").values()
        if "Notification" in json.dumps(r["Properties"]["Targets"])
    )
    assert rule["EventPattern"]["detail"]["status"] == ["ABORTED", "FAILED", "TIMED_OUT"]
    alarms = resources(chat_template, "AWS::CloudWatch::Alarm").values()
    # chat reports every failure: no state-machine alarm duplicates it
    assert not [a for a in alarms if "ExecutionsFailed" in json.dumps(a)]
    for alarm in alarms:
        assert {a["Ref"] for a in alarm["Properties"]["AlarmActions"]} == {email, chat}
    chat_policy = next(
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources(chat_template, "AWS::SNS::TopicPolicy").values()
        if p["Properties"]["Topics"] == [{"Ref": chat}]
    )
    assert any(s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"} for s in chat_policy)


def test_the_webhook_reads_only_its_secret_and_fails_into_an_alarmed_queue(
    chat_template: dict[str, Any],
) -> None:
    _, chat = _topic_ids(chat_template)
    (function_id,) = [
        i
        for i, f in resources(chat_template, "AWS::Lambda::Function").items()
        if f["Properties"].get("Handler", "").endswith("webhook.handler")
    ]
    function = chat_template["Resources"][function_id]["Properties"]
    assert function["Environment"]["Variables"] == {
        "WEBHOOK_SECRET_NAME": "mwaa/chat-webhook",
        "WEBHOOK_FORMAT": "text",
    }
    assert "VpcConfig" not in function
    assert "https://" not in json.dumps(chat_template)  # no URL anywhere in the template
    role = chat_template["Resources"][function["Role"]["Fn::GetAtt"][0]]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert [(s["Action"], s["Sid"]) for s in statements] == [
        ("secretsmanager:GetSecretValue", "ReadWebhookSecret"),
        ("kms:Decrypt", "DecryptWebhookUrl"),
    ]
    secret_arn = json.dumps(statements[0]["Resource"])
    assert f"secretsmanager:{REGION}:{ACCOUNT}:secret:mwaa/chat-webhook-??????" in secret_arn
    assert statements[1]["Resource"] == KEY
    assert statements[1]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com"}
    }
    subscription = only(chat_template, "AWS::SNS::Subscription")["Properties"]
    assert subscription["Protocol"] == "lambda" and subscription["TopicArn"] == {"Ref": chat}
    queue = subscription["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    invoke = only(chat_template, "AWS::Lambda::EventInvokeConfig")["Properties"]
    assert invoke["MaximumRetryAttempts"] == 2
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0] == queue
    alarm = chat_template["Resources"][
        next(i for i in resources(chat_template, "AWS::CloudWatch::Alarm") if "Webhook" in i)
    ]["Properties"]
    assert alarm["AlarmName"] == "mpr-test-webhook-dead-letters"
    assert alarm["Dimensions"][0]["Value"]["Fn::GetAtt"][0] == queue


def test_the_resource_estimate_counts_the_chat_resources(chat_template: dict[str, Any]) -> None:
    assert estimated_resources(CHAT_CONFIG) == len(chat_template["Resources"])


def test_the_webhook_joins_the_functions_subnets_only_when_asked(tmp_path: Path) -> None:
    from mwaa_pause_resume.infra.app import build_app
    from tests.infra.infra_config import SECURITY_GROUP, STAGING, SUBNETS

    config = dataclasses.replace(
        CHAT_CONFIG,
        deployment=dataclasses.replace(
            CONFIG.deployment,
            lambda_subnet_ids=SUBNETS,
            lambda_security_group_ids=(SECURITY_GROUP,),
            lambda_vpc_id=STAGING.vpc_id,
        ),
        notifications=ChatNotifications(
            webhook=ChatWebhook(url_parameter="/mwaa/chat-webhook", in_vpc=True)
        ),
    )
    app, stack = build_app(config, tmp_path / "out", nag=False)  # the template only
    template = app.synth().get_stack_by_name(stack.stack_name).template
    function = next(
        f["Properties"]
        for f in resources(template, "AWS::Lambda::Function").values()
        if f["Properties"].get("Handler", "").endswith("webhook.handler")
    )
    assert function["VpcConfig"]["SubnetIds"] == list(SUBNETS)
    assert not resources(template, "AWS::Chatbot::SlackChannelConfiguration")
    role = template["Resources"][function["Role"]["Fn::GetAtt"][0]]["Properties"]
    (read,) = [
        s
        for p in role["Policies"]
        for s in p["PolicyDocument"]["Statement"]
        if s.get("Sid") == "ReadWebhookParameter"
    ]
    assert read["Action"] == "ssm:GetParameter"
    assert json.dumps(read["Resource"]).endswith(':parameter/mwaa/chat-webhook"]]}')
