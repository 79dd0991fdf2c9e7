"""Building blocks shared by the pause and resume definitions: Lambda tasks with the
standard retries and a catch into the failure tail, polling waits, the failure tail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from mwaa_pause_resume.infra.workflows import policy


class StateBuilder:
    """States of one workflow, all in ``scope``; every task fails into one tail."""

    def __init__(
        self, scope: Construct, workflow: str, functions: Mapping[str, lambda_.IFunction]
    ) -> None:
        self.scope = scope
        self.workflow = workflow
        self.functions = functions
        self.failure = self._failure_tail()

    def task(
        self,
        name: str,
        function: str,
        payload: Mapping[str, Any],
        result_path: str | None,
        *,
        catch: bool = True,
    ) -> tasks.LambdaInvoke:
        """Invoke ``function`` with ``payload`` (JSONPath ``.$`` keys allowed); its result
        goes to ``result_path`` (None: discarded). A payload naming the environment
        (``$.ctx.environment``) also gets its account and region (functions.spoke_session)."""
        task = tasks.LambdaInvoke(
            self.scope,
            name,
            lambda_function=self.functions[function],
            payload=sfn.TaskInput.from_object(placed(payload)),
            payload_response_only=True,
            retry_on_service_exceptions=False,  # our own Retry below covers Lambda's errors
            result_path=result_path if result_path is not None else sfn.JsonPath.DISCARD,
        )
        add_standard_retries(task)
        if catch:
            task.add_catch(self.failure, errors=["States.ALL"], result_path="$.error")
        return task

    def begin(self) -> tasks.LambdaInvoke:
        """Validate the input and take the lock. A second delivery of the schedule fire
        that started the lock's holder ends as a success that does nothing (no e-mail
        about a failure that is not one); every other error fails into the tail."""
        task = self.task("Begin", "begin", begin_payload(self.workflow), "$.ctx", catch=False)
        duplicate = sfn.Pass(
            self.scope,
            "DuplicateDelivery",
            parameters={
                "outcome": "duplicate_delivery",
                "workflow": self.workflow,
                "environment.$": "$.environment",
            },
        )
        task.add_catch(duplicate, errors=[policy.DUPLICATE_DELIVERY_ERROR], result_path="$.error")
        task.add_catch(self.failure, errors=["States.ALL"], result_path="$.error")
        return task

    def gated(self, start: sfn.IChainable) -> sfn.IChainable:
        """``start`` behind the run gates (functions.run_gate): a scheduled run that an
        override, skip date, closed change calendar or busy environment holds back ends
        with outcome ``skipped`` (the execution succeeds) or waits and asks again
        (postpone); otherwise ``start`` gets the execution input unchanged. A run without
        ``scheduled_time`` (on demand) goes straight to ``start``: no gate applies to it,
        so no function call or transition is spent on it."""
        check = self.task("CheckRunGates", "run_gate", gate_payload(self.workflow, "$"), "$")
        again = self.task(
            "CheckRunGatesAgain",
            "run_gate",
            {
                **gate_payload(self.workflow, "$.input"),
                "postponed_since.$": "$.postponed_since",
            },
            "$",
        )
        skipped = sfn.Pass(
            self.scope,
            "Skipped",
            parameters={
                "outcome": "skipped",
                "workflow": self.workflow,
                "environment.$": "$.input.environment",
                "reason.$": "$.reason",
            },
        )
        postpone = sfn.Wait(
            self.scope, "PostponeWhileBusy", time=sfn.WaitTime.seconds_path("$.wait_seconds")
        )
        # functions.busy_check: the REST call, in a function that may join the VPC.
        busy = self.task(
            "CountRunningDagRuns",
            "busy_check",
            {
                **gate_payload(self.workflow, "$.input"),
                "postponed_since.$": "$.postponed_since",
            },
            "$",
        )
        proceed = sfn.Pass(self.scope, "Proceed", input_path="$.input")
        decision = (
            sfn.Choice(self.scope, "RunGates?")
            .when(sfn.Condition.string_equals("$.decision", "skip"), skipped)
            .when(sfn.Condition.string_equals("$.decision", "postpone"), postpone)
            .when(sfn.Condition.string_equals("$.decision", "check_busy"), busy)
            .otherwise(proceed.next(start))
        )
        postpone.next(again).next(decision)
        busy.next(decision)
        check.next(decision)
        scheduled = sfn.Condition.and_(
            sfn.Condition.is_present("$.scheduled_time"),
            sfn.Condition.is_not_null("$.scheduled_time"),
        )
        return sfn.Choice(self.scope, "Scheduled?").when(scheduled, check).otherwise(start)

    def wait(self, name: str) -> sfn.Wait:
        return sfn.Wait(self.scope, name, time=sfn.WaitTime.seconds_path("$.ctx.poll_seconds"))

    def done(
        self,
        name: str,
        outcome: str,
        snapshot_path: str | None,
        extra: Mapping[str, str] | None = None,
    ) -> sfn.Pass:
        """The execution's output: what happened, to which environment, which snapshot;
        ``extra``: more output keys, each from a JSONPath."""
        parameters: dict[str, Any] = {
            "outcome": outcome,
            "workflow": self.workflow,
            "environment.$": "$.ctx.environment",
        }
        if snapshot_path:
            parameters["snapshot_id.$"] = snapshot_path
        parameters.update({f"{key}.$": path for key, path in (extra or {}).items()})
        return sfn.Pass(self.scope, name, parameters=parameters)

    def release(self, name: str) -> tasks.LambdaInvoke:
        return self.task(
            name,
            "lock_release",
            {
                "bucket.$": "$.ctx.bucket",
                "environment.$": "$.ctx.environment",
                "owner.$": "$.ctx.owner",
            },
            None,
        )

    def _failure_tail(self) -> sfn.IChainable:
        explain = tasks.LambdaInvoke(
            self.scope,
            "CleanUpAfterFailure",
            lambda_function=self.functions["failure"],
            payload=sfn.TaskInput.from_object(
                {
                    "workflow": self.workflow,
                    "execution.$": "$$.Execution.Id",
                    "state.$": "$",
                }
            ),
            payload_response_only=True,
            retry_on_service_exceptions=False,
            result_path="$.failure",
        )
        add_standard_retries(explain)
        # If even the clean-up fails, still end with the original error.
        explain.add_catch(
            sfn.Fail(
                self.scope,
                "FailedWithoutCleanUp",
                error_path="$.error.Error",
                cause_path="$.error.Cause",
            ),
            errors=["States.ALL"],
            result_path="$.cleanup_error",
        )
        return explain.next(
            sfn.Fail(
                self.scope, "Failed", error_path="$.failure.error", cause_path="$.failure.cause"
            )
        )


def record_timing(b: StateBuilder, workflow: str) -> tasks.LambdaInvoke:
    """A successful run's timing into ``<env>/timing.json`` (functions.resume_timing);
    its output goes into the execution's output (``timing``)."""
    payload: dict[str, Any] = {
        "action": "record",
        "workflow": workflow,
        "environment.$": "$.ctx.environment",
        "bucket.$": "$.ctx.bucket",
    }
    if workflow == "resume":
        payload["timing.$"] = "$.ctx.timing"
    return b.task("RecordTiming", "resume_timing", payload, "$.timing_result")


