"""The MWAA REST-JSON wire format: request -> operation input, output/error -> response.

Requests are decoded from the service model (URI labels, query string, JSON
body) and re-validated against the operation's input shape, as AWS does; errors
carry ``x-amzn-ErrorType`` and a JSON body with ``message`` and the error
shape's members, with the model's HTTP status for that error.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mwaa_pause_resume.sandbox.mwaa import urls
from mwaa_pause_resume.sandbox.mwaa.faults import THROTTLING_CODE
from mwaa_pause_resume.sandbox.mwaa.models import MwaaBackend, MwaaError, validation_error
from mwaa_pause_resume.sandbox.mwaa.placements import request_placement
from mwaa_pause_resume.sandbox.mwaa.throttling import THROTTLING_STATUS
from mwaa_pause_resume.sandbox.mwaa.validation import InputInvalid, validate_input

DEFAULT_PAGE_SIZE = 25


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes


class MwaaResponses:
    """Turns HTTP requests into calls on a :class:`MwaaBackend` and back."""

    def __init__(self, backend: MwaaBackend) -> None:
        self.backend = backend
        self._others: dict[int, MwaaResponses] = {}
        self._elsewhere_lock = threading.Lock()
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "CreateEnvironment": self.create_environment,
            "GetEnvironment": self.get_environment,
            "ListEnvironments": self.list_environments,
            "DeleteEnvironment": self.delete_environment,
            "UpdateEnvironment": self.update_environment,
            "InvokeRestApi": self.invoke_rest_api,
            "TagResource": self.tag_resource,
            "UntagResource": self.untag_resource,
            "ListTagsForResource": self.list_tags_for_resource,
        }

    def dispatch(
        self, method: str, target: str, body: bytes, headers: Mapping[str, str] | None = None
    ) -> HttpResponse:
        """Answer one request; ``target`` is the request line's path and query, ``headers``
        tell the account and region it is for (placements.py; none: this backend's)."""
        if headers is not None:
            account, region = request_placement(
                headers, self.backend.account_id, self.backend.region
            )
            backend = self.backend.at(account, region)
            if backend is not self.backend:
                return self._elsewhere(backend).dispatch(method, target, body)
        split = urlsplit(target)
        routed = urls.match(method.upper(), split.path)
        if routed is None:
            return _error_response(
                MwaaError(
                    "UnknownOperationException",
                    f"No operation for {method} {split.path}",
                    status=404,
                )
            )
        operation, labels = routed
        try:
            params = parse_params(operation, labels, parse_qs(split.query), body)
            self.backend.record(operation, params)
            if not self.backend.faults.admit(operation, params):
                raise MwaaError(THROTTLING_CODE, "Rate exceeded", status=THROTTLING_STATUS)
            injected = self.backend.faults.take_error(operation)
            if injected is not None:
                raise MwaaError(
                    injected.code, injected.message, status=injected.status, fields=injected.fields
                )
            output = self._handlers[operation](params)
        except MwaaError as exc:
            return _error_response(exc)
        except Exception as exc:  # a bug or a backend crash: what AWS calls a 500
            return _error_response(MwaaError("InternalServerException", repr(exc)))
        return HttpResponse(200, _headers(), json.dumps(output, default=_json_default).encode())

    def _elsewhere(self, backend: MwaaBackend) -> MwaaResponses:
        with self._elsewhere_lock:
            found = self._others.get(id(backend))
            if found is None:
                found = self._others[id(backend)] = MwaaResponses(backend)
            return found

    # -- operations ----------------------------------------------------------------

    def create_environment(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Arn": self.backend.create_environment(params)}

    def get_environment(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Environment": self.backend.get_environment(params["Name"])}

    def list_environments(self, params: dict[str, Any]) -> dict[str, Any]:
        names = self.backend.list_environments()
        size = int(params.get("MaxResults") or DEFAULT_PAGE_SIZE)
        token = params.get("NextToken") or "0"
        if not token.isdigit() or int(token) > len(names):
            raise validation_error("Invalid NextToken")
        start = int(token)
        output: dict[str, Any] = {"Environments": names[start : start + size]}
        if start + size < len(names):
            output["NextToken"] = str(start + size)
        return output

    def delete_environment(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.delete_environment(params["Name"])
        return {}

    def update_environment(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Arn": self.backend.update_environment(params)}

    def invoke_rest_api(self, params: dict[str, Any]) -> dict[str, Any]:
        status, payload = self.backend.invoke_rest_api(
            params["Name"],
            params["Method"],
            params["Path"],
            params.get("QueryParameters") or {},
            params.get("Body"),
        )
        if status < 400:
            return {"RestApiStatusCode": status, "RestApiResponse": payload}
        code = "RestApiClientException" if status < 500 else "RestApiServerException"
        raise MwaaError(
            code,
            f"Airflow answered HTTP {status}",
            fields={"RestApiStatusCode": status, "RestApiResponse": payload},
        )

    def tag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.tag_resource(params["ResourceArn"], params["Tags"])
        return {}

    def untag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        self.backend.untag_resource(params["ResourceArn"], list(params["tagKeys"]))
        return {}

    def list_tags_for_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Tags": self.backend.list_tags(params["ResourceArn"])}


def parse_params(
    operation: str, labels: Mapping[str, str], query: Mapping[str, list[str]], body: bytes
) -> dict[str, Any]:
    """The operation's input as botocore built it, validated against the input shape."""
    shape = urls.service_model().operation_model(operation).input_shape
    params: dict[str, Any] = {}
    if body.strip():
        try:
            decoded = json.loads(body)
        except ValueError as exc:
            raise MwaaError(
                "SerializationException", f"Malformed JSON body: {exc}", status=400
            ) from None
        if not isinstance(decoded, dict):
            raise MwaaError("SerializationException", "The body must be a JSON object", status=400)
        params.update(decoded)
    for member_name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", member_name)
        if location == "uri" and wire_name in labels:
            params[member_name] = labels[wire_name]
        elif location == "querystring" and wire_name in query:
            params[member_name] = _query_value(query[wire_name], member, wire_name)
    try:
        validate_input(params, shape)
    except InputInvalid as exc:
        raise validation_error(str(exc)) from None
    return params


def _query_value(values: list[str], shape: Any, name: str) -> Any:
    if shape.type_name == "list":
        return list(values)
    if shape.type_name == "integer":
        try:
            return int(values[0])
        except ValueError:
            raise validation_error(f"Query parameter {name} must be an integer") from None
    return values[0]


def _error_response(error: MwaaError) -> HttpResponse:
    body: dict[str, Any] = {"message": error.message, **error.fields}
    if error.code == "AccessDeniedException":
        body["Message"] = error.message  # this shape's member is capitalised
    headers = _headers()
    headers["x-amzn-ErrorType"] = error.code
    status = error.status or _model_status(error.code)
    return HttpResponse(status, headers, json.dumps(body, default=_json_default).encode())


def _model_status(code: str) -> int:
    model = urls.service_model()
    if code in model.shape_names:
        status = model.shape_for(code).metadata.get("error", {}).get("httpStatusCode")
        if status:
            return int(status)
    return 400  # AWS's generic client errors (throttling, serialization)


def _headers() -> dict[str, str]:
    return {"Content-Type": "application/json", "x-amzn-RequestId": str(uuid.uuid4())}


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()  # rest-json timestamps: epoch seconds
    raise TypeError(f"cannot serialize {type(value).__name__}")
