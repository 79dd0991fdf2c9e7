"""The sandbox's row-by-row check of a rest-only resume's run history (pure)."""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.sandbox.rest_history_check import History, check_history

SHORT = ("etl", "ok")
# PATCH /dags/{dag}/dagRuns/{run} cannot fit even with a 12-character digest id
LONG = ("a_dag_with_a_very_long_name_abcdefghijkl", "manual__long_run_id__")


def run(dag_id: str, run_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "dag_id": dag_id,
        "dag_run_id": run_id,
        "logical_date": "2025-01-02T00:00:00Z",
        "data_interval_start": "2025-01-01T00:00:00Z",
        "data_interval_end": "2025-01-02T00:00:00Z",
        "run_after": "2025-01-02T00:00:00Z",
        "run_type": "scheduled",
        "conf": {},
        "state": "success",
        "note": None,
        "end_date": "2025-01-02T00:01:00Z",
        **fields,
    }


def ti(key: tuple[str, str], task_id: str, state: str | None, note: str | None = None) -> Any:
    return (*key, task_id, -1), {"state": state, "note": note}


def history(runs: list[dict[str, Any]], tis: list[Any]) -> History:
    return History({(r["dag_id"], r["dag_run_id"]): r for r in runs}, dict(tis))


def restored(before: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**before, "run_type": "manual", "end_date": "2026-12-02T13:00:00Z", **fields}


def test_what_docs_airflow3_promises_on_3_2_passes() -> None:
    before = history(
        [run(*SHORT, note="n"), run(*LONG), run("etl", "was_running", state="running")],
        [ti(SHORT, "a", "success", "ti"), ti(SHORT, "b", "upstream_failed")],
    )
    after = history(
        [
            restored(run(*SHORT, note="n"), conf=None),
            restored(run("etl", "was_running"), state="failed", note="restored as failed"),
        ],
        [ti(SHORT, "a", "success", "ti"), ti(SHORT, "b", "skipped")],
    )
    check = check_history(before, after, "3.2.1")
    assert check.problems == [] and check.passed
    assert (check.runs_checked, check.runs_absent_as_documented) == (2, 1)
    assert check.task_instances_checked == 2


def test_each_broken_promise_is_named_by_row() -> None:
    before = history(
        [run(*SHORT, note="n"), run(*LONG), run("etl", "was_running", state="running")],
        [ti(SHORT, "a", "success", "ti"), ti(SHORT, "b", "failed")],
    )
    after = history(
        [
            restored(run(*SHORT, note="other"), run_after="2025-01-03T00:00:00Z"),
            restored(run("etl", "was_running"), state="queued"),
        ],
        [ti(SHORT, "a", "success", None), ti(SHORT, "b", "skipped")],
    )
    problems = check_history(before, after, "3.3.1").problems
    assert (
        "run ('a_dag_with_a_very_long_name_abcdefghijkl', 'manual__long_run_id__'): not restored"
        in problems
    )
    assert any("run_after" in p for p in problems) and any("note 'n'" in p for p in problems)
    assert "run ('etl', 'was_running'): in flight at the pause, now queued" in problems
    assert "run ('etl', 'was_running'): left queued (it would run on unpause)" in problems
    assert "task instance ('etl', 'ok', 'a', -1): note None" in problems
    assert any("('etl', 'ok', 'b', -1): failed became skipped" in p for p in problems)


def test_on_3_0_the_run_state_decides_task_instances_whose_path_cannot_fit() -> None:
    key = ("etl", "run_" + "x" * 30)  # …/taskInstances/task: 30 + 3 + 34 + 4 > 64
    before = history([run(*key)], [ti(key, "task", "skipped")])
    after = history([restored(run(*key))], [ti(key, "task", "success")])
    assert check_history(before, after, "3.0.6").problems == []
    assert check_history(before, after, "3.2.1").problems != []


def test_an_automated_run_is_looked_for_under_its_manual_id() -> None:
    """Airflow refuses a manual run whose id starts scheduled__ (reserved for scheduled
    runs): it is restored as manual__…, the rest of its id kept."""
    key = ("etl", "scheduled__2025-01-02T00:00:00+00:00")
    before = history([run(*key)], [ti(key, "a", "success")])
    moved = ("etl", "manual__2025-01-02T00:00:00+00:00")
    after = history([restored(run(*moved))], [ti(moved, "a", "success")])
    check = check_history(before, after, "3.2.1")
    assert check.problems == [] and check.task_instances_checked == 1
    assert check_history(before, history([restored(run(*key))], []), "3.2.1").problems


def test_a_run_id_too_long_before_3_3_is_looked_for_shortened() -> None:
    key = ("sample_etl", "manual__2026-12-02T14:00:15.635174+00:00")  # 16 + 10 + 40 > 64
    before = history([run(*key, run_type="manual")], [ti(key, "a", "success")])
    short = ("sample_etl", "manual__2026-12-02T14:00:15")
    after = history([restored(run(*short, run_type="manual"))], [ti(short, "a", "success")])
    check = check_history(before, after, "3.2.1")
    assert check.problems == [] and (check.runs_checked, check.task_instances_checked) == (1, 1)
    # 3.3 sets states in bulk: the id is kept whole
    assert check_history(before, after, "3.3.1").problems


def test_the_run_the_position_marker_took_over_is_checked_as_any_other_but_its_type() -> None:
    """The marker backfill takes the restored run at its date over in place (a backfill
    run); the import restores it again, so its note, state and task instances must be
    the snapshot's (docs/airflow3-position.md)."""
    from mwaa_pause_resume.dags.rest_position import MARKER_NOTE

    key = ("etl", "scheduled__2025-01-02T00:00:00+00:00")
    moved = ("etl", "manual__2025-01-02T00:00:00+00:00")
    before = history([run(*key, note="mine")], [ti(key, "a", "success", "ti")])
    backfill = restored(run(*moved, note="mine"), run_type="backfill")
    after = history([backfill], [ti(moved, "a", "success", "ti")])
    assert check_history(before, after, "3.3.1").problems == []
    # what the marker alone left: its note, its state, skipped task instances
    marker_note = {**backfill, "note": MARKER_NOTE}
    assert check_history(before, history([marker_note], [ti(moved, "a", "success", "ti")]),
                         "3.3.1").problems  # fmt: skip
    skipped = history([backfill], [ti(moved, "a", "skipped", "ti")])
    assert check_history(before, skipped, "3.3.1").problems
    failed = history([{**backfill, "state": "failed"}], [ti(moved, "a", "success", "ti")])
    assert check_history(before, failed, "3.2.1").problems
    scheduled = restored(run(*moved, note="mine"), run_type="scheduled")  # not ours
    assert check_history(before, history([scheduled], [ti(moved, "a", "success", "ti")]),
                         "3.3.1").problems  # fmt: skip


def test_dates_compare_as_instants() -> None:
    before = history([run(*SHORT, logical_date="2025-01-02T00:00:00+00:00")], [])
    after = history([restored(run(*SHORT), logical_date="2025-01-02T00:00:00Z")], [])
    assert check_history(before, after, "3.3.1").problems == []
