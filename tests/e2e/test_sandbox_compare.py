"""The sandbox's comparison rule and its report (pure: no database, no AWS)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from mwaa_pause_resume.cli.sandbox_cmd import print_result
from mwaa_pause_resume.sandbox.environment_comparison import EnvironmentState, compare
from mwaa_pause_resume.sandbox.liveness import FAILED, NOT_RESTORED, PASSED, Check, Liveness
from mwaa_pause_resume.sandbox.rest_history_check import HistoryCheck
from mwaa_pause_resume.sandbox.result import SandboxResult, WorkflowOutcome
from mwaa_pause_resume.sandbox.row_normalise import NormalTable
from mwaa_pause_resume.sandbox.row_rules import Row


def rows(count: int, **columns: str) -> NormalTable:
    """``count`` distinct rows of one table (a ``n`` column numbers them)."""
    made: list[Row] = [tuple(sorted({**columns, "n": str(i)}.items())) for i in range(count)]
    return NormalTable(tuple(made), frozenset({"created_at"}))


def state(
    tables: dict[str, NormalTable],
    *,
    paused: dict[str, bool] | None = None,
    secrets: dict[str, str | None] | None = None,
    undecryptable: list[str] | None = None,
) -> EnvironmentState:
    return EnvironmentState(
        tables,
        paused if paused is not None else {"a": True, "b": False},
        secrets if secrets is not None else {"variable x": "1"},
        undecryptable or [],
    )


def test_rows_the_new_environment_made_itself_count_only_for_added_tables() -> None:
    # dag_version (insert): the target parsed its DAGs itself -> 2 rows like a fresh
    # environment's own, timestamps aside, are not counted.
    # dag (merge): every row must match; an extra one is a difference.
    fresh = state({"dag_version": rows(2, dag_id="own", created_at="t0")})
    history = {"dag_version": rows(3, dag_id="etl"), "dag_run": rows(4, run_id="r")}
    before = state({**history, "dag": rows(2, dag_id="d")})
    after = state(
        {
            **history,
            "dag_version": NormalTable(
                history["dag_version"].rows + rows(2, dag_id="own", created_at="t9").rows,
                frozenset({"created_at"}),
            ),
            "dag": rows(2, dag_id="d"),
        }
    )
    result = compare(before, after, fresh)
    assert {
        n: (t.before, t.after, t.matching, t.made_by_target, t.equal)
        for n, t in result.tables.items()
    } == {
        "dag": (2, 2, 2, 0, True),
        "dag_run": (4, 4, 4, 0, True),
        "dag_version": (3, 3, 3, 2, True),
    }
    assert result.restored_equal
    extra_dag = compare(before, state({**history, "dag": rows(3, dag_id="d")}), fresh)
    assert extra_dag.tables["dag"].equal is False
    assert extra_dag.tables["dag"].example == (
        "row not in the paused environment: dag(dag_id='d', n='2')"
    )


def test_every_difference_is_named() -> None:
    before = state(
        {"connection": rows(3, conn_id="c"), "xcom": rows(1, key="k")},
        secrets={"variable x": "1", "variable y": "2"},
    )
    after = state(
        {"connection": rows(0), "xcom": rows(1, key="k")},
        paused={"a": False, "b": False},
        secrets={"variable x": "changed"},
        undecryptable=["variable y"],
    )
    result = compare(before, after, state({}))
    assert not result.restored_equal
    assert result.differences == [
        "table connection: 3 rows before, 0 after, 0 matching; row missing after resume: "
        "connection(conn_id='c', n='0')",
        "secret variable y cannot be decrypted with the new key",
        "secret variable x differs",
        "DAG a: paused True before, False after",
    ]


def test_report_names_what_differs(tmp_path: Path) -> None:
    comparison = compare(
        state({"connection": rows(3, conn_id="c")}), state({"connection": rows(0)}), state({})
    )
    result = SandboxResult(
        "2.10.3",
        tmp_path,
        kept=False,
        pause=WorkflowOutcome("SUCCEEDED", 4.0),
        resume=WorkflowOutcome("SUCCEEDED", 9.0),
        comparison=comparison,
        fernet_key_changed=True,
    )
    out = Console(record=True, width=160)
    print_result(out, result)
    text = out.export_text()
    assert "Not restored equal" in text
    assert "table connection: 3 rows before, 0 after, 0 matching" in text
    assert result.to_json()["tables"] == {
        "connection": {
            "before": 3,
            "after": 0,
            "matching": 0,
            "made_by_target": 0,
            "equal": False,
            "difference": "row missing after resume: connection(conn_id='c', n='0')",
        }
    }
    assert result.to_json()["restored_equal"] is False


def test_a_failed_workflow_is_never_restored_equal(tmp_path: Path) -> None:
    result = SandboxResult(
        "3.0.6", tmp_path, kept=False, pause=WorkflowOutcome("FAILED", 3.0, "ExportFailed", "x")
    )
    assert not result.restored_equal
    assert result.differences[0] == "the pause workflow ended FAILED: ExportFailed x"


def equal_result(tmp_path: Path, **changes: object) -> SandboxResult:
    table = {"variable": rows(2, key="v")}
    result = SandboxResult(
        "3.3.1",
        tmp_path,
        kept=False,
        pause=WorkflowOutcome("SUCCEEDED", 4.0),
        resume=WorkflowOutcome("SUCCEEDED", 9.0),
        comparison=compare(state(table), state(table), state({})),
        fernet_key_changed=True,
    )
    for name, value in changes.items():
        setattr(result, name, value)
    return result


def test_a_failed_liveness_check_fails_the_run_and_is_named(tmp_path: Path) -> None:
    live = Liveness(
        checks=[
            Check("scheduler heartbeats", PASSED, "healthy"),
            Check("a new manual run of sample_etl succeeds", FAILED, "run r ended failed"),
        ]
    )
    result = equal_result(tmp_path, liveness=live)
    assert result.restored_equal is True and result.passed is False
    report = result.to_json()
    assert (report["passed"], report["liveness"]["passed"]) == (False, False)
    assert live.failures == [
        "liveness: a new manual run of sample_etl succeeds: run r ended failed"
    ]
    out = Console(record=True, width=160)
    print_result(out, result)
    assert "FAILED a new manual run of sample_etl succeeds: run r ended failed" in out.export_text()


def test_no_liveness_report_is_never_a_pass(tmp_path: Path) -> None:
    assert equal_result(tmp_path).passed is False
    assert Liveness().passed is False  # no check ran: nothing was shown to work


def test_a_rest_only_snapshot_says_plainly_what_it_did_not_restore(tmp_path: Path) -> None:
    live = Liveness(checks=[Check("the deferred task finished", NOT_RESTORED, "rest-only")])
    checked = HistoryCheck(runs_checked=3, task_instances_checked=7)
    result = equal_result(tmp_path, scope="rest-only", liveness=live, rest_history=checked)
    assert result.passed is True  # what the scope carries came back, and Airflow works
    assert "XComs" in result.to_json()["not_restored"]
    assert result.to_json()["rest_history"]["runs_checked"] == 3
    out = Console(record=True, width=200)
    print_result(out, result)
    text = out.export_text()
    assert "Not restored (rest-only scope): XComs" in text
    assert "3 runs and 7 task instances checked row by row" in text
    assert "Everything in the snapshot's scope was restored equal" in text
    assert equal_result(tmp_path, scope="full", liveness=live).not_restored == {}


def test_a_rest_only_resume_fails_when_its_run_history_breaks_a_promise(tmp_path: Path) -> None:
    live = Liveness(checks=[Check("scheduler heartbeats", PASSED, "healthy")])
    unchecked = equal_result(tmp_path, scope="rest-only", liveness=live)
    assert unchecked.passed is False
    assert "run history: no restored run was checked" in " ".join(unchecked.differences)
    broken = HistoryCheck(runs_checked=1, problems=["run ('d', 'r'): not restored"])
    result = equal_result(tmp_path, scope="rest-only", liveness=live, rest_history=broken)
    assert result.passed is False
    assert "run history: run ('d', 'r'): not restored" in result.differences


def test_a_full_snapshot_through_the_rest_channel_is_held_to_the_rest_promises(
    tmp_path: Path,
) -> None:
    """An Airflow 2 snapshot resumed on Airflow 3 without task database access: what the
    REST channel leaves out is named, and its run history must have been checked."""
    live = Liveness(checks=[Check("scheduler heartbeats", PASSED, "healthy")])
    unchecked = equal_result(tmp_path, scope="full", liveness=live)
    unchecked.channel = "rest-api"
    assert unchecked.passed is False and "XComs" in unchecked.not_restored
    assert "run history: no restored run was checked" in " ".join(unchecked.differences)
    checked = equal_result(
        tmp_path, scope="full", liveness=live, rest_history=HistoryCheck(runs_checked=2)
    )
    checked.channel = "rest-api"
    assert checked.passed is True and checked.to_json()["channel"] == "rest-api"
    out = Console(record=True, width=200)
    print_result(out, checked)
    assert "Not restored (a full snapshot through the REST API" in out.export_text()
    database = equal_result(tmp_path, scope="full", liveness=live)
    database.channel = "database"
    assert database.not_restored == {} and database.passed is True
