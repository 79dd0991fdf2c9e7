"""InvokeRestApi's limits as the emulator enforces them when it forwards a call: a slow
web server becomes MWAA's server error, an oversized answer too, Airflow's own errors
pass through with their status and body. Served by a small HTTP server on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mwaa_pause_resume.sandbox.airflow_rest_client import MAX_RESPONSE_BYTES, AirflowRestClient


class _Airflow(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str, Any]] = []  # noqa: RUF012 (test double's record)
    busy = 0  # how many more calls to /busy answer 503

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.seen.append(("GET", self.path, self.headers.get("Authorization", ""), None))
        if self.path.startswith("/api/v1/slow"):
            time.sleep(1.5)
            self._answer(200, b"{}")
        elif self.path.startswith("/api/v1/huge"):
            self._answer(200, b'{"x": "' + b"a" * MAX_RESPONSE_BYTES + b'"}')
        elif self.path.startswith("/api/v1/busy") and _Airflow.busy > 0:
            _Airflow.busy -= 1
            self._answer(503, b'{"title": "busy"}')
        elif self.path.startswith("/api/v1/missing"):
            self._answer(404, b'{"title": "DAG not found", "status": 404}')
        else:
            self._answer(200, json.dumps({"path": self.path}).encode())

    def do_PATCH(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        self.seen.append(("PATCH", self.path, self.headers.get("Authorization", ""), body))
        if self.path.startswith("/api/v1/busy"):
            self._answer(503, b'{"title": "busy"}')
            return
        self._answer(200, json.dumps(body).encode())


@pytest.fixture
def server() -> Iterator[str]:
    _Airflow.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Airflow)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_calls_reach_the_versions_api_with_basic_auth_and_the_query(server: str) -> None:
    client = AirflowRestClient(server, 2, "user", "pw")
    status, body = client.call("GET", "/dags", {"limit": 5, "only_active": True})
    assert status == 200
    assert body == {"path": "/api/v1/dags?limit=5&only_active=true"}
    assert _Airflow.seen[-1][2] == "Basic dXNlcjpwdw=="  # user:pw
    status, body = client.call("PATCH", "dags/x", body={"is_paused": False})
    assert (status, body) == (200, {"is_paused": False})


def test_airflows_own_error_passes_through(server: str) -> None:
    status, body = AirflowRestClient(server, 2, "u", "p").call("GET", "/missing")
    assert (status, body) == (404, {"title": "DAG not found", "status": 404})


def test_no_answer_within_the_timeout_is_a_gateway_timeout(server: str) -> None:
    started = time.monotonic()
    status, body = AirflowRestClient(server, 2, "u", "p").call("GET", "/slow", timeout=0.5)
    assert status == 504 and "no answer" in body["detail"]
    assert time.monotonic() - started < 1.4  # it did not wait for the slow answer


def test_an_answer_over_6_mb_is_refused(server: str) -> None:
    status, body = AirflowRestClient(server, 2, "u", "p").call("GET", "/huge")
    assert status == 502 and "6 MB" in body["detail"]


def test_nothing_listening_is_service_unavailable() -> None:
    status, body = AirflowRestClient("http://127.0.0.1:9", 2, "u", "p").call("GET", "/dags")
    assert status == 503 and body["title"] == "Service Unavailable"


def test_the_observer_reads_again_while_the_server_is_busy_but_never_writes_twice(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(time, "sleep", lambda _: None)
    client = AirflowRestClient(server, 2, "u", "p")
    _Airflow.busy = 2
    assert client.observe("GET", "/busy") == (200, {"path": "/api/v1/busy"})
    assert [p for m, p, _, _ in _Airflow.seen if m == "GET"].count("/api/v1/busy") == 3
    status, _ = client.observe("PATCH", "/busy", body={"is_paused": True})
    assert status == 503
    assert [m for m, p, _, _ in _Airflow.seen if p == "/api/v1/busy"].count("PATCH") == 1
    # InvokeRestApi's own path answers the first 503 as it is.
    _Airflow.busy = 1
    assert client.call("GET", "/busy")[0] == 503
