"""Throttling reaches the state machines' Retry: every service's "too many requests" is
``AwsThrottled``, and the handlers that are best effort about other errors never turn a
throttled call into a lost timing history, a DAG left paused or a lock left held."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from mwaa_pause_resume.functions import airflow_api, aws, failure, resume_timing
from mwaa_pause_resume.functions import errors as e


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "Op",
    )


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 429),  # MWAA, Scheduler
        ("Throttled", 429),  # SNS Publish
        ("SlowDown", 503),  # S3
        ("KMSThrottling", 400),  # SNS, its topic's key
        ("SomethingNew", 429),  # any 429
    ],
)
def test_every_services_throttling_is_aws_throttled(code: str, status: int) -> None:
    assert isinstance(aws.translate(client_error(code, status), "call"), e.AwsThrottled)


def test_a_quota_is_not_a_rate() -> None:
    error = aws.translate(client_error("LimitExceededException", 400), "call")
    assert isinstance(error, e.AwsCallFailed)


def test_airflows_own_429_is_throttling() -> None:
    with pytest.raises(e.AwsThrottled):
        airflow_api.expect_ok(airflow_api.RestAnswer(429, {"title": "slow"}), "dev", "poll")


def test_a_throttled_history_read_is_retried_not_overwritten(monkeypatch: Any) -> None:
    written: list[Any] = []

    def throttled(bucket: str, key: str) -> Any:
        raise e.AwsThrottled("GetObject: throttled")

    monkeypatch.setattr(resume_timing.snapshot_io, "read_json", throttled)
    monkeypatch.setattr(resume_timing.snapshot_io, "write_json", lambda *a: written.append(a))
    event = {"action": "record", "workflow": "pause", "environment": "dev", "bucket": "backups"}
    with pytest.raises(e.AwsThrottled):
        resume_timing.handler(event)
    assert written == []  # the learned history was not replaced by an empty one


def test_a_throttled_history_write_is_retried(monkeypatch: Any) -> None:
    def throttled(*args: Any) -> None:
        raise e.AwsUnavailable("PutObject: 503")

    monkeypatch.setattr(resume_timing.snapshot_io, "read_json", lambda b, k: {"resumes": []})
    monkeypatch.setattr(resume_timing.snapshot_io, "write_json", throttled)
    with pytest.raises(e.AwsUnavailable):
        resume_timing.handler(
            {"action": "record", "workflow": "pause", "environment": "dev", "bucket": "backups"}
        )


def failed_pause() -> dict[str, Any]:
    return {
        "workflow": "pause",
        "execution": "arn:aws:states:us-east-1:123456789012:execution:p:1",
        "state": {
            "error": {"Error": "DagRunTimedOut", "Cause": "too slow"},
            "ctx": {"environment": "dev", "bucket": "backups", "export_dag_id": "export"},
            "run": {"dag_id": "export", "run_id": "r1"},
        },
    }


def test_the_failure_clean_up_is_retried_when_throttled(monkeypatch: Any) -> None:
    def throttled(*args: Any, **kwargs: Any) -> Any:
        raise e.AwsThrottled("InvokeRestApi: throttled")

    monkeypatch.setattr(failure.airflow_api, "call", throttled)
    with pytest.raises(e.AwsThrottled):
        failure.handler(failed_pause())


def test_other_clean_up_errors_are_still_reported_not_raised(monkeypatch: Any) -> None:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise e.AirflowApiError("refused")

    monkeypatch.setattr(failure.airflow_api, "call", refused)
    monkeypatch.setattr(failure, "paused_by_export", lambda state: [])
    monkeypatch.setattr(failure.lock, "release", lambda *a: True)
    out = failure.handler(failed_pause())
    assert out["error"] == "DagRunTimedOut"
    assert "could not stop the export run: refused" in out["cause"]
