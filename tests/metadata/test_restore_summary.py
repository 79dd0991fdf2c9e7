"""The restore summary: what an import restored, approximated and left out (issue 11)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mwaa_pause_resume.metadata.missed_runs import HeldDag
from mwaa_pause_resume.metadata.restore_summary import (
    ITEMS,
    REPORT_FILE,
    RestoreSummary,
    SummaryInvalid,
    summary_of_note,
)
from mwaa_pause_resume.metadata.summary_from_restores import (
    NO_HISTORY_POSITION,
    full_scope_summary,
    rest_scope_summary,
)

ACTION = "check its last run, then unpause it"


def _held(n: int, length: int = 12) -> list[HeldDag]:
    return [
        HeldDag(f"dag_{i:03d}".ljust(length, "x"), "position unknown", ACTION) for i in range(n)
    ]


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _rest_summary() -> RestoreSummary:
    return rest_scope_summary(
        ("variables", "connections", "pools", "paused_states"),
        {"variables": 3, "connections": 2, "pools": 1},
        paused_states=5,
        dags_missing=1,
    )


def test_add_counts_up_keeps_item_order_and_joins_reasons() -> None:
    summary = RestoreSummary("full")
    summary.add("xcoms", exact=2)
    summary.add("dag_runs", exact=5, approximated=1, reason="start times are the restore's")
    summary.add("dag_runs", exact=1, not_restored=2, reason="collided")
    assert list(summary.items) == ["dag_runs", "xcoms"]  # ITEMS order, not call order
    runs = summary.items["dag_runs"]
    assert (runs.exact, runs.approximated, runs.not_restored) == (6, 1, 2)
    assert runs.reason == "start times are the restore's; collided"
    assert not runs.whole
    assert summary.left_out() == ["dag_runs"]


def test_a_reason_without_counts_leaves_the_item_out_whole() -> None:
    summary = RestoreSummary("rest-only")
    summary.add("task_instances", reason="not in a rest-only snapshot")
    assert summary.items["task_instances"].whole
    assert summary.left_out() == ["task_instances"]
    summary.add("task_instances", exact=4)  # counted later: no longer whole
    assert not summary.items["task_instances"].whole
    assert summary.left_out() == []


@pytest.mark.parametrize(
    ("item", "counts", "match"),
    [
        ("dag_run", {"exact": 1}, "unknown restore item 'dag_run'"),
        ("xcoms", {"exact": -1}, "exact must be a count"),
        ("xcoms", {"not_restored": True}, "not_restored must be a count"),
    ],
)
def test_add_refuses_unknown_items_and_bad_counts(
    item: str, counts: dict[str, Any], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        RestoreSummary("full").add(item, **counts)


def test_scope_and_policy_are_checked() -> None:
    with pytest.raises(ValueError, match="scope"):
        RestoreSummary("partial")
    summary = RestoreSummary("full")
    summary.policy_applied("skip", 2)
    summary.policy_applied("CATCHUP")
    summary.policy_applied("skip")
    assert summary.policies == {"catchup": 1, "skip": 3}  # POLICIES order
    with pytest.raises(ValueError, match="missed_runs must be one of"):
        summary.policy_applied("never")


def test_hold_keeps_one_entry_per_dag() -> None:
    summary = RestoreSummary("full")
    summary.hold(HeldDag("etl", "first", ACTION))
    summary.hold(HeldDag("etl", "second", ACTION))
    assert [(d.dag_id, d.reason) for d in summary.held] == [("etl", "first")]
    assert summary.held_count == 1


def test_report_json_round_trips() -> None:
    summary = _rest_summary()
    summary.policy_applied("latest", 4)
    for dag in _held(3):
        summary.hold(dag)
    data = json.loads(summary.to_text())
    assert data["format_version"] == 1 and data["scope"] == "rest-only"
    assert data["items"]["dag_runs"] == {
        "exact": 0,
        "approximated": 0,
        "not_restored": 0,
        "whole": True,
        "reason": "not in a rest-only snapshot",
    }
    assert data["held"][0] == {
        "dag_id": "dag_000xxxxx",
        "reason": "position unknown",
        "action": ACTION,
    }
    back = RestoreSummary.from_json(data)
    assert back == summary
    assert back.to_json() == data


def test_report_reader_skips_unknown_items_and_refuses_bad_shapes() -> None:
    data = _rest_summary().to_json()
    data["items"]["dag_notes"] = {"exact": 1}  # an item a newer version counts
    assert "dag_notes" not in RestoreSummary.from_json(data).items
    for broken, match in (
        ({**data, "scope": "some"}, "scope"),
        ({**data, "items": []}, "items is not a JSON object"),
        ({**data, "items": {"xcoms": {"exact": -2}}}, "xcoms: -2 is not a count"),
        ({**data, "held": [{"dag_id": "a"}]}, "a held DAG has no"),
        ({**data, "policies": {"skip": "2"}}, "skip"),
    ):
        with pytest.raises(SummaryInvalid, match=match):
            RestoreSummary.from_json(broken)


def test_compact_form_keeps_everything_when_there_is_room() -> None:
    summary = _rest_summary()
    summary.policy_applied("catchup", 7)
    for dag in _held(2):
        summary.hold(dag)
    compact = summary.compact(2000)
    assert compact["items"]["dag_runs"] == [0, 0, None, 0]  # left out whole, reason 0
    assert compact["reasons"][0] == "not in a rest-only snapshot"
    assert NO_HISTORY_POSITION in compact["reasons"]
    assert compact["held"] == ["dag_000xxxxx", "dag_001xxxxx"]
    assert compact["held_actions"] == [ACTION]
    back = RestoreSummary.from_compact(compact)
    assert back.items == summary.items
    assert back.policies == {"catchup": 7}
    assert [d.dag_id for d in back.held] == ["dag_000xxxxx", "dag_001xxxxx"]
    assert back.held_actions == [ACTION] and back.held_more == 0


def test_compact_form_drops_actions_then_ids_then_reasons_never_the_counts() -> None:
    summary = _rest_summary()
    for dag in _held(40, length=60):
        summary.hold(dag)
    full = summary.compact(10_000)
    assert len(full["held"]) == 10 and full["held_more"] == 30  # at most ten ids
    tight = summary.compact(700)
    assert len(_dump(tight)) <= 700
    assert "held_actions" not in tight
    assert 3 <= len(tight["held"]) < 10 and "reasons" in tight
    tighter = summary.compact(450)
    assert len(_dump(tighter)) <= 450
    assert "reasons" not in tighter
    back = RestoreSummary.from_compact(tighter)
    assert back.held_count == 40  # every held DAG is counted, listed or not
    assert back.items["dag_runs"].whole  # still said to be left out, without its reason
    assert back.items["variables"].exact == 3


@given(
    budget=st.integers(min_value=60, max_value=1500),
    held=st.integers(min_value=0, max_value=30),
    id_length=st.integers(min_value=1, max_value=250),
)
def test_compact_form_fits_any_budget_it_can(budget: int, held: int, id_length: int) -> None:
    summary = _rest_summary()
    summary.add("dag_runs", exact=10**9)
    for dag in _held(held, id_length):
        summary.hold(dag)
    compact = summary.compact(budget)
    assert len(_dump(compact)) <= budget
    assert RestoreSummary.from_compact(compact).held_count == held


def test_a_note_without_a_summary_has_none() -> None:
    assert summary_of_note(None) is None
    assert summary_of_note({"status": "success"}) is None
    assert summary_of_note({"summary": {"scope": "odd"}}) is None  # unreadable: not shown
    note = {"status": "success", "summary": _rest_summary().compact(900)}
    summary = summary_of_note(note)
    assert summary is not None and summary.scope == "rest-only"


def test_lines_say_what_was_restored_approximated_and_left_out() -> None:
    summary = _rest_summary()
    summary.add("dag_runs", exact=0)  # counted as nothing restored: not listed as exact
    summary.policy_applied("catchup", 4)
    summary.policy_applied("skip")
    summary.hold(HeldDag("etl", "its position could not be set", ACTION))
    lines = summary.lines()
    assert lines[0] == "Scope: rest-only"
    assert lines[1] == "Restored exactly: variables 3, connections 2, pools 1, paused states 5"
    assert lines[2] == (
        "Not restored: dag runs, task instances, xcoms, asset events (not in a rest-only "
        "snapshot); paused states 1 (their DAGs are not parsed in this environment yet); "
        f"positions ({NO_HISTORY_POSITION})"
    )
    assert lines[3] == "Missed runs: catchup for 4 DAGs, skip for 1 DAG"
    assert lines[4:] == [
        "Left paused: 1 DAG",
        f"  - etl: its position could not be set. {ACTION}",
    ]


def test_lines_of_a_compact_summary_count_the_unlisted_dags() -> None:
    summary = RestoreSummary("full")
    summary.add("dag_runs", exact=10, approximated=2, reason="interrupted by the pause")
    for dag in _held(12):
        summary.hold(dag)
    lines = RestoreSummary.from_compact(summary.compact(2000)).lines()
    assert "Approximated: dag runs 2 (interrupted by the pause)" in lines
    assert "Left paused: 12 DAGs" in lines
    assert f"  - ... and 2 more ({REPORT_FILE} lists them all)" in lines
    assert f"  Action: {ACTION}" in lines


def _table(**counts: int) -> SimpleNamespace:
    base = dict.fromkeys(
        (
            "inserted",
            "updated",
            "matched",
            "kept_target",
            "skipped_with_parent",
            "skipped_conflict",
        ),
        0,
    )
    return SimpleNamespace(**{**base, **counts})


def test_full_scope_summary_from_the_engines_report() -> None:
    report = SimpleNamespace(
        tables={
            "dag_run": _table(inserted=100, kept_target=1),
            "task_instance": _table(inserted=1000, skipped_conflict=2),
            "xcom": _table(inserted=50),
            "dataset_event": _table(inserted=7),  # Airflow 2's asset events
            "variable": _table(inserted=3, updated=1),
            "connection": _table(updated=2),
            "slot_pool": _table(inserted=1, updated=1),
            "log": _table(inserted=999),  # not an item
        },
        interrupted_policy="rerun",
        interrupted_runs=2,
        interrupted_task_instances=5,
        paused_states_applied=40,
        paused_states_pending=["gone"],
        paused_states_kept_busy=["mwaa_import_data", "busy_dag"],
    )
    summary = full_scope_summary(report, own_dags={"mwaa_import_data"})
    assert summary.scope == "full"
    counts = {n: (c.exact, c.approximated, c.not_restored) for n, c in summary.items.items()}
    assert counts == {
        "dag_runs": (98, 2, 1),
        "task_instances": (995, 5, 2),
        "xcoms": (50, 0, 0),
        "asset_events": (7, 0, 0),
        "variables": (4, 0, 0),
        "connections": (2, 0, 0),
        "pools": (2, 0, 0),
        "paused_states": (40, 0, 2),  # the import DAG's own state is not counted
    }
    assert summary.items["dag_runs"].reason == (
        "this environment already had them, kept as they were; "
        "interrupted by the pause: set to run again"
    )
    assert summary.items["task_instances"].reason == (
        "they collided with a row of this environment; interrupted by the pause: set to run again"
    )
    assert "positions" not in summary.items  # the runs are the positions: not claimed here
    assert summary.policies == {} and summary.held == []  # nothing applied them yet
    assert set(summary.items) <= set(ITEMS)
