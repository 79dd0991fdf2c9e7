"""The synthesized template of a two-environment deployment carries every resource, scoped."""

from __future__ import annotations

import json
from typing import Any

from mwaa_pause_resume.infra.names import construct_id
from tests.infra.infra_config import (
    ACCOUNT,
    CONFIG,
    DEV,
    REGION,
    SECURITY_GROUP,
    STAGING,
    VPC,
    only,
    resources,
)


def _ref_id(value: Any) -> str:
    """Logical id behind {"Ref": X} or {"Fn::GetAtt": [X, ...]}."""
    if "Ref" in value:
        return str(value["Ref"])
    return str(value["Fn::GetAtt"][0])


def test_backup_bucket_is_private_versioned_and_encrypted_with_a_rotated_key(
    template: dict[str, Any],
) -> None:
    buckets = resources(template, "AWS::S3::Bucket")
    snapshots = next(b for k, b in buckets.items() if k.startswith("BackupSnapshots"))
    props = snapshots["Properties"]
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    key_id = _ref_id(sse["ServerSideEncryptionByDefault"]["KMSMasterKeyID"])
    key = template["Resources"][key_id]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == snapshots["DeletionPolicy"] == "Retain"
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert "DestinationBucketName" in props["LoggingConfiguration"]
    rule = props["LifecycleConfiguration"]["Rules"][0]
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7


def _bucket_policy(template: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    for policy in resources(template, "AWS::S3::BucketPolicy").values():
        if _ref_id(policy["Properties"]["Bucket"]).startswith(prefix):
            statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
            return statements
    raise AssertionError(f"no bucket policy for {prefix}")


def test_backup_bucket_policy_denies_plain_http_and_names_no_execution_role(
    template: dict[str, Any],
) -> None:
    statements = _bucket_policy(template, "BackupSnapshots")
    deny = [s for s in statements if s["Effect"] == "Deny"]
    assert deny and deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # One allow: what comes through the deployment's access points, theirs to decide.
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Sid"] == "DelegateToTheDeploymentsAccessPoints"
    assert set(allow["Condition"]) == {"StringEquals", "ArnLike"}
    # The execution roles are fenced by their access points' policies, not here.
    text = json.dumps(statements)
    for env in (DEV, STAGING):
        assert env.execution_role_arn not in text
    points = resources(template, "AWS::S3::AccessPoint")
    for env in (DEV, STAGING):
        (point,) = [p for i, p in points.items() if i.startswith(construct_id(env))]
        assert env.execution_role_arn in json.dumps(point["Properties"]["Policy"])


def test_state_machines_log_everything_and_trace(template: dict[str, Any]) -> None:
    machines = resources(template, "AWS::StepFunctions::StateMachine")
    assert len(machines) == 2
    for machine in machines.values():
        props = machine["Properties"]
        assert props["LoggingConfiguration"]["Level"] == "ALL"
        assert props["LoggingConfiguration"]["IncludeExecutionData"] is True
        assert props["TracingConfiguration"] == {"Enabled": True}


def test_lambdas_run_the_bundled_code_with_the_sdk_layer(template: dict[str, Any]) -> None:
    from mwaa_pause_resume.functions import HANDLERS
    from mwaa_pause_resume.infra.capabilities import HANDLERS as SIZING

    functions = {
        f["Properties"]["Handler"]: f["Properties"]
        for f in resources(template, "AWS::Lambda::Function").values()
        if f["Properties"].get("Handler", "").startswith("mwaa_pause_resume.")
    }
    # optional ones (the chat webhook) only when configured: test_chat_stack.py
    assert set(functions) == {v for k, v in HANDLERS.items() if not SIZING[k].optional}
    layers = [
        k
        for k, v in resources(template, "AWS::Lambda::LayerVersion").items()
        if v["Properties"]["Description"].startswith("boto3 ")
    ]
    assert len(layers) == 1
    for props in functions.values():
        assert props["Runtime"] == "python3.13"
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert [_ref_id(layer) for layer in props["Layers"]] == layers
    notifier = functions[HANDLERS["notification"]]
    assert "NOTIFICATION_TOPIC_ARN" in notifier["Environment"]["Variables"]


def test_one_schedule_pair_per_environment_with_time_zone_and_expression(
    template: dict[str, Any],
) -> None:
    schedules = [s["Properties"] for s in resources(template, "AWS::Scheduler::Schedule").values()]
    assert len(schedules) == 2 * len(CONFIG.environments)
    group = only(template, "AWS::Scheduler::ScheduleGroup")["Properties"]["Name"]
    queue = only(template, "AWS::SQS::Queue")["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    expected = {
        (DEV.name, "pause"): ("cron(0 20 ? * MON-FRI *)", "Europe/London", 60),
        (DEV.name, "resume"): ("cron(0 6 ? * MON-FRI *)", "Europe/London", 60),
        (STAGING.name, "pause"): ("cron(30 21 ? * * *)", "America/New_York", 90),
        (STAGING.name, "resume"): ("cron(0 7 ? * MON-FRI *)", "America/New_York", 120),
    }
    seen = {}
    for props in schedules:
        assert props["GroupName"] == group
        assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}
        target = props["Target"]
        assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
        assert "Arn" in json.dumps(target["DeadLetterConfig"])
        # The input is a Fn::Join of literal JSON and the bucket/key references.
        text = "".join(p if isinstance(p, str) else "ref" for p in target["Input"]["Fn::Join"][1])
        payload = json.loads(text)
        action = "pause" if "Pause" in _ref_id(target["Arn"]) else "resume"
        seen[(payload["environment"], action)] = (
            props["ScheduleExpression"],
            props["ScheduleExpressionTimezone"],
            payload["timeout_minutes"],
        )
        env = CONFIG.environment(payload["environment"])
        assert payload["poll_seconds"] == env.poll_frequency_seconds
        assert payload["retention"] == env.snapshot_retention
        assert payload["update_after_restore"] == env.update_after_restore
        assert payload["missed_runs"] == env.missed_runs  # catchup for dev, skip for staging
        assert payload["export_dag_id"] == env.export_dag_id
        assert payload["bucket"] == payload["kms_key_id"] == "ref"
        # Scheduler's context attribute: two deliveries of one fire carry the same time.
        assert payload["scheduled_time"] == "<aws.scheduler.scheduled-time>"
    assert seen == expected


