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

This touches moto internals (pinned: moto==5.2.5): the simple Lambda backend's
``invoke``, the Wait function's ``_wait_interval``, the retrier's ``time``, the name the
Lambda task gives a Lambda service error (``Lambda.<code>`` as in AWS; moto says
``Exception``) and, with an :class:`~.event_clock.EventClock`, the execution worker's
thread (each execution is one of the clock's participants).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import os
import threading
import time
import traceback
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace, TracebackType
from typing import Any
from unittest import mock

from mwaa_pause_resume.dags.quiesce import PAUSED_STATES_FILE
from mwaa_pause_resume.dags.result_note import failure_note, success_note
from mwaa_pause_resume.metadata.schemas import SCHEMA_TABLES
from mwaa_pause_resume.metadata.tables import kept_tables
from mwaa_pause_resume.sandbox.event_clock import EventClock
from mwaa_pause_resume.sandbox.mwaa import DagSpec, InMemoryAirflowBackend, MwaaBackend, MwaaServer

EXPORT_DAG_ID = "mwaa_export_data"
IMPORT_DAG_ID = "mwaa_import_data"
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
                    sfn.stop_execution(
                        executionArn=execution["executionArn"],
                        error="LocalWorkflowsStopped",
                        cause="the local workflows were stopped while this execution ran",
                    )
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
        from moto.awslambda_simple.models import LambdaSimpleBackend
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
            lambda_eval_utils,
        )
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import (  # noqa: E501
            StateTaskLambda,
        )
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function import (
            wait_function,
        )

        harness = self

        def invoke(  # noqa: PLR0917 - moto's signature
            backend: Any,
            function_name: str,
            qualifier: str | None,
            body: Any,
            headers: Any,
            response_headers: dict[str, Any],
        ) -> bytes:
            return harness._invoke(function_name, body, response_headers)

        def wait_interval(component: Any, env: Any, wait_seconds: int) -> None:
            harness._virtual_wait(float(wait_seconds))

        stack.enter_context(mock.patch.object(LambdaSimpleBackend, "invoke", invoke))
        # moto builds a new boto3 Lambda client for every Lambda task (tens of ms of CPU
        # each, most of a transition's cost); one per region serves them all (boto3 clients
        # are thread-safe, their creation is not: under a lock).
        made: dict[str, Any] = {}
        made_lock = threading.Lock()
        moto_client_for = lambda_eval_utils.boto_client_for  # type: ignore[attr-defined]

        def client_for(region: str, service: str, state_credentials: Any = None) -> Any:
            with made_lock:
                key = f"{region}/{service}"
                if key not in made:
                    made[key] = moto_client_for(region, service, state_credentials)
                return made[key]

        stack.enter_context(mock.patch.object(lambda_eval_utils, "boto_client_for", client_for))
        moto_from_error = StateTaskLambda._from_error

        def from_error(task: Any, env: Any, ex: Exception) -> Any:
            return _lambda_service_error(env, ex) or moto_from_error(task, env, ex)

        stack.enter_context(mock.patch.object(StateTaskLambda, "_from_error", from_error))
        if isinstance(self.clock, EventClock):
            self._patch_worker(stack, self.clock)
        stack.enter_context(
            mock.patch.object(wait_function.WaitFunction, "_wait_interval", wait_interval)
        )
        stack.enter_context(
            mock.patch.object(
                retrier_decl, "time", SimpleNamespace(sleep=self._virtual_sleep, time=time.time)
            )
        )

    def _patch_worker(self, stack: ExitStack, clock: EventClock) -> None:
        """Each execution's thread is a participant of ``clock`` from its start (in
        StartExecution's thread, so time cannot move before it runs) to its end."""
        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

        start: Any = ExecutionWorker.start
        logic: Any = ExecutionWorker._execution_logic

        def joined_start(worker: Any) -> None:
            clock.join()
            try:
                start(worker)
            except BaseException:
                clock.leave()
                raise

        ended_at = self.ended_at

        def logic_then_leave(worker: Any) -> None:
            try:
                logic(worker)
            finally:
                ended_at[str(worker._evaluation_details.execution_details.arn)] = clock()
                clock.leave()

        stack.enter_context(mock.patch.object(ExecutionWorker, "start", joined_start))
        stack.enter_context(
            mock.patch.object(ExecutionWorker, "_execution_logic", logic_then_leave)
        )

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
                    raise _too_many_requests()
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


