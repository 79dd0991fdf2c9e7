"""The moto internals the local Step Functions runner (:mod:`.sfn_local`) replaces.

Kept apart from the runner because they reach into moto's private modules (pinned:
moto==5.2.5) and change with it: the simple Lambda backend's ``invoke`` (the handlers
run in-process), the Wait function's ``_wait_interval`` and the retrier's ``time``
(virtual time), the boto3 client each Lambda task builds (one per region instead), the
name the Lambda task gives a Lambda service error (``Lambda.<code>`` as in AWS; moto
says ``Exception``) and, with an :class:`~.event_clock.EventClock`, the execution
worker's thread (each execution is one of the clock's participants).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from types import SimpleNamespace
from typing import Any
from unittest import mock

from mwaa_pause_resume.sandbox.event_clock import EventClock
from mwaa_pause_resume.shared.aws_error_fields import error_code, error_message

# (function name or ARN, request body, response headers) -> response payload
Invoke = Callable[[str, Any, dict[str, Any]], bytes]


def patch_moto(
    stack: ExitStack,
    *,
    invoke: Invoke,
    wait: Callable[[float], None],
    sleep: Callable[[float], None],
) -> None:
    """Lambda invocations go to ``invoke``; a Wait state calls ``wait`` and a Retry's
    interval ``sleep`` with its seconds. Undone when ``stack`` closes."""
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
        lambda_eval_utils,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import (
        StateTaskLambda,
    )
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import (
        wait_function,
    )

    def backend_invoke(  # noqa: PLR0917 - moto's signature
        backend: Any,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: dict[str, Any],
    ) -> bytes:
        return invoke(function_name, body, response_headers)

    def wait_interval(component: Any, env: Any, wait_seconds: int) -> None:
        wait(float(wait_seconds))

    stack.enter_context(mock.patch.object(LambdaSimpleBackend, "invoke", backend_invoke))
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
    stack.enter_context(
        mock.patch.object(wait_function.WaitFunction, "_wait_interval", wait_interval)
    )
    stack.enter_context(
        mock.patch.object(retrier_decl, "time", SimpleNamespace(sleep=sleep, time=time.time))
    )


def patch_worker(stack: ExitStack, clock: EventClock, ended_at: dict[str, float]) -> None:
    """Each execution's thread is a participant of ``clock`` from its start (in
    StartExecution's thread, so time cannot move before it runs) to its end, which is
    recorded in ``ended_at`` by execution ARN."""
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

    def logic_then_leave(worker: Any) -> None:
        try:
            logic(worker)
        finally:
            ended_at[str(worker._evaluation_details.execution_details.arn)] = clock()
            clock.leave()

    stack.enter_context(mock.patch.object(ExecutionWorker, "start", joined_start))
    stack.enter_context(mock.patch.object(ExecutionWorker, "_execution_logic", logic_then_leave))


def too_many_requests() -> Exception:
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
    error = f"Lambda.{error_code(ex)}"
    return FailureEvent(
        env=env,
        error_name=CustomErrorName(error),
        event_type=HistoryEventType.LambdaFunctionFailed,
        event_details=EventDetails(  # type: ignore[typeddict-item]  # moto: total=True
            lambdaFunctionFailedEventDetails=LambdaFunctionFailedEventDetails(
                error=error, cause=error_message(ex)
            )
        ),
    )
