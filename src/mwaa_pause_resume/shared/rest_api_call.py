"""One call of Airflow's REST API through MWAA's ``InvokeRestApi``.

Airflow's own HTTP status comes back in the answer, or, for a 4xx/5xx, in a
``RestApiClientException`` / ``RestApiServerException``: both become the same
(status, body). Any other failure is InvokeRestApi's own and is raised as botocore
raised it: the Lambda functions map it to the names the state machines retry on
(``functions.aws.translate``), the DAG tasks to the errors their pool retries
(``dags.rest_api``), since each side retries in its own layer.
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.shared.aws_error_fields import error_code, error_fields, error_response

# InvokeRestApi's errors that carry Airflow's answer rather than a failure of the call.
AIRFLOW_ANSWER_CODES = frozenset({"RestApiClientException", "RestApiServerException"})


def invoke_rest_api(
    client: Any,
    environment: str,
    method: str,
    path: str,
    *,
    query: dict[str, Any] | None = None,
    body: Any = None,
) -> tuple[int, Any]:
    """Airflow's HTTP status and JSON answer (any status), from an MWAA ``client``."""
    params: dict[str, Any] = {"Name": environment, "Method": method, "Path": path}
    if query:
        params["QueryParameters"] = query
    if body is not None:
        params["Body"] = body
    try:
        got = client.invoke_rest_api(**params)
    except Exception as exc:
        if error_code(exc) not in AIRFLOW_ANSWER_CODES:
            raise
        response = error_response(exc)
        # older botocore: the fields are in the error's body
        status = int(
            response.get("RestApiStatusCode") or error_fields(exc).get("RestApiStatusCode") or 500
        )
        return status, response.get("RestApiResponse")
    return int(got["RestApiStatusCode"]), got.get("RestApiResponse")