def _too_many_requests() -> Exception:
    """What Lambda answers an Invoke when the account's concurrency is used up (moto's
    HTTP error type, so that the Invoke's caller gets it as a ClientError)."""
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError("TooManyRequestsException", "Rate Exceeded.")
    error.code = 429
    return error


def _lambda_service_error(env: Any, ex: Exception) -> Any:
    """A Lambda service error (a ClientError of Invoke) as the failure AWS reports:
    named ``Lambda.<code>``, the name a Task's Retry matches (moto names it
    ``Exception``). None for anything else."""
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.api import HistoryEventType, LambdaFunctionFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
        CustomErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    if not isinstance(ex, ClientError):
        return None
    error = f"Lambda.{ex.response['Error']['Code']}"
    return FailureEvent(
        env=env,
        error_name=CustomErrorName(error),
        event_type=HistoryEventType.LambdaFunctionFailed,
        event_details=EventDetails(  # type: ignore[typeddict-item]  # moto: total=True
            lambdaFunctionFailedEventDetails=LambdaFunctionFailedEventDetails(
                error=error, cause=str(ex.response["Error"].get("Message", ""))
            )
        ),
    )


class ScriptedDagsAirflow(InMemoryAirflowBackend):
    """The in-memory Airflow fake, plus what the real export/import DAGs do that the
    workflows observe: the export pauses the other DAGs, writes a snapshot (manifest +
    gzip CSV per table, see :func:`write_demo_snapshot`) to ``conf["snapshot"]`` and
    publishes a note (``mwaa_pause_resume.dags.result_note``); a failed export puts the
    paused states back; the import writes ``import-report.json`` and publishes a note,
    both with its restore summary (:func:`demo_summary`). A stand-in for control-flow
    tests and benchmarks: the sandbox runs the real DAGs instead."""

    def __init__(
        self,
        dags: Iterable[DagSpec],
        *,
        export_dag_id: str = EXPORT_DAG_ID,
        import_dag_id: str = IMPORT_DAG_ID,
    ) -> None:
        super().__init__(dags)
        self.export_dag_id = export_dag_id
        self.import_dag_id = import_dag_id
        self.recorded: dict[tuple[str, str], dict[str, bool]] = {}
        self.notes: dict[tuple[str, str, str], str] = {}
        self.imported: list[tuple[str, str]] = []  # (environment, snapshot)

    def invoke_rest_api(
        self, name: str, method: str, path: str, query: Mapping[str, Any], body: Any
    ) -> tuple[int, dict[str, Any]]:
        status, payload = super().invoke_rest_api(name, method, path, query, body)
        parts = [p for p in path.split("/") if p]
        triggered = method == "POST" and parts[-1] == "dagRuns"
        if status == 200 and triggered and parts[1] == self.export_dag_id:
            conf = (body or {}).get("conf") if isinstance(body, dict) else None
            self._pause_others(name, payload["dag_run_id"], conf or {})
        if status == 200 and method == "GET" and len(parts) == 4 and parts[2] == "dagRuns":
            self._on_poll(name, parts[1], parts[3], payload)
        return status, payload

    def _pause_others(self, name: str, run_id: str, conf: Mapping[str, Any]) -> None:
        airflow = self.airflow(name)
        recorded = {d.dag_id: d.is_paused for d in airflow.dags.values()}
        self.recorded[(name, run_id)] = recorded
        if str(conf.get("snapshot", "")).startswith("s3://"):  # as the DAG's pause_dags step
            _put_s3_json(
                f"{conf['snapshot']}{PAUSED_STATES_FILE}",
                {"export_dag_id": self.export_dag_id, "paused_states": recorded},
            )
        for dag in airflow.dags.values():
            if dag.dag_id != self.export_dag_id:
                dag.is_paused = True

    def _on_poll(self, name: str, dag_id: str, run_id: str, payload: dict[str, Any]) -> None:
        key = (name, dag_id, run_id)
        if key not in self.notes and payload["state"] in ("success", "failed"):
            snapshot = str(payload["conf"].get("snapshot"))
            if dag_id == self.export_dag_id and payload["state"] == "success":
                tables = write_demo_snapshot(snapshot, self.recorded[(name, run_id)])
                self.notes[key] = success_note(snapshot, tables=tables, rows=3, interrupted=0)
            elif dag_id == self.export_dag_id:  # its cleanup task: states back, then the note
                restored = 0
                for dag_id_, paused in self.recorded[(name, run_id)].items():
                    dag = self.airflow(name).dags[dag_id_]
                    if dag_id_ != self.export_dag_id and dag.is_paused != paused:
                        dag.is_paused = paused
                        restored += 1
                self.notes[key] = failure_note(
                    "export", "OperationalError: disk full", paused_restored=restored
                )
            elif dag_id != self.import_dag_id:
                return
            elif payload["state"] == "success":
                from mwaa_pause_resume.metadata.restore_summary import REPORT_FILE

                self.imported.append((name, snapshot))
                summary = demo_summary()
                if snapshot.startswith("s3://"):
                    _put_s3_json(f"{snapshot}{REPORT_FILE}", summary.to_json())
                self.notes[key] = success_note(
                    snapshot, tables=2, rows=3, interrupted=0, summary=summary, report=REPORT_FILE
                )
            else:
                self.notes[key] = failure_note("import_snapshot", "SnapshotIncompatible: revision")
        payload["note"] = self.notes.get(key)


