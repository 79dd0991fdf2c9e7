"""Operational alarms: scheduler dead letters, notifier errors, the status rule's failed
invocations and, when no address is told of them, failed executions; all to the topic."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from mwaa_pause_resume.functions.notification import MESSAGE_ATTRIBUTES, route
from mwaa_pause_resume.infra.alarms import (
    EXECUTION_METRICS,
    alarm_arn_pattern,
    unreported_failures,
)
from mwaa_pause_resume.infra.notifications import accepting_unattributed, subscription_filters
from tests.infra.infra_config import ACCOUNT, CONFIG, DEV, REGION, STAGING, only, resources

STACK = CONFIG.deployment.stack_name


def _ref_id(value: Any) -> str:
    """Logical id behind {"Ref": X} or {"Fn::GetAtt": [X, ...]}."""
    if "Ref" in value:
        return str(value["Ref"])
    return str(value["Fn::GetAtt"][0])


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Alarm name -> properties."""
    return {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in resources(template, "AWS::CloudWatch::Alarm").values()
    }


def _topic_id(template: dict[str, Any]) -> str:
    (topic_id,) = resources(template, "AWS::SNS::Topic")
    return topic_id


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _assert_counts_once_per_five_minutes(alarm: dict[str, Any], statistic: str) -> None:
    assert alarm["Statistic"] == statistic
    assert alarm["Period"] == 300
    assert alarm["EvaluationPeriods"] == alarm["DatapointsToAlarm"] == 1
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"


# -- pure ---------------------------------------------------------------------------------


def test_failures_someone_is_emailed_about_get_no_alarm() -> None:
    assert unreported_failures([DEV, STAGING]) == []  # DEV's defaults cover all three
    assert unreported_failures([STAGING]) == ["TIMED_OUT", "ABORTED"]
    quiet = dataclasses.replace(DEV, notification_emails=())
    assert unreported_failures([quiet]) == list(EXECUTION_METRICS)
    # Types without an address notify nobody.
    assert unreported_failures([quiet, dataclasses.replace(STAGING, notification_emails=())]) == [
        "FAILED",
        "TIMED_OUT",
        "ABORTED",
    ]
    happy_only = dataclasses.replace(DEV, notification_types=("SUCCEEDED",))
    assert unreported_failures([happy_only]) == list(EXECUTION_METRICS)


def test_accepting_unattributed_adds_one_branch_to_any_filter() -> None:
    filters = subscription_filters([DEV, STAGING])
    unattributed = {"route": [{"exists": False}]}
    for policy in filters.values():
        assert accepting_unattributed(policy) == {"$or": [policy, unattributed]}
    # an address whose environments notify nothing still gets the alarms
    assert accepting_unattributed({}) == unattributed


def test_alarm_arn_pattern_is_this_deployments_alarms() -> None:
    assert alarm_arn_pattern("aws", REGION, ACCOUNT, STACK) == (
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{STACK}-*"
    )


# -- the two-environment template ---------------------------------------------------------


def test_dead_letter_alarm_watches_the_schedules_queue_and_reports_recovery(
    template: dict[str, Any],
) -> None:
    alarm = _alarms(template)[f"{STACK}-scheduler-dead-letters"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
    )
    _assert_counts_once_per_five_minutes(alarm, "Maximum")
    ((dimension),) = alarm["Dimensions"]
    assert dimension["Name"] == "QueueName"
    assert dimension["Value"]["Fn::GetAtt"][1] == "QueueName"
    queue = _ref_id(dimension["Value"])
    schedules = resources(template, "AWS::Scheduler::Schedule").values()
    assert len(schedules) == 4
    assert {_ref_id(s["Properties"]["Target"]["DeadLetterConfig"]["Arn"]) for s in schedules} == {
        queue
    }
    topic = {"Ref": _topic_id(template)}
    assert alarm["AlarmActions"] == alarm["OKActions"] == [topic]
    assert STACK in _text(alarm["AlarmDescription"])
    assert "dead-letter queue" in _text(alarm["AlarmDescription"])


