"""The documented expectations and the difference shown (pure: rows made by hand)."""

from __future__ import annotations

from mwaa_pause_resume.metadata.restore_guard import EVENT
from mwaa_pause_resume.sandbox.row_diff import (
    EXAMPLE_VALUE_CHARS,
    compare_tables,
    expected_after_restore,
)
from mwaa_pause_resume.sandbox.row_normalise import NormalTable, _blur_retyped
from mwaa_pause_resume.sandbox.row_rules import Row


def row(**values: str | None) -> Row:
    return tuple(sorted(values.items()))


def table(*rows: Row) -> dict[str, NormalTable]:
    return {"t": NormalTable(rows, frozenset())}


def test_work_cut_off_by_the_pause_is_expected_back_as_the_restore_documents_it() -> None:
    running = row(task_id="a", state="running", max_tries="2", pid="42", end_date=None)
    deferred = row(task_id="b", state="deferred", max_tries="2", trigger_id="trigger(x)")
    assert expected_after_restore("task_instance", [running, deferred]) == [
        row(task_id="a", state=None, max_tries="3", pid=None, end_date=None),
        deferred,  # waiting work carries on as it was ("rerun")
    ]
    assert expected_after_restore("dag_run", [row(run_id="r", state="running", end_date="x")]) == [
        row(run_id="r", state="queued", end_date=None)
    ]
    assert expected_after_restore("job", [row(job_type="SchedulerJob", state="running")]) == [
        row(job_type="SchedulerJob", state="failed")
    ]
    assert expected_after_restore("trigger", [row(classpath="c", triggerer_id="job(t)")]) == [
        row(classpath="c", triggerer_id=None)
    ]
    finished = row(task_id="c", state="success", max_tries="2")
    assert expected_after_restore("task_instance", [finished]) == [finished]


def test_the_restores_own_audit_row_is_the_targets_but_no_other_new_row_is() -> None:
    kept = row(event="trigger", dag_id="etl", dttm="t1")
    own = row(event=EVENT, dag_id=None, dttm="t9")
    stray = row(event="cli_users_delete", dag_id=None, dttm="t9")
    before = {"log": NormalTable((kept,), frozenset({"dttm"}))}
    result = compare_tables(before, {"log": NormalTable((kept, own), frozenset())}, {})
    assert (result["log"].equal, result["log"].made_by_target) == (True, 1)
    result = compare_tables(before, {"log": NormalTable((kept, own, stray), frozenset())}, {})
    assert result["log"].equal is False
    assert result["log"].example == (
        "row not in the paused environment: log(dttm='t9', event='cli_users_delete')"
    )


def test_a_baseline_row_explains_extra_rows_only_in_tables_the_restore_adds_to() -> None:
    fresh = row(event="cli_dags_reserialize", dttm="t0")
    again = row(event="cli_dags_reserialize", dttm="t5")
    stamps = frozenset({"dttm"})
    result = compare_tables(
        {"log": NormalTable((), stamps), "variable": NormalTable((), frozenset())},
        {
            "log": NormalTable((again,), stamps),
            "variable": NormalTable((row(key="k"),), frozenset()),
        },
        {
            "log": NormalTable((fresh,), stamps),
            "variable": NormalTable((row(key="k"),), frozenset()),
        },
    )
    assert (result["log"].equal, result["log"].made_by_target) == (True, 1)
    # variable is merged: a row the paused environment did not have is a difference
    assert (result["variable"].equal, result["variable"].after) == (False, 1)


def test_the_difference_shows_the_changed_columns_of_the_nearest_row_shortened() -> None:
    long_before = "x" * 500
    before = row(key="k", val=long_before, description="d")
    after = row(key="k", val="y" * 500, description="d")
    result = compare_tables(table(before, row(key="other")), table(after, row(key="other")), {})
    example = result["t"].example
    assert example is not None
    assert example.startswith("row t(key='k') differs: val 'xxx")
    assert len(example) < 3 * EXAMPLE_VALUE_CHARS
    assert (result["t"].before, result["t"].after, result["t"].matching) == (2, 2, 1)


def test_position_markers_are_the_restores_own_rows_and_retyped_runs_compare_equal() -> None:
    """missed_runs=latest/skip: the markers and their notes are the restore's; an
    unfinished automated run that came back as a manual one (Airflow < 3.2) is equal."""
    from mwaa_pause_resume.metadata.position_sql import MARKER_RUN_ID_PREFIX

    kept = row(dag_id="h", run_id="scheduled__1", run_type="scheduled", state="success")
    marker = row(
        dag_id="h", run_id=MARKER_RUN_ID_PREFIX + "x", run_type="backfill", state="success"
    )
    note = row(dag_run_id=f"dag_run(dag_id=h, run_id={MARKER_RUN_ID_PREFIX}x)", content="m")
    before = {
        "dag_run": NormalTable((kept,), frozenset()),
        "dag_run_note": NormalTable((), frozenset()),
    }
    after = {
        "dag_run": NormalTable((kept, marker), frozenset()),
        "dag_run_note": NormalTable((note,), frozenset()),
    }
    result = compare_tables(before, after, {})
    assert [(result[t].equal, result[t].made_by_target) for t in after] == [(True, 1), (True, 1)]

    blurred = {"state": "queued", "run_type": "scheduled"}
    _blur_retyped(blurred)
    retyped = {"state": "queued", "run_type": "manual"}
    _blur_retyped(retyped)
    assert blurred == retyped