def demo_summary() -> Any:
    """The restore summary of the scripted import: the demo snapshot's rows restored
    exactly (two variables, the default pool)."""
    from mwaa_pause_resume.metadata.restore_summary import RestoreSummary

    summary = RestoreSummary("full")
    summary.add("variables", exact=2)
    summary.add("pools", exact=1)
    return summary


def _put_s3_json(url: str, value: Any) -> None:
    import boto3

    bucket, _, key = url[len("s3://") :].partition("/")
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=json.dumps(value).encode())


# The scripted export's snapshot: Airflow 2.10.3's schema, so it holds every table an
# export of that schema writes (verify requires them all), variables and pools with rows.
DEMO_REVISION = "5f2621c13b39"
DEMO_ROWS = {"variable": b'"a","1"\n"b","2"\n', "slot_pool": b'"default_pool","128"\n'}
DEMO_TABLES = tuple(kept_tables(set(SCHEMA_TABLES[DEMO_REVISION])))


def write_demo_snapshot(location: str, paused_states: dict[str, bool]) -> int:
    """A small snapshot the metadata engine verifies (one gzip CSV per kept table of
    Airflow 2.10.3 + manifest.json) at ``s3://bucket/prefix/``; returns the number of
    tables."""
    import boto3

    s3 = boto3.client("s3")
    bucket, _, prefix = location[len("s3://") :].partition("/")
    entries = {}
    for table in DEMO_TABLES:
        csv = DEMO_ROWS.get(table, b"")
        data = gzip.compress(csv, mtime=0)
        file = f"tables/{table}.csv.gz"
        s3.put_object(Bucket=bucket, Key=prefix + file, Body=data)
        entries[table] = {
            "columns": [{"name": "name", "type": "text"}, {"name": "value", "type": "text"}],
            "rows": csv.count(b"\n"),
            "bytes": len(data),
            "raw_bytes": len(csv),
            "sha256": hashlib.sha256(data).hexdigest(),
            "file": file,
        }
    manifest = {
        "format_version": 1,
        "created_at": datetime.now(UTC).isoformat(),
        "airflow_version": "2.10.3",
        "alembic_revision": DEMO_REVISION,
        "scope": "full",
        "engine": {},
        "tables": entries,
        "excluded_dag_runs": [],
        "interrupted": [],
        "paused_states": paused_states,
        "secrets": {"scheme": "none"},
    }
    s3.put_object(Bucket=bucket, Key=prefix + "manifest.json", Body=json.dumps(manifest).encode())
    return len(entries)


def _stub_zip() -> bytes:
    """Lambda wants a code package; the handlers run in-process instead."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "handlers run in-process (mwaa_pause_resume.functions)\n")
    return buffer.getvalue()