def add_standard_retries(task: tasks.LambdaInvoke) -> None:
    """Throttling first (its own, longer budget), then the other transient errors; both
    back off exponentially with full jitter (policy)."""
    jitter = sfn.JitterType(policy.JITTER)
    task.add_retry(
        errors=list(policy.THROTTLED_ERRORS),
        interval=cdk.Duration.seconds(policy.THROTTLED_INTERVAL_SECONDS),
        backoff_rate=policy.THROTTLED_BACKOFF,
        max_attempts=policy.THROTTLED_MAX_ATTEMPTS,
        max_delay=cdk.Duration.seconds(policy.THROTTLED_MAX_DELAY_SECONDS),
        jitter_strategy=jitter,
    )
    task.add_retry(
        errors=list(policy.TRANSIENT_ERRORS),
        interval=cdk.Duration.seconds(policy.TRANSIENT_INTERVAL_SECONDS),
        backoff_rate=policy.TRANSIENT_BACKOFF,
        max_attempts=policy.TRANSIENT_MAX_ATTEMPTS,
        max_delay=cdk.Duration.seconds(policy.TRANSIENT_MAX_DELAY_SECONDS),
        jitter_strategy=jitter,
    )


def retry_until_parsed(task: tasks.LambdaInvoke) -> None:
    """A fresh environment may not have parsed the DAG yet: retry the trigger."""
    task.add_retry(
        errors=[policy.DAG_NOT_PARSED_ERROR],
        interval=cdk.Duration.seconds(policy.DAG_NOT_PARSED_INTERVAL_SECONDS),
        backoff_rate=1.0,
        max_attempts=policy.DAG_NOT_PARSED_MAX_ATTEMPTS,
    )


def placed(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` with the environment's placement next to its name: Begin's ``ctx``
    always holds ``account`` and ``region`` (null for the hub's own), so the paths exist."""
    out = dict(payload)
    if out.get("environment.$") == "$.ctx.environment":
        out.setdefault("account.$", "$.ctx.account")
        out.setdefault("region.$", "$.ctx.region")
    return out


def begin_payload(workflow: str) -> dict[str, Any]:
    return {
        "workflow": workflow,
        "input.$": "$",
        "execution.$": "$$.Execution.Id",
        "execution_name.$": "$$.Execution.Name",
        "started_at.$": "$$.Execution.StartTime",
    }


def gate_payload(workflow: str, input_path: str) -> dict[str, Any]:
    return {
        "workflow": workflow,
        "input.$": input_path,
        "execution_name.$": "$$.Execution.Name",
        "started_at.$": "$$.Execution.StartTime",
    }


def wait_for_payload(wait_for: str) -> dict[str, Any]:
    return {
        "environment.$": "$.ctx.environment",
        "wait_for": wait_for,
        "deadline.$": "$.poll.deadline",
    }


def loop_payload() -> dict[str, Any]:
    """Input of the handlers that start an environment polling loop."""
    return {
        "environment.$": "$.ctx.environment",
        "bucket.$": "$.ctx.bucket",
        "snapshot_id.$": "$.snapshot.snapshot_id",
        "deadline.$": "$.ctx.deadline",
        "poll_timeout_minutes.$": "$.ctx.poll_timeout_minutes",
    }
