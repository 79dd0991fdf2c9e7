"""Airflow's REST API through MWAA's InvokeRestApi (no network route to the webserver,
no task token: the environment never calls back).

Same paths for Airflow 2 and 3. Airflow's own HTTP status comes back either in
the answer or in RestApiClientException / RestApiServerException.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.functions import aws
from mwaa_pause_resume.functions.errors import AirflowApiError, AwsThrottled, AwsUnavailable


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
    params: dict[str, Any] = {"Name": environment, "Method": method, "Path": path}
    if body is not None:
        params["Body"] = body
    if query is not None:
        params["QueryParameters"] = query
    try:
        got = aws.client("mwaa").invoke_rest_api(**params)
    except Exception as exc:
        code = aws.error_code(exc)
        response = getattr(exc, "response", None) or {}
        if code in ("RestApiClientException", "RestApiServerException"):
            status = int(response.get("RestApiStatusCode") or 0)
            answer = response.get("RestApiResponse")
            if status == 0:  # older botocore: the fields are in the error's body
                status = int(response.get("Error", {}).get("RestApiStatusCode") or 500)
            return RestAnswer(status, answer)
        raise aws.translate(exc, f"InvokeRestApi {method} {path} on {environment}") from exc
    return RestAnswer(int(got["RestApiStatusCode"]), got.get("RestApiResponse"))


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
