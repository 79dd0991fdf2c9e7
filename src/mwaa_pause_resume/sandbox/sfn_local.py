"""Run the real pause/resume state machines locally: the ASL the CDK app deploys
(:func:`~mwaa_pause_resume.infra.workflows.synth.synthesize_definitions`) executed
by moto's Step Functions interpreter, the real Lambda handlers run in-process,
S3 in moto, MWAA answered by the emulator (:mod:`.mwaa`).

Used by the workflow tests, the ``sandbox`` command and the CLI tests::

    with LocalWorkflows(MwaaBackend(InMemoryAirflowBackend([...]))) as local:
        local.create_bucket("backups")
        result = local.run("pause", {"environment": "dev", "bucket": "backups"})

Time is virtual: Wait states and Retry intervals do not sleep, they move
:attr:`LocalWorkflows.clock`, which the handlers (:mod:`mwaa_pause_resume.functions.clock`)
and the emulator read; :meth:`hold` stops executions at their next Wait. Many executions
at once (a fleet's burst) need ``clock=EventClock()`` (:mod:`.event_clock`): time then moves
only when every execution waits, so their calls meet at the same virtual instants; with
``lambda_concurrency`` each invocation also holds one of that many slots for
``lambda_seconds`` of virtual time, and one that finds none free is refused
``TooManyRequestsException``, as Lambda refuses it when an account's concurrency is used up.

With ``moto_server=True`` the same moto backends are also served over HTTP
(:class:`moto.server.ThreadedMotoServer` on 127.0.0.1, an ephemeral port), so that
other processes (the real export/import DAGs in Airflow) reach the S3 and KMS the
in-process handlers use: give them :meth:`LocalWorkflows.subprocess_environ`.

The moto internals this replaces (pinned: moto==5.2.5) are patched by
:mod:`.moto_patches`; the scripted export/import DAGs the workflow tests and benchmarks
run against are :mod:`.scripted_airflow`. The runner stays one module (over 400 lines):
:class:`LocalWorkflows` is one harness whose start, deployment, Lambda invocations and
stop share the same state (mocks, clock, concurrency slots), and splitting it would
spread that state across modules.
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from unittest import mock

from mwaa_pause_resume.sandbox import moto_patches
from mwaa_pause_resume.sandbox.event_clock import EventClock
from mwaa_pause_resume.sandbox.mwaa import MwaaBackend, MwaaServer

ROLE_NAME = "mwaa-pause-resume-local"
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})


class VirtualClock:
    """Epoch seconds that start at the real time and move only when told (thread-safe)."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, float(seconds))


@dataclass
class ExecutionResult:
    """A finished execution: status, parsed output, error/cause, history events."""

    arn: str
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def entered_states(self) -> list[str]:
        """Names of the states entered, in order."""
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in self.history
            if e["type"].endswith("StateEntered")
        ]

    @property
    def transitions(self) -> int:
        """State transitions as Step Functions bills them: one per state entered."""
        return len(self.entered_states())


