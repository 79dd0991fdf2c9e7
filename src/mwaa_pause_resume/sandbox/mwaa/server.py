"""A threaded HTTP server for the MWAA emulator on 127.0.0.1 (standard library only).

Point clients at it with ``AWS_ENDPOINT_URL_MWAA`` and
``AWS_DISABLE_HOST_PREFIX_INJECTION=true`` (see :meth:`MwaaServer.client_environ`),
or use :meth:`MwaaServer.client`. Run standalone with
``python -m mwaa_pause_resume.sandbox.mwaa --port 5050``.
"""

from __future__ import annotations

import argparse
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from mwaa_pause_resume.sandbox.mwaa.models import MwaaBackend
from mwaa_pause_resume.sandbox.mwaa.responses import MwaaResponses


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    # The headers and the body leave in two writes: with Nagle's algorithm the body waits
    # for the client's delayed ACK of the headers, 40 ms on Linux, on every call (47 ms a
    # call instead of 3 ms; BENCHMARKS.md "Fleet burst").
    disable_nagle_algorithm = True
    server: _HttpServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        response = self.server.responses.dispatch(
            self.command, self.path, body, dict(self.headers.items())
        )
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        return None  # quiet: tests and the sandbox print their own progress


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], responses: MwaaResponses) -> None:
        super().__init__(address, _Handler)
        self.responses = responses


class MwaaServer:
    """The emulator listening on ``host:port`` (port 0: an ephemeral one) in a thread."""

    def __init__(
        self, backend: MwaaBackend | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.backend = backend or MwaaBackend()
        self._host = host
        self._port = port
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the MWAA emulator is not running")
        return int(self._httpd.server_address[1])

    @property
    def endpoint_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def client_environ(self) -> dict[str, str]:
        """Environment variables that route boto3's MWAA client here."""
        return {
            "AWS_ENDPOINT_URL_MWAA": self.endpoint_url,
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        }

    def client(self, **config: Any) -> Any:
        """A boto3 MWAA client for this server; ``config`` goes to botocore's Config."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "mwaa",
            region_name=self.backend.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(inject_host_prefix=False, **config),
        )

    def start(self) -> MwaaServer:
        if self._httpd is not None:
            return self
        self._httpd = _HttpServer((self._host, self._port), MwaaResponses(self.backend))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # how long stop() waits for the loop
            name="mwaa-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> MwaaServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted, with the in-memory Airflow fake behind environments."""
    from mwaa_pause_resume.sandbox.mwaa.fake_airflow import InMemoryAirflowBackend

    parser = argparse.ArgumentParser(description="MWAA emulator (REST-JSON, local)")
    parser.add_argument("--port", type=int, default=5050)
    args = parser.parse_args(argv)
    server = MwaaServer(MwaaBackend(InMemoryAirflowBackend()), port=args.port).start()
    print(f"MWAA emulator on {server.endpoint_url}; set:")
    for key, value in server.client_environ().items():
        print(f"  export {key}={value}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