def test_dead_letter_queue_is_encrypted_tls_only_and_the_scheduler_role_may_send(
    template: dict[str, Any],
) -> None:
    (queue_id, queue), *_ = resources(template, "AWS::SQS::Queue").items()
    assert len(resources(template, "AWS::SQS::Queue")) == 1
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    policy = only(template, "AWS::SQS::QueuePolicy")["Properties"]["PolicyDocument"]
    assert policy["Statement"][0]["Effect"] == "Deny"
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    role_ids = {
        _ref_id(s["Properties"]["Target"]["RoleArn"])
        for s in resources(template, "AWS::Scheduler::Schedule").values()
    }
    granted = [
        statement
        for p in resources(template, "AWS::IAM::Policy").values()
        if {_ref_id(r) for r in p["Properties"]["Roles"] if isinstance(r, dict)} & role_ids
        for statement in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert any(
        "sqs:SendMessage" in s["Action"]
        and isinstance(s["Resource"], dict)
        and _ref_id(s["Resource"]) == queue_id
        for s in granted
    )


def test_notifier_and_status_rule_alarms_watch_the_functions_the_rule_targets(
    template: dict[str, Any],
) -> None:
    alarms = _alarms(template)
    rule_id, rule = next(iter(resources(template, "AWS::Events::Rule").items()))
    notifier = _ref_id(rule["Properties"]["Targets"][0]["Arn"])
    assert template["Resources"][notifier]["Type"] == "AWS::Lambda::Function"
    topic = [{"Ref": _topic_id(template)}]

    errors = alarms[f"{STACK}-notifier-errors"]
    assert (errors["Namespace"], errors["MetricName"]) == ("AWS/Lambda", "Errors")
    assert errors["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": notifier}}]
    _assert_counts_once_per_five_minutes(errors, "Sum")

    failed = alarms[f"{STACK}-status-rule-failed-invocations"]
    assert (failed["Namespace"], failed["MetricName"]) == ("AWS/Events", "FailedInvocations")
    assert failed["Dimensions"] == [{"Name": "RuleName", "Value": {"Ref": rule_id}}]
    _assert_counts_once_per_five_minutes(failed, "Sum")

    for alarm in (errors, failed):
        assert alarm["AlarmActions"] == topic
        assert "OKActions" not in alarm  # event counts clear themselves: OK says nothing
        assert STACK in _text(alarm["AlarmDescription"])


def test_no_other_function_and_no_covered_status_is_alarmed(template: dict[str, Any]) -> None:
    # Both environments' addresses are told of FAILED, TIMED_OUT and ABORTED by the rule.
    assert sorted(_alarms(template)) == [
        f"{STACK}-notifier-errors",
        f"{STACK}-scheduler-dead-letters",
        f"{STACK}-status-rule-failed-invocations",
    ]


def _cloudwatch_statements(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        s
        for s in statements
        if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"} and s["Effect"] == "Allow"
    ]