class LocalWorkflows:
    """moto + MWAA emulator + the synthesized state machines, with in-process Lambdas."""

    def __init__(
        self,
        mwaa: MwaaBackend | None = None,
        *,
        region: str = "us-east-1",
        wait_pause_seconds: float = 0.0,
        moto_server: bool = False,
        deployment: str | None = None,
        clock: VirtualClock | EventClock | None = None,
        lambda_concurrency: int | None = None,
        lambda_seconds: float = 0.0,
        asl_transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.mwaa = mwaa or MwaaBackend()
        # The deployed stack gives its functions its name (functions.ownership): with
        # one here, Begin checks and sets the environment's ownership tag.
        self.deployment = deployment
        self.moto_server = moto_server
        self.moto_endpoint_url: str | None = None
        self.region = region
        self.clock: VirtualClock | EventClock = clock or VirtualClock()
        self.lambda_concurrency = lambda_concurrency
        self.lambda_seconds = lambda_seconds
        self.lambda_throttled = 0  # invocations refused TooManyRequestsException
        self._in_flight = 0
        # With an EventClock: each execution's virtual start and end, by ARN.
        self.started_at: dict[str, float] = {}
        self.ended_at: dict[str, float] = {}
        # A change to the synthesized definitions (e.g. a benchmark's variant of a Retry).
        self._asl_transform = asl_transform
        self._invoke_lock = threading.Lock()
        self.invocations: list[tuple[str, dict[str, Any]]] = []
        self.state_machine_arns: dict[str, str] = {}
        self.mac_key_arn = ""  # the HMAC key (moto KMS) the functions sign with, once started
        self._wait_pause = wait_pause_seconds
        self._gate = threading.Event()
        self._gate.set()
        self._stack: ExitStack | None = None
        self._server: MwaaServer | None = None
        self._handlers: dict[str, Any] = {}
        self._counter = 0

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> LocalWorkflows:
        from moto import mock_aws

        from mwaa_pause_resume.functions import aws as function_aws
        from mwaa_pause_resume.functions import clock as function_clock

        stack = ExitStack()
        self._stack = stack
        try:
            self.mwaa.clock = self.clock
            self._server = stack.enter_context(MwaaServer(self.mwaa))
            stack.enter_context(
                mock.patch.dict(
                    os.environ,
                    {
                        **self._server.client_environ(),
                        "AWS_DEFAULT_REGION": self.region,
                        "AWS_REGION": self.region,
                        "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing",
                        **self._deployment_environ(),
                    },
                )
            )
            stack.enter_context(
                mock_aws(
                    config={
                        "stepfunctions": {"execute_state_machine": True},
                        "lambda": {"use_docker": False},
                    }
                )
            )
            self._patch_moto(stack)
            if self.moto_server:
                self._serve_moto(stack)
            self._create_mac_key(stack)
            function_clock.set_source(self.clock)
            stack.callback(function_clock.set_source, None)
            function_aws.reset_clients()
            stack.callback(function_aws.reset_clients)
            stack.callback(self._gate.set)  # never leave an execution blocked
            self._deploy()
        except BaseException:
            stack.close()
            self._stack = None
            raise
        return self

    def _deployment_environ(self) -> dict[str, str]:
        from mwaa_pause_resume.functions.ownership import DEPLOYMENT_VARIABLE

        return {DEPLOYMENT_VARIABLE: self.deployment} if self.deployment else {}

    def stop(self) -> None:
        if self._stack is not None:
            try:
                self._stop_executions()
            finally:
                self._stack.close()
                self._stack = None

    def _stop_executions(self, join_seconds: float = 30.0) -> None:
        """Abort executions still running and wait for moto's threads to end.

        An execution left running (started without waiting, or released from
        :meth:`hold` at the end of a test) would otherwise go on calling the handlers
        after the mocks and credentials are gone, or inside the next ``LocalWorkflows``
        of the same process, where it would cache credential-less clients and touch
        that run's buckets and locks.
        """
        sfn = self.client("stepfunctions")
        for arn in self.state_machine_arns.values():
            pages = sfn.get_paginator("list_executions").paginate(
                stateMachineArn=arn, statusFilter="RUNNING"
            )
            for page in pages:
                for execution in page["executions"]:
                    _stop_execution(sfn, execution["executionArn"])
        self._gate.set()  # a held execution sees the stop once released, at its next state
        give_up = time.monotonic() + join_seconds
        for thread in threading.enumerate():
            target = getattr(thread, "_target", None)  # moto names none of its threads
            if thread is threading.current_thread() or target is None:
                continue
            if str(getattr(target, "__module__", "")).startswith("moto.stepfunctions"):
                thread.join(max(0.0, give_up - time.monotonic()))

    def __enter__(self) -> LocalWorkflows:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- helpers for callers --------------------------------------------------------
    def subprocess_environ(self) -> dict[str, str]:
        """What another process needs to use this moto (``moto_server=True`` only)."""
        if self.moto_endpoint_url is None:
            raise RuntimeError("LocalWorkflows was not started with moto_server=True")
        return {
            "AWS_ENDPOINT_URL": self.moto_endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, region_name=self.region)

    def create_bucket(self, name: str) -> None:
        kwargs: dict[str, Any] = {}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        self.client("s3").create_bucket(Bucket=name, **kwargs)

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Executions stop at their next Wait state until the block ends."""
        self._gate.clear()
        try:
            yield
        finally:
            self._gate.set()

    def start_execution(
        self, workflow: str, execution_input: Mapping[str, Any], name: str | None = None
    ) -> str:
        self._counter += 1
        name = name or f"{workflow}-{self._counter}-{int(self.clock())}"
        started = self.clock()
        answer = self.client("stepfunctions").start_execution(
            stateMachineArn=self.state_machine_arns[workflow],
            name=name,
            input=json.dumps(dict(execution_input)),
        )
        self.started_at[str(answer["executionArn"])] = started
        return str(answer["executionArn"])

    def wait(self, execution_arn: str, timeout: float = 120.0) -> ExecutionResult:
        """Block (real time) until the execution ends; its status, output and history."""
        sfn = self.client("stepfunctions")
        give_up = time.monotonic() + timeout
        while True:
            described = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] in TERMINAL:
                break
            if time.monotonic() > give_up:
                raise TimeoutError(f"{execution_arn} still {described['status']} after {timeout}s")
            time.sleep(0.02)
        history = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)
        events: list[dict[str, Any]] = list(history["events"])
        token = history.get("nextToken")
        while token:
            page = sfn.get_execution_history(
                executionArn=execution_arn, maxResults=1000, nextToken=token
            )
            events += page["events"]
            token = page.get("nextToken")
        output = described.get("output")
        return ExecutionResult(
            arn=execution_arn,
            status=str(described["status"]),
            output=json.loads(output) if output else None,
            error=described.get("error"),
            cause=described.get("cause"),
            history=events,
        )

    def run(
        self,
        workflow: str,
        execution_input: Mapping[str, Any],
        name: str | None = None,
        timeout: float = 120.0,
    ) -> ExecutionResult:
        return self.wait(self.start_execution(workflow, execution_input, name), timeout)

    def wait_until(self, predicate: Any, timeout: float = 30.0) -> None:
        """Poll ``predicate()`` (real time) until true."""
        give_up = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > give_up:
                raise TimeoutError("condition not reached")
            time.sleep(0.02)

    # -- internals ------------------------------------------------------------------
    def _deploy(self) -> None:
        from mwaa_pause_resume.functions import WORKFLOW_FUNCTIONS, resolve
        from mwaa_pause_resume.infra.workflows import policy
        from mwaa_pause_resume.infra.workflows.synth import (
            substitute_function_arns,
            synthesize_definitions,
        )

        iam = self.client("iam")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        role_arn = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))[
            "Role"
        ]["Arn"]
        lam = self.client("lambda")
        arns: dict[str, str] = {}
        for key in WORKFLOW_FUNCTIONS:
            name = policy.function_name(key)
            created = lam.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role_arn,
                Handler=f"{key}.handler",
                Code={"ZipFile": _stub_zip()},
            )
            arns[key] = str(created["FunctionArn"])
            self._handlers[name] = resolve(key)
        sfn = self.client("stepfunctions")
        for workflow, definition in synthesize_definitions().items():
            asl = substitute_function_arns(definition, arns)
            if self._asl_transform is not None:
                asl = self._asl_transform(asl)
            created = sfn.create_state_machine(
                name=f"mwaa-pause-resume-{workflow}",
                definition=json.dumps(asl),
                roleArn=role_arn,
                type="STANDARD",
            )
            self.state_machine_arns[workflow] = str(created["stateMachineArn"])

    def _create_mac_key(self, stack: ExitStack) -> None:
        """The deployment's HMAC key, given to the in-process functions as the stack gives
        it to the Lambda functions (an environment variable)."""
        from mwaa_pause_resume.functions.settings import MAC_KEY_VARIABLE

        key = self.client("kms").create_key(
            Description="mwaa-pause-resume local: signs run authorizations and snapshots",
            KeySpec="HMAC_256",
            KeyUsage="GENERATE_VERIFY_MAC",
        )
        self.mac_key_arn = str(key["KeyMetadata"]["Arn"])
        stack.enter_context(mock.patch.dict(os.environ, {MAC_KEY_VARIABLE: self.mac_key_arn}))

    def _serve_moto(self, stack: ExitStack) -> None:
        # Same process, so the server answers from the backends mock_aws set up.
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        stack.callback(server.stop)
        host, port = server.get_host_and_port()
        self.moto_endpoint_url = f"http://{host}:{port}"
        stack.callback(setattr, self, "moto_endpoint_url", None)

    def _patch_moto(self, stack: ExitStack) -> None:
        moto_patches.patch_moto(
            stack, invoke=self._invoke, wait=self._virtual_wait, sleep=self._virtual_sleep
        )
        if isinstance(self.clock, EventClock):
            moto_patches.patch_worker(stack, self.clock, self.ended_at)

    def _virtual_wait(self, seconds: float) -> None:
        self._gate.wait()
        self.clock.advance(seconds)
        if self._wait_pause:
            time.sleep(self._wait_pause)

    def _virtual_sleep(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def _invoke(self, function_name: str, body: Any, response_headers: dict[str, Any]) -> bytes:
        name = function_name.split(":function:", 1)[-1].split(":", 1)[0]
        handler = self._handlers[name]
        raw = body.decode() if isinstance(body, bytes) else (body or "{}")
        event = json.loads(raw) if raw else {}
        self.invocations.append((name, event))
        if self.lambda_concurrency is not None:
            with self._invoke_lock:
                if self._in_flight >= self.lambda_concurrency:
                    self.lambda_throttled += 1
                    raise moto_patches.too_many_requests()
                self._in_flight += 1
            try:
                return self._run_handler(handler, event, response_headers)
            finally:
                if self.lambda_seconds:
                    self.clock.advance(self.lambda_seconds)  # holds the slot meanwhile
                with self._invoke_lock:
                    self._in_flight -= 1
        return self._run_handler(handler, event, response_headers)

    @staticmethod
    def _run_handler(handler: Any, event: Any, response_headers: dict[str, Any]) -> bytes:
        try:
            result = handler(event, None)
        except Exception as exc:  # as the Lambda runtime reports an unhandled error
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "stackTrace": traceback.format_tb(exc.__traceback__)[-3:],
                }
            ).encode()
        return json.dumps(result).encode()


def _stub_zip() -> bytes:
    """Lambda wants a code package; the handlers run in-process instead."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "handlers run in-process (mwaa_pause_resume.functions)\n")
    return buffer.getvalue()


def _stop_execution(sfn: Any, arn: str, patience_seconds: float = 10.0) -> None:
    """StopExecution, waiting for moto's worker to set up: an execution stopped in the
    instant between its start and its worker's first step has no environment yet, and
    moto's stop fails with AttributeError on it (seen on a loaded machine)."""
    give_up = time.monotonic() + patience_seconds
    while True:
        try:
            sfn.stop_execution(
                executionArn=arn,
                error="LocalWorkflowsStopped",
                cause="the local workflows were stopped while this execution ran",
            )
            return
        except AttributeError:
            if time.monotonic() > give_up:
                raise
            time.sleep(0.05)
