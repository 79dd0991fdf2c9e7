"""create_request() output is accepted by CreateEnvironment and re-creates the same environment."""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.environment_request import (
    INPUT_SHAPE,
    READ_ONLY_FIELDS,
    service_model,
)
from mwaa_pause_resume.environment_request import (
    recreate_request as create_request,
)
from mwaa_pause_resume.sandbox.mwaa import MwaaBackend

# Every CreateEnvironment parameter, set to a non-default value.
FULL_REQUEST: dict[str, Any] = {
    "Name": "full-env",
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/service-role/mwaa-exec",
    "SourceBucketArn": "arn:aws:s3:::mwaa-bucket",
    "DagS3Path": "airflow/dags",
    "NetworkConfiguration": {
        "SubnetIds": ["subnet-0a", "subnet-0b"],
        "SecurityGroupIds": ["sg-0a", "sg-0b"],
    },
    "PluginsS3Path": "airflow/plugins.zip",
    "PluginsS3ObjectVersion": "v-plugins",
    "RequirementsS3Path": "airflow/requirements.txt",
    "RequirementsS3ObjectVersion": "v-req",
    "StartupScriptS3Path": "airflow/startup.sh",
    "StartupScriptS3ObjectVersion": "v-startup",
    "AirflowConfigurationOptions": {"core.parallelism": "64", "webserver.expose_config": "true"},
    "EnvironmentClass": "mw1.medium",
    "MaxWorkers": 6,
    "KmsKey": "arn:aws:kms:us-east-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab",
    "AirflowVersion": "3.0.6",
    "LoggingConfiguration": {
        "DagProcessingLogs": {"Enabled": True, "LogLevel": "WARNING"},
        "SchedulerLogs": {"Enabled": True, "LogLevel": "INFO"},
        "WebserverLogs": {"Enabled": False, "LogLevel": "ERROR"},
        "WorkerLogs": {"Enabled": True, "LogLevel": "CRITICAL"},
        "TaskLogs": {"Enabled": True, "LogLevel": "DEBUG"},
    },
    "WeeklyMaintenanceWindowStart": "WED:05:00",
    "Tags": {"owner": "data", "env": "dev"},
    "WebserverAccessMode": "PUBLIC_ONLY",
    "MinWorkers": 2,
    "Schedulers": 3,
    "EndpointManagement": "CUSTOMER",
    "MinWebservers": 2,
    "MaxWebservers": 4,
    "IdentityCenterConfiguration": {
        "StartUrl": "https://d-0123456789.awsapps.com/start",
        "IdentityStoreId": "d-0123456789",
    },
    "Teams": {
        "analytics": {"SourceBucketArn": "arn:aws:s3:::team-bucket", "DagS3Path": "team/dags"}
    },
}


def test_full_request_sets_every_parameter_of_the_model() -> None:
    input_members = set(service_model().shape_for(INPUT_SHAPE).members)
    assert set(FULL_REQUEST) == {m for m in input_members if m in FULL_REQUEST}
    assert set(FULL_REQUEST) == input_members


def test_pause_resume_cycle_recreates_the_same_configuration(
    client: Any, backend: MwaaBackend
) -> None:
    client.create_environment(**FULL_REQUEST)
    backend.add_system_tags("full-env", {"aws:cloudformation:stack-name": "mwaa-stack"})
    captured = client.get_environment(Name="full-env")["Environment"]
    assert captured["Tags"]["aws:cloudformation:stack-name"] == "mwaa-stack"

    request = create_request(captured)
    assert request == FULL_REQUEST
    client.delete_environment(Name="full-env")
    client.create_environment(**request)  # accepted: no aws: tags, no read-only fields
    recreated = client.get_environment(Name="full-env")["Environment"]

    def configuration(env: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in env.items() if k not in READ_ONLY_FIELDS | {"Tags"}}

    assert configuration(recreated) == configuration(captured)
    assert recreated["Tags"] == FULL_REQUEST["Tags"]


def test_minimal_environment_round_trips(client: Any, make_request: Any) -> None:
    client.create_environment(**make_request())
    captured = client.get_environment(Name="env-a")["Environment"]
    assert captured["StartupScriptS3Path"] == "" and captured["Tags"] == {}
    request = create_request(captured)
    assert "StartupScriptS3Path" not in request and "Tags" not in request
    client.delete_environment(Name="env-a")
    client.create_environment(**request)
    assert client.get_environment(Name="env-a")["Environment"]["Status"] == "AVAILABLE"