def test_schedule_input_is_accepted_by_the_workflows() -> None:
    from mwaa_pause_resume.functions.settings import normalize
    from mwaa_pause_resume.infra.schedule_input import execution_input

    for env in CONFIG.environments:
        for action in ("pause", "resume"):
            raw = execution_input(env, action, "my-backups", "arn:aws:kms:eu-west-1:1:key/k")
            settings = normalize(raw, workflow=action, stamp="20261125T170200Z-1a2b")
            assert settings["environment"] == env.name
            assert settings["missed_runs"] == env.missed_runs
            # On-demand runs carry no schedule fire, so two of them are never "duplicates";
            # a placeholder Scheduler did not substitute counts as none either.
            assert "scheduled_time" not in raw and settings["scheduled_time"] is None
            raw = execution_input(env, action, "b-1", None, scheduled=True)
            assert normalize(raw, workflow=action, stamp="x")["scheduled_time"] is None
            raw["scheduled_time"] = "2026-11-25T20:00:00Z"
            fire = normalize(raw, workflow=action, stamp="x")["scheduled_time"]
            assert fire == "2026-11-25T20:00:00Z"


def test_topic_is_encrypted_tls_only_and_subscriptions_cover_every_address(
    template: dict[str, Any],
) -> None:
    topic = only(template, "AWS::SNS::Topic")["Properties"]
    assert "KmsMasterKeyId" in topic
    policy = only(template, "AWS::SNS::TopicPolicy")["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy
    )
    subscriptions = [
        s["Properties"] for s in resources(template, "AWS::SNS::Subscription").values()
    ]
    assert {s["Endpoint"] for s in subscriptions} == {"ops@example.com", "staging@example.com"}
    # Each address gets only its own environments' statuses on the notifier's route
    # attribute (test_handlers delivers through such filters in moto), plus the
    # attribute-less alarms. Written out, not derived from the code under test.
    unattributed = {"route": [{"exists": False}]}
    dev = ["dev/ABORTED", "dev/FAILED", "dev/TIMED_OUT"]
    staging = ["staging_2/FAILED", "staging_2/SUCCEEDED"]
    assert {
        s["Endpoint"]: (s.get("FilterPolicy"), s.get("FilterPolicyScope")) for s in subscriptions
    } == {
        "ops@example.com": (
            {"$or": [{"route": dev + staging}, unattributed]},
            "MessageAttributes",
        ),
        "staging@example.com": ({"$or": [{"route": staging}, unattributed]}, "MessageAttributes"),
    }


def test_status_rule_watches_both_workflows_for_the_configured_types(
    template: dict[str, Any],
) -> None:
    rules = [r["Properties"] for r in resources(template, "AWS::Events::Rule").values()]
    # One rule feeds the notifier, the other the metrics function (infra/dashboard.py).
    targets = sorted(_ref_id(r["Targets"][0]["Arn"]) for r in rules)
    assert len(rules) == 2 and "Metrics" in targets[0] and "Notification" in targets[1]
    for rule in rules:
        pattern = rule["EventPattern"]
        assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
        statuses = ["ABORTED", "FAILED", "SUCCEEDED", "TIMED_OUT"]
        assert sorted(pattern["detail"]["status"]) == statuses
        watched = {_ref_id(arn) for arn in pattern["detail"]["stateMachineArn"]}
        assert watched == set(resources(template, "AWS::StepFunctions::StateMachine"))


