"""Airflow's REST API through MWAA's InvokeRestApi (no network route to the webserver,
no task token: the environment never calls back).

Same paths for Airflow 2 and 3. The call itself is :mod:`mwaa_pause_resume.shared.rest_api_call`
(the DAGs make it too); here its failures become the workflow's named errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.functions import aws
from mwaa_pause_resume.functions.errors import AirflowApiError, AwsThrottled, AwsUnavailable
from mwaa_pause_resume.shared.rest_api_call import invoke_rest_api


@dataclass(frozen=True)
class RestAnswer:
    status: int
    body: Any

    @property
    def detail(self) -> str:
        if isinstance(self.body, dict):
            for key in ("detail", "title", "message"):
                if self.body.get(key):
                    return str(self.body[key])
        return json.dumps(self.body)[:500]


def call(
    environment: str,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    query: dict[str, Any] | None = None,
) -> RestAnswer:
    """Airflow's answer (any HTTP status); MWAA-level failures raise named errors."""
    try:
        status, answer = invoke_rest_api(
            aws.client("mwaa"), environment, method, path, query=query, body=body
        )
    except Exception as exc:
        raise aws.translate(exc, f"InvokeRestApi {method} {path} on {environment}") from exc
    return RestAnswer(status, answer)


def expect_ok(answer: RestAnswer, environment: str, what: str) -> Any:
    if 200 <= answer.status < 300:
        return answer.body
    if answer.status == 429:  # Airflow's own rate limit: retried as any throttling
        raise AwsThrottled(f"Airflow of {environment} answered 429 to {what}: {answer.detail}")
    if answer.status >= 500:
        raise AwsUnavailable(f"Airflow of {environment} answered {answer.status} to {what}")
    raise AirflowApiError(
        f"Airflow of {environment} refused to {what}: HTTP {answer.status}: {answer.detail}"
    )


def airflow_major(version: str | None) -> int:
    try:
        return int(str(version or "2").split(".", 1)[0])
    except ValueError:
        return 2