def _assert_this_stacks_alarms_only(condition: dict[str, Any]) -> None:
    assert condition["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    pattern = condition["ArnLike"]["aws:SourceArn"]["Fn::Join"][1]
    assert pattern[-1] == f":cloudwatch:{REGION}:{ACCOUNT}:alarm:{STACK}-*"


def test_cloudwatch_may_use_the_topics_key_and_publish_for_this_stacks_alarms_only(
    template: dict[str, Any],
) -> None:
    topic = only(template, "AWS::SNS::Topic")["Properties"]
    key_id = _ref_id(topic["KmsMasterKeyId"])
    key = template["Resources"][key_id]["Properties"]["KeyPolicy"]["Statement"]
    (grant,) = _cloudwatch_statements(key)
    assert sorted(grant["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    _assert_this_stacks_alarms_only(grant["Condition"])
    # The backup key is not widened.
    for other_id, other in resources(template, "AWS::KMS::Key").items():
        if other_id != key_id:
            assert not _cloudwatch_statements(other["Properties"]["KeyPolicy"]["Statement"])

    policy = only(template, "AWS::SNS::TopicPolicy")["Properties"]["PolicyDocument"]
    (publish,) = _cloudwatch_statements(policy["Statement"])
    assert publish["Action"] == "sns:Publish"
    assert publish["Resource"] == {"Ref": _topic_id(template)}
    _assert_this_stacks_alarms_only(publish["Condition"])


def test_alarm_properties_are_accepted_by_put_metric_alarm(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The synthesized properties, tokens replaced, form a valid PutMetricAlarm request."""
    import boto3
    from moto import mock_aws

    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)

    def concrete(value: Any) -> Any:
        if isinstance(value, list):
            return [concrete(v) for v in value]
        if isinstance(value, dict) and ("Ref" in value or "Fn::GetAtt" in value):
            return f"{_ref_id(value)}-name"
        if isinstance(value, dict) and "Fn::Join" in value:
            sep, parts = value["Fn::Join"]
            return str(sep).join(str(concrete(p)) for p in parts)
        if isinstance(value, dict):
            return {k: concrete(v) for k, v in value.items()}
        return value

    with mock_aws():
        client = boto3.client("cloudwatch")
        topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:notify"
        for props in _alarms(template).values():
            request = concrete(props)
            request["AlarmActions"] = [topic]
            if "OKActions" in request:
                request["OKActions"] = [topic]
            client.put_metric_alarm(**request)
        described = client.describe_alarms()["MetricAlarms"]
        assert {a["AlarmName"] for a in described} == set(_alarms(template))
        assert all(len(a["AlarmDescription"]) <= 1024 for a in described)
        assert all(a["TreatMissingData"] == "notBreaching" for a in described)


# -- a deployment where nobody is e-mailed about failures ---------------------------------


def _quiet_template() -> dict[str, Any]:
    """The construct on a small stack (inline code, Pass states): no address configured."""
    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_sqs as sqs
    from aws_cdk import aws_stepfunctions as sfn
    from aws_cdk.assertions import Template

    from mwaa_pause_resume.infra.alarms import OperationalAlarms
    from mwaa_pause_resume.infra.notifications import Notifications

    quiet = dataclasses.replace(DEV, notification_emails=())
    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(app, "Quiet", env=cdk.Environment(account=ACCOUNT, region=REGION))
    notifier = lambda_.Function(
        stack,
        "Notifier",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )
    machines = {
        name: sfn.StateMachine(
            stack,
            name.title(),
            definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, f"{name}Pass")),
        )
        for name in ("pause", "resume")
    }
    notifications = Notifications(
        stack,
        "Notifications",
        environments=[quiet],
        state_machines=list(machines.values()),
        notifier=notifier,
    )
    OperationalAlarms(
        stack,
        "Alarms",
        environments=[quiet],
        notifications=notifications,
        dead_letters=sqs.Queue(stack, "DeadLetters"),
        notifier=notifier,
        workflows=machines,
    )
    result: dict[str, Any] = dict(Template.from_stack(stack).to_json())
    return result


def test_without_addresses_each_workflows_failures_are_alarmed() -> None:
    template = _quiet_template()
    assert not resources(template, "AWS::Events::Rule")  # nobody to tell: no status rule
    alarms = _alarms(template)
    expected = {"Quiet-notifier-errors", "Quiet-scheduler-dead-letters"}
    for status, metric in EXECUTION_METRICS.items():
        for workflow in ("pause", "resume"):
            name = f"Quiet-{workflow}-{status.lower().replace('_', '-')}"
            expected.add(name)
            alarm = alarms[name]
            assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/States", metric)
            ((dimension),) = alarm["Dimensions"]
            assert dimension["Name"] == "StateMachineArn"
            assert _ref_id(dimension["Value"]).lower().startswith(workflow)
            _assert_counts_once_per_five_minutes(alarm, "Sum")
            assert alarm["AlarmActions"] == [{"Ref": _topic_id(template)}]
    assert set(alarms) == expected


# -- alarm messages and per-address filters (moto's SNS filter engine) --------------------


def test_filters_accepting_unattributed_messages_let_alarms_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Alarm notifications carry no attributes: a plain filter drops them, the extended one
    delivers them and still keeps other environments' workflow messages out.

    ops@ is listed by two environments with different notification types.
    """
    import boto3
    from moto import mock_aws

    filters = {
        "ops@example.com": subscription_filters([DEV, STAGING])["ops@example.com"],
        "staging@example.com": subscription_filters([STAGING])["staging@example.com"],
    }
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic = sns.create_topic(Name="notify")["TopicArn"]
        queues: dict[tuple[str, bool], str] = {}
        for email, policy in filters.items():
            for extended in (False, True):
                name = f"{email.split('@')[0]}-{'ext' if extended else 'plain'}"
                url = sqs.create_queue(QueueName=name)["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
                sns.subscribe(
                    TopicArn=topic,
                    Protocol="sqs",
                    Endpoint=arn["Attributes"]["QueueArn"],
                    Attributes={
                        "FilterPolicy": json.dumps(
                            accepting_unattributed(policy) if extended else policy
                        ),
                        "FilterPolicyScope": "MessageAttributes",
                        "RawMessageDelivery": "true",
                    },
                )
                queues[(email, extended)] = url

        def received() -> dict[tuple[str, bool], int]:
            got = {}
            for key, url in queues.items():
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
                got[key] = len(messages.get("Messages", []))
                for m in messages.get("Messages", []):
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            return got

        sns.publish(TopicArn=topic, Message='{"AlarmName": "x"}')  # as CloudWatch does
        assert received() == {
            ("ops@example.com", False): 0,
            ("ops@example.com", True): 1,
            ("staging@example.com", False): 0,
            ("staging@example.com", True): 1,
        }

        def workflow_message(environment: str, status: str) -> None:
            # The attributes exactly as the notifier publishes them.
            text = {
                "environment": environment,
                "status": status,
                "route": route(environment, status),
            }
            sns.publish(
                TopicArn=topic,
                Message=f"{environment} {status}",
                MessageAttributes={
                    name: {"DataType": "String", "StringValue": text[name]}
                    for name in MESSAGE_ATTRIBUTES
                },
            )

        workflow_message(DEV.name, "TIMED_OUT")
        assert received() == {
            ("ops@example.com", False): 1,
            ("ops@example.com", True): 1,
            ("staging@example.com", False): 0,
            ("staging@example.com", True): 0,
        }
        workflow_message(STAGING.name, "SUCCEEDED")  # ops@ gets staging's own types too
        assert received() == dict.fromkeys(queues, 1)
        workflow_message(DEV.name, "SUCCEEDED")  # not one of dev's notification types
        assert received() == dict.fromkeys(queues, 0)
