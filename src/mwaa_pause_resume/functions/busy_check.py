"""The run gate's busy check (``when_busy``): are DAG runs running in the environment?

Asked by the state machine only when :mod:`.run_gate` answered ``check_busy`` (a
scheduled pause, ``when_busy`` other than ``drain``, the environment AVAILABLE). A
function of its own because it calls InvokeRestApi and nothing else, so it can join
``[deployment] lambda_subnet_ids`` with the other REST callers (infra.capabilities.joins_vpc).

Input: as :mod:`.run_gate`'s. Output: the same shape, with decision ``proceed``,
``skip`` or ``postpone`` (:func:`.run_gate.decide` with the count). A REST error does
not fail the pause: it drains, as ``when_busy = drain`` would, and says why (throttling
and 5xx answers are raised, for the state's Retry).
"""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.functions import airflow_api, errors, spoke_session
from mwaa_pause_resume.functions.run_gate import PROCEED, Facts, GateEvent, decide


def running_runs(environment: str) -> int:
    """DAG runs in state ``running`` across every DAG (one page of one row: the count)."""
    answer = airflow_api.call(
        environment, "GET", "/dags/~/dagRuns", query={"state": "running", "limit": 1}
    )
    body = airflow_api.expect_ok(answer, environment, "list the running DAG runs")
    return int(body.get("total_entries") or 0) if isinstance(body, dict) else 0


@spoke_session.acting_in_placement
def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    gate = GateEvent.read(event)
    try:
        count = running_runs(gate.ctx["environment"])
    except (errors.AwsThrottled, errors.AwsUnavailable):
        raise  # transient: the state's Retry asks again
    except errors.WorkflowError as exc:
        return gate.answer(PROCEED, f"could not count running DAG runs ({exc}): draining", 0)
    facts = Facts(gate.now, running_runs=count, postponed_since=gate.postponed_since)
    return gate.answer(*decide(gate.workflow, gate.ctx, facts))