def test_the_dashboard_graphs_the_workflow_metrics(template: dict[str, Any]) -> None:
    body = json.dumps(only(template, "AWS::CloudWatch::Dashboard")["Properties"])
    for name in ("Duration", "PausedSeconds", "Late", "Failed", "Succeeded"):
        assert f'\\"{name}\\"' in body or name in body
    assert "MwaaPauseResume" in body


def test_dag_bundle_goes_to_each_dags_path_without_deleting_user_files(
    template: dict[str, Any],
) -> None:
    deployments = [
        d["Properties"] for d in resources(template, "Custom::CDKBucketDeployment").values()
    ]
    targets = {(d["DestinationBucketName"], d["DestinationBucketKeyPrefix"]) for d in deployments}
    assert targets == {("dev-mwaa-source", "dags"), ("staging-mwaa-source", "airflow/dags")}
    for d in deployments:
        assert d["Prune"] is False
        assert d.get("RetainOnDelete", True) is True


def test_execution_role_policy_is_attached_only_where_asked(template: dict[str, Any]) -> None:
    attached = [
        p["Properties"]
        for p in resources(template, "AWS::IAM::Policy").values()
        if "Roles" in p["Properties"]
        and p["Properties"]["Roles"] in (["dev-exec"], ["staging-exec"])
    ]
    assert [p["Roles"] for p in attached] == [["dev-exec"]]
    sids = [s["Sid"] for s in attached[0]["PolicyDocument"]["Statement"]]
    assert sids == [
        "ListOwnSnapshots",
        "ReadOwnSnapshots",
        "WriteOwnExports",
        "UseBackupKeyThroughS3",
        "UseOwnSnapshotDataKeys",
        "DecryptLegacySnapshotDataKeys",
        "InvokeOwnRestApi",
        "VerifyWorkflowMacs",
    ]


def test_private_environment_gets_a_kms_endpoint_reachable_over_https(
    template: dict[str, Any],
) -> None:
    endpoint = only(template, "AWS::EC2::VPCEndpoint")["Properties"]
    assert endpoint["VpcId"] == VPC
    assert endpoint["VpcEndpointType"] == "Interface"
    assert endpoint["PrivateDnsEnabled"] is True
    assert endpoint["ServiceName"] == f"com.amazonaws.{REGION}.kms"
    ingress = only(template, "AWS::EC2::SecurityGroupIngress")["Properties"]
    assert (ingress["IpProtocol"], ingress["FromPort"], ingress["ToPort"]) == ("tcp", 443, 443)
    assert ingress["SourceSecurityGroupId"] == SECURITY_GROUP
    assert _ref_id(endpoint["SecurityGroupIds"][0]) == _ref_id(ingress["GroupId"])


def test_outputs_name_what_the_cli_reads_back(template: dict[str, Any]) -> None:
    from mwaa_pause_resume.infra import names

    assert {
        names.OUTPUT_BUCKET,
        names.OUTPUT_KEY,
        names.OUTPUT_TOPIC,
        names.OUTPUT_PAUSE,
        names.OUTPUT_RESUME,
    } <= set(template["Outputs"])
    assert ACCOUNT in json.dumps(template)


def test_only_this_stacks_schedules_may_assume_the_scheduler_role(
    template: dict[str, Any],
) -> None:
    from mwaa_pause_resume.infra.nag import render

    group = only(template, "AWS::Scheduler::ScheduleGroup")["Properties"]["Name"]
    roles = [
        r["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        for r in resources(template, "AWS::IAM::Role").values()
        if "scheduler.amazonaws.com" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    assert len(roles) == 1 and len(roles[0]) == 1
    condition = roles[0][0]["Condition"]
    assert condition["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert render(condition["ArnLike"]["aws:SourceArn"]) == (
        f"arn:<AWS::Partition>:scheduler:{REGION}:{ACCOUNT}:schedule/{group}/*"
    )


def test_dags_get_the_trust_file_with_the_hmac_key_and_bucket(template: dict[str, Any]) -> None:
    """The DAGs trust the key and bucket named by the deployment (never by a run's conf):
    each BucketDeployment carries the bundle and a second source, the trust file, whose
    deploy-time values are the HMAC key's ARN and the backup bucket."""
    for deployment in resources(template, "Custom::CDKBucketDeployment").values():
        props = deployment["Properties"]
        assert len(props["SourceObjectKeys"]) == 2
        markers = json.dumps(props.get("SourceMarkers", props.get("SourceMarkersConfig")))
        assert "MacKey" in markers and "BackupSnapshots" in markers, markers
