"""create_request(): GetEnvironment output -> CreateEnvironment input, over the whole model."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mwaa_pause_resume.environment_request import (
    INPUT_SHAPE,
    OUTPUT_SHAPE,
    READ_ONLY_FIELDS,
    classify_fields,
    service_model,
    summary,
)
from mwaa_pause_resume.environment_request import (
    recreate_request as create_request,
)
from mwaa_pause_resume.errors import UserError
from tests.environment_request.mwaa_model_values import build_value

DOC = Path(__file__).resolve().parents[2] / "docs" / "environment-snapshot.md"


def input_members() -> set[str]:
    return set(service_model().shape_for(INPUT_SHAPE).members)


def output_members() -> set[str]:
    return set(service_model().shape_for(OUTPUT_SHAPE).members)


def keys_anywhere(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = set(value)
        for item in value.values():
            found |= keys_anywhere(item)
        return found
    if isinstance(value, list):
        return set().union(*(keys_anywhere(item) for item in value)) if value else set()
    return set()


def test_full_environment_covers_every_member_of_the_model(
    full_environment: dict[str, Any],
) -> None:
    assert set(full_environment) == output_members()
    assert input_members() <= output_members(), "a CreateEnvironment field MWAA never returns"


def test_every_input_field_survives_and_nothing_read_only_leaks(
    full_environment: dict[str, Any],
) -> None:
    request = create_request(full_environment)

    assert set(request) == input_members()
    for name in input_members() - {"LoggingConfiguration"}:
        assert request[name] == full_environment[name], name
    assert not set(request) & READ_ONLY_FIELDS
    assert "CloudWatchLogGroupArn" not in keys_anywhere(request)


def test_logging_modules_keep_enabled_and_level_only(full_environment: dict[str, Any]) -> None:
    full_environment["LoggingConfiguration"]["TaskLogs"] = {
        "Enabled": False,
        "LogLevel": "WARNING",
        "CloudWatchLogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:airflow-x-Task",
    }
    logging = create_request(full_environment)["LoggingConfiguration"]

    module_members = service_model().shape_for("ModuleLoggingConfigurationInput").members
    assert set(logging) == set(service_model().shape_for("LoggingConfigurationInput").members)
    for module in logging.values():
        assert set(module) == set(module_members) == {"Enabled", "LogLevel"}
    assert logging["TaskLogs"] == {"Enabled": False, "LogLevel": "WARNING"}


def test_every_model_field_is_classified() -> None:
    """A botocore upgrade adding an output-only field must be reviewed here."""
    classes = classify_fields()
    assert set(classes) == output_members()
    assert [name for name, kind in classes.items() if kind == "unknown"] == []
    assert {n for n, k in classes.items() if k == "read-only"} == output_members() - input_members()
    assert classes["LoggingConfiguration"] == "reshaped"


def test_input_is_not_modified(full_environment: dict[str, Any]) -> None:
    before = copy.deepcopy(full_environment)
    create_request(full_environment)
    assert full_environment == before


def test_unknown_top_level_field_is_refused(full_environment: dict[str, Any]) -> None:
    full_environment["FancyNewSetting"] = {"Enabled": True}
    with pytest.raises(UserError) as caught:
        create_request(full_environment)
    assert "'FancyNewSetting'" in caught.value.message
    assert "my-env" in caught.value.message
    assert caught.value.hint is not None and "Upgrade" in caught.value.hint


@pytest.mark.parametrize(
    ("container", "module"),
    [("LoggingConfiguration", "TaskLogs"), ("NetworkConfiguration", None)],
)
def test_unknown_nested_field_is_refused(
    full_environment: dict[str, Any], container: str, module: str | None
) -> None:
    target = full_environment[container]
    if module:
        target = target[module]
    target["Unmodelled"] = "x"
    with pytest.raises(UserError) as caught:
        create_request(full_environment)
    path = ".".join(p for p in (container, module, "Unmodelled") if p)
    assert repr(path) in caught.value.message


def test_aws_tags_are_dropped_user_tags_kept(full_environment: dict[str, Any]) -> None:
    full_environment["Tags"] = {
        "aws:cloudformation:stack-name": "mwaa-stack",
        "aws:cloudformation:logical-id": "Env",
        "owner": "data-team",
    }
    assert create_request(full_environment)["Tags"] == {"owner": "data-team"}


@pytest.mark.parametrize("tags", [{}, {"aws:cloudformation:stack-name": "s"}, None])
def test_tags_map_is_omitted_when_empty(
    full_environment: dict[str, Any], tags: dict[str, str] | None
) -> None:
    full_environment["Tags"] = tags
    assert "Tags" not in create_request(full_environment)


def test_empty_strings_and_none_are_dropped(full_environment: dict[str, Any]) -> None:
    full_environment["StartupScriptS3Path"] = ""
    full_environment["StartupScriptS3ObjectVersion"] = ""
    full_environment["PluginsS3Path"] = None
    full_environment["KmsKey"] = None
    full_environment["AirflowConfigurationOptions"] = {}
    request = create_request(full_environment)
    for name in (
        "StartupScriptS3Path",
        "StartupScriptS3ObjectVersion",
        "PluginsS3Path",
        "KmsKey",
        "AirflowConfigurationOptions",
    ):
        assert name not in request
    assert request["RequirementsS3Path"] == full_environment["RequirementsS3Path"]


def test_botocore_validator_rejects_a_bad_value(full_environment: dict[str, Any]) -> None:
    full_environment["MaxWorkers"] = "ten"
    with pytest.raises(UserError) as caught:
        create_request(full_environment)
    assert "MaxWorkers" in caught.value.message


def test_missing_required_field_is_reported(full_environment: dict[str, Any]) -> None:
    del full_environment["NetworkConfiguration"]
    with pytest.raises(UserError) as caught:
        create_request(full_environment)
    assert "NetworkConfiguration" in caught.value.message


def test_json_snapshot_with_stringified_timestamps(full_environment: dict[str, Any]) -> None:
    """environment.json is written with timestamps as strings; they are read-only anyway."""
    stored = json.loads(json.dumps(full_environment, default=str))
    assert create_request(stored) == create_request(full_environment)


def test_whole_get_environment_response_is_accepted(full_environment: dict[str, Any]) -> None:
    response = {"Environment": full_environment, "ResponseMetadata": {"HTTPStatusCode": 200}}
    assert create_request(response) == create_request(full_environment)


def test_teams_and_identity_center_are_copied_when_modelled(
    full_environment: dict[str, Any],
) -> None:
    # pyproject requires boto3>=1.44, whose botocore models both fields.
    modelled = {"Teams", "IdentityCenterConfiguration"} & input_members()
    assert modelled == {"Teams", "IdentityCenterConfiguration"}
    request = create_request(full_environment)
    for name in modelled:
        assert request[name] == full_environment[name]
        assert request[name]  # the fixture fills them: a real comparison


def test_summary_shows_status_and_last_error(full_environment: dict[str, Any]) -> None:
    full_environment["Status"] = "CREATE_FAILED"
    full_environment["LastUpdate"]["Error"] = {"ErrorCode": "E1", "ErrorMessage": "broken"}
    facts = summary(full_environment)
    assert facts["Name"] == "my-env"
    assert facts["Status"] == "CREATE_FAILED"
    assert facts["LastError"] == "E1: broken"
    assert "Arn" not in facts


def test_the_document_names_every_field_of_the_model() -> None:
    text = DOC.read_text()
    missing = sorted(name for name in output_members() if f"`{name}`" not in text)
    assert missing == [], f"docs/environment-snapshot.md does not mention {missing}"


def test_invalid_sensitive_value_is_not_printed(full_environment: dict[str, Any]) -> None:
    full_environment["AirflowConfigurationOptions"] = {"secrets.backend_kwargs": 123456789}
    with pytest.raises(UserError) as caught:
        create_request(full_environment)
    assert "AirflowConfigurationOptions.secrets.backend_kwargs" in caught.value.message
    assert "123456789" not in caught.value.message


OPTIONAL_OUTPUT = sorted(
    output_members() - set(service_model().shape_for(INPUT_SHAPE).required_members)
)


@settings(max_examples=60, deadline=None)
@given(removed=st.sets(st.sampled_from(OPTIONAL_OUTPUT)))
def test_any_subset_of_optional_fields_round_trips(removed: set[str]) -> None:
    """MWAA omits unset fields: whatever is present is copied, nothing else appears."""
    environment = build_value(service_model().shape_for(OUTPUT_SHAPE), "")
    for name in removed:
        del environment[name]
    request = create_request(environment)
    assert set(request) == (input_members() & set(environment))
    assert not set(request) & READ_ONLY_FIELDS


def test_request_satisfies_aws_server_side_constraints(full_environment: dict[str, Any]) -> None:
    """Patterns, maximums and enums too (botocore's client checks only types and minimums)."""
    from mwaa_pause_resume.sandbox.mwaa.validation import validate_input

    validate_input(create_request(full_environment), service_model().shape_for(INPUT_SHAPE))
