"""Every handler validates the environment name as MWAA does before using it in an S3 key,
an MWAA call or a message (issue 13): a Lambda function may be invoked with any event.

No AWS: the name is refused before any call (a call would fail for want of credentials).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mwaa_pause_resume.functions import WORKFLOW_FUNCTIONS, failure, layout, notification, resolve
from mwaa_pause_resume.functions import errors as e
from tests.workflows.workflow_fakes import BUCKET, ENV

BAD_NAMES: list[Any] = [
    "../../etc",
    f"{ENV}\n",  # "$" matches before a final newline
    f"{ENV}/x",
    "",
    "1dev",
    "a" * 81,
    "dév",
    None,
    42,
]
# Whatever else each handler reads, valid, so only the name can be refused.
OTHER_FIELDS: dict[str, Any] = {
    "bucket": BUCKET,
    "owner": "arn:aws:states:us-east-1:123456789012:execution:m:x",
    "snapshot_id": "20261125T170200Z-1a2b",
    "stamp": "20261125T170200Z-1a2b",
    "dag_id": "mwaa_export_data",
    "run_id": "mpr-20261125T170200Z-1a2b",
    "deadline": 4_000_000_000.0,
    "poll_timeout_minutes": 60,
    "retention": 7,
    "action": "select",
    "purpose": "resume",
    "wait_for": "AVAILABLE",
}


@pytest.fixture(autouse=True)
def no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler that reaches for AWS fails the test instead of hanging on the network."""
    from mwaa_pause_resume.functions import aws

    def refuse(service: str) -> Any:
        raise AssertionError(f"{service} called with an invalid environment name")

    monkeypatch.setattr(aws, "client", refuse)


def _handlers() -> list[str]:
    # begin and the run gates read the name from the execution input (tested below).
    gates = ("begin", "failure", "run_gate", "busy_check")
    return [k for k in WORKFLOW_FUNCTIONS if k not in gates]


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
@pytest.mark.parametrize("key", _handlers())
def test_handlers_refuse_a_name_mwaa_would_refuse(key: str, name: Any) -> None:
    handler: Any = resolve(key)
    with pytest.raises(e.InvalidInput, match="not a valid MWAA environment name"):
        handler({**OTHER_FIELDS, "environment": name})


@pytest.mark.parametrize("key", _handlers())
def test_handlers_refuse_an_event_without_a_name(key: str) -> None:
    handler: Any = resolve(key)
    with pytest.raises(e.InvalidInput, match="environment"):
        handler(dict(OTHER_FIELDS))


@pytest.mark.parametrize("key", ["begin", "run_gate", "busy_check"])
@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_begin_refuses_the_name_in_the_execution_input(key: str, name: Any) -> None:
    begin: Any = resolve(key)
    event = {
        "workflow": "pause",
        "execution": OTHER_FIELDS["owner"],
        "execution_name": "x",
        "started_at": "2026-11-25T17:02:00Z",
        "input": {"environment": name, "bucket": BUCKET},
    }
    with pytest.raises(e.InvalidInput, match="environment"):
        begin(event)


@pytest.mark.parametrize("field", ["bucket", "export_dag_id"])
def test_settings_anchor_at_the_very_end(field: str) -> None:
    from mwaa_pause_resume.functions import settings

    good = {"environment": ENV, "bucket": BUCKET, "export_dag_id": "mwaa_export_data"}
    with pytest.raises(e.InvalidInput):
        settings.normalize({**good, field: good[field] + "\n"}, workflow="pause", stamp="s")


def test_snapshot_ids_anchor_at_the_very_end() -> None:
    assert layout.is_snapshot_id("20261125T170200Z-1a2b")
    assert not layout.is_snapshot_id("20261125T170200Z-1a2b\n")


def test_failure_skips_cleanup_for_a_bad_name_and_still_reports() -> None:
    """The failure handler never raises: it names the problem instead of cleaning up."""
    state = {
        "ctx": {"environment": "../../etc", "bucket": BUCKET, "export_dag_id": "x"},
        "snapshot": {"snapshot_id": OTHER_FIELDS["snapshot_id"]},
        "run": {"dag_id": "x", "run_id": "r"},
        "error": {"Error": "DagRunTimedOut", "Cause": "late"},
    }
    out = failure.handler({"workflow": "pause", "execution": "arn:x", "state": state})
    assert out["error"] == "DagRunTimedOut"
    assert "'../../etc'" in out["cause"] and "not a valid MWAA environment name" in out["cause"]
    assert "lock released" not in out["cause"] and "could not" not in out["cause"]


def test_notification_shows_a_bad_name_escaped() -> None:
    event = {
        "detail": {
            "status": "FAILED",
            "stateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:PauseWorkflow",
            "input": json.dumps({"environment": "dev\nBcc: x@example.com", "bucket": BUCKET}),
        }
    }
    text = notification.format_notification(event)
    assert "\n" not in text["subject"] and "\n" not in text["environment"]
    assert "\n" not in text["route"]
    assert "'dev\\nBcc: x@example.com'" in text["message"]
