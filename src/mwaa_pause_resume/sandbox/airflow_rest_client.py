"""InvokeRestApi's far side: one REST call forwarded to an environment's real Airflow.

MWAA's InvokeRestApi signs in to the environment's web server as the caller's Airflow
role and relays one request to Airflow's REST API (``/api/v1`` on Airflow 2,
``/api/v2`` on Airflow 3), within its limits: 10 seconds, 6 MB of response. The
emulator does the same over HTTP: FAB's basic auth on Airflow 2, a JWT from
``POST /auth/token`` on Airflow 3. Airflow's own status and body come back unchanged;
a timeout or an oversized answer come back as MWAA's server-side errors.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from mwaa_pause_resume.sandbox.airflow_config import rest_prefix

TIMEOUT_SECONDS = 10.0  # InvokeRestApi's documented limit
# The sandbox's own observer (seeding, liveness) is a user at Airflow's API, not
# InvokeRestApi: on a loaded 2-core machine an answer can take longer than 10 s.
OBSERVER_TIMEOUT_SECONDS = 60.0
OBSERVER_READ_ATTEMPTS = 4
TRANSIENT = (502, 503, 504)
MAX_RESPONSE_BYTES = 6 * 1024 * 1024  # InvokeRestApi's documented limit


class AirflowRestClient:
    """Calls one environment's Airflow REST API as MWAA's InvokeRestApi does."""

    def __init__(self, base_url: str, major: int, user: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.major = major
        self._user = user
        self._password = password
        self._token: str | None = None
        self._lock = threading.Lock()

    def call(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        *,
        timeout: float = TIMEOUT_SECONDS,
    ) -> tuple[int, Any]:
        """(HTTP status, decoded JSON body) of ``METHOD /api/vN/<path>``."""
        url = self.base_url + rest_prefix(self.major) + "/" + path.lstrip("/")
        if query:
            url += "?" + urllib.parse.urlencode(_query_items(query), doseq=True)
        status, payload = self._send(method, url, body, timeout)
        if status == 401 and self.major >= 3:  # the token expired: sign in again, once
            with self._lock:
                self._token = None
            status, payload = self._send(method, url, body, timeout)
        return status, payload

    def observe(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> tuple[int, Any]:
        """:meth:`call` for the sandbox's own observer: a longer timeout, and reads
        (idempotent) tried again while the server answers 502/503/504."""
        attempts = OBSERVER_READ_ATTEMPTS if method.upper() == "GET" else 1
        for attempt in range(attempts):
            status, payload = self.call(method, path, query, body, timeout=OBSERVER_TIMEOUT_SECONDS)
            if status not in TRANSIENT or attempt == attempts - 1:
                break
            time.sleep(2.0 * (attempt + 1))
        return status, payload

    def _send(self, method: str, url: str, body: Any, timeout: float) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json", "Authorization": self._authorization()}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method.upper())
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                status, raw = answer.status, answer.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read(MAX_RESPONSE_BYTES + 1)
        except (TimeoutError, urllib.error.URLError) as err:
            reason = getattr(err, "reason", err)
            if isinstance(reason, TimeoutError) or isinstance(err, TimeoutError):
                return 504, {"title": "Gateway Timeout", "detail": f"no answer in {timeout:.0f} s"}
            return 503, {"title": "Service Unavailable", "detail": f"web server: {reason}"}
        if len(raw) > MAX_RESPONSE_BYTES:
            return 502, {"title": "Bad Gateway", "detail": "the response exceeds 6 MB"}
        return status, _decode(raw)

    def _authorization(self) -> str:
        if self.major < 3:
            raw = f"{self._user}:{self._password}".encode()
            return "Basic " + base64.b64encode(raw).decode()
        with self._lock:
            if self._token is None:
                self._token = self._sign_in()
            return "Bearer " + self._token

    def _sign_in(self) -> str:
        body = json.dumps({"username": self._user, "password": self._password}).encode()
        request = urllib.request.Request(
            self.base_url + "/auth/token",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            return str(json.loads(answer.read())["access_token"])


def _decode(raw: bytes) -> Any:
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        return {"detail": raw.decode(errors="replace")[:2000]}


def _query_items(query: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return [(k, str(v).lower() if isinstance(v, bool) else v) for k, v in query.items()]
