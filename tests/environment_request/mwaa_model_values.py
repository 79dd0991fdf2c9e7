"""Values for botocore MWAA shapes: every member, nested, satisfying the model's
patterns, enums and bounds (used to build a complete GetEnvironment ``Environment``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# Pattern-constrained string shapes -> a value that matches (``{i}`` keeps list
# items and map keys distinct). A shape missing here fails the fixture, so a
# new patterned field in a future model is noticed.
SAMPLES: dict[str, str] = {
    "EnvironmentName": "my-env",
    "EnvironmentArn": "arn:aws:airflow:us-east-1:123456789012:environment/my-env",
    "WebserverUrl": "https://abc.c1.us-east-1.airflow.amazonaws.com",
    "IamRoleArn": "arn:aws:iam::123456789012:role/service-role/mwaa-exec-{i}",
    "KmsKey": "arn:aws:kms:us-east-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab",
    "AirflowVersion": "2.10.3",
    "S3BucketArn": "arn:aws:s3:::bucket-{i}",
    "RelativePath": "path/{i}/file",
    "ConfigKey": "core.option_{i}",
    "ConfigValue": "value {i}",
    "SubnetId": "subnet-0{i}",
    "SecurityGroupId": "sg-0{i}",
    "CloudWatchLogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:airflow-my-env-{i}",
    "ErrorMessage": "message {i}",
    "UpdateSource": "console",
    "WeeklyMaintenanceWindowStart": "TUE:03:30",
    "TagKey": "team-{i}",
    "TagValue": "data {i}",
    "VpcEndpointServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-0{i}",
    "CeleryExecutorQueue": "arn:aws:sqs:us-east-1:123456789012:airflow-celery-{i}",
    "IdentityCenterStartUrl": "https://d-0123456789.awsapps.com/start",
    "IdentityCenterIdentityStoreId": "d-0123456789",
    "TeamNameString": "team{i}",
}
# Free strings whose values MWAA would check against a list.
FREE_STRINGS = {"EnvironmentClass": "mw1.medium"}


def build_value(shape: Any, path: str, index: int = 0) -> Any:
    """A valid value for ``shape`` with every member present."""
    kind = shape.type_name
    if kind == "structure":
        return {
            name: build_value(member, f"{path}.{name}") for name, member in shape.members.items()
        }
    if kind == "list":
        count = max(1, shape.metadata.get("min", 1))
        return [build_value(shape.member, f"{path}[]", i) for i in range(count)]
    if kind == "map":
        count = max(2, shape.metadata.get("min", 1))
        return {
            build_value(shape.key, f"{path}.key", i): build_value(shape.value, f"{path}.*", i)
            for i in range(count)
        }
    if kind == "string":
        if getattr(shape, "enum", None):
            return shape.enum[-1]
        if shape.name in SAMPLES:
            return SAMPLES[shape.name].format(i=index)
        if "pattern" in shape.metadata:
            raise AssertionError(f"add a sample for patterned string shape {shape.name} ({path})")
        return FREE_STRINGS.get(shape.name, f"{shape.name.lower()}-{index}")
    if kind in ("integer", "long"):
        low, high = shape.metadata.get("min", 1), shape.metadata.get("max", 10)
        return min(max(low, 3), high)
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    raise AssertionError(f"no generator for {kind} at {path}")
