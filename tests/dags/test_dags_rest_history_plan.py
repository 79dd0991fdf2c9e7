"""The pure plan of one run's task instance changes (dags.rest_history_plan), per version.

The real-Airflow proof that the plan restores a mixed run exactly is in
test_dags_rest_history.py; here: which changes are sent, in which phase, and what each
task instance is predicted to end as.
"""

from __future__ import annotations

from typing import Any

import pytest

from mwaa_pause_resume.dags.rest_history_plan import (
    FIRST_FAILED_PHASE,
    OVERWRITTEN,
    TiChange,
    ancestors_of,
    baseline_state,
    depths_of,
    plan_run,
)

# a -> b -> c -> d (a chain), and e after b (a branch): b's downstream are c and e
CHAIN = {"a": [], "b": ["a"], "c": ["b"], "d": ["c"], "e": ["b"]}


def tis(**states: str | None) -> list[dict[str, Any]]:
    return [{"task_id": t, "map_index": -1, "state": s, "note": None} for t, s in states.items()]


def everywhere(task_id: str, map_index: int) -> bool:
    return True


def summary(changes: list[TiChange]) -> set[tuple[str, str | None, bool, int]]:
    return {(c.task_id, c.new_state, c.include_upstream, c.phase) for c in changes}


@pytest.mark.parametrize(
    ("final", "success_marks_all", "expected"),
    [
        ("success", True, "success"),  # 3.0 and 3.2: set_state(all tasks, SUCCESS)
        ("failed", True, "skipped"),  # pending ones skipped
        ("success", False, "skipped"),  # 3.3: _set_dag_run_terminal_state
        ("failed", False, "skipped"),
    ],
)
def test_the_run_level_change_gives_a_stateless_task_instance(
    final: str, success_marks_all: bool, expected: str
) -> None:
    assert baseline_state(final, success_marks_all=success_marks_all) == expected


# (version line, final, task instance states, expected changes, expected predictions)
CASES = [
    pytest.param(
        True,
        "success",
        {"a": "success", "b": "success", "c": "success", "d": "success", "e": "success"},
        set(),
        id="3.2 uniform success run: the run's state does it all",
    ),
    pytest.param(
        True,
        "success",
        {"a": "success", "b": "success", "c": "success", "d": "success", "e": "skipped"},
        {("e", "skipped", False, 0)},
        id="3.2 success run with a skipped branch: only the branch",
    ),
    pytest.param(
        False,
        "success",
        {"a": "success", "b": "success", "c": "success", "d": "success", "e": "success"},
        {("d", "success", True, 0), ("e", "success", True, 0)},
        id="3.3 uniform success run: the two leaves with include_upstream",
    ),
    pytest.param(
        False,
        "success",
        {"a": "success", "b": "success", "c": "success", "d": "success", "e": "skipped"},
        {("d", "success", True, 0)},
        id="3.3 success run with a skipped branch: the skip is the run's own",
    ),
    pytest.param(
        False,
        "failed",
        {"a": "success", "b": "success", "c": "failed", "d": "upstream_failed", "e": "success"},
        {("e", "success", True, 0), ("c", "failed", False, FIRST_FAILED_PHASE + 2)},
        id="3.3 failed run: success closure, then the failure; upstream_failed left skipped",
    ),
    pytest.param(
        True,
        "failed",
        {"a": "success", "b": "failed", "c": "upstream_failed", "d": None, "e": "skipped"},
        {("a", "success", True, 0), ("b", "failed", False, FIRST_FAILED_PHASE + 1)},
        id="3.2 failed run: closure on a, then b failed",
    ),
    pytest.param(
        True,
        "success",
        {"a": "success", "b": "failed", "c": "success", "d": "success", "e": "success"},
        {("b", "failed", False, FIRST_FAILED_PHASE + 1)},
        id="3.2 success run with a failed task (a trigger rule let the rest run)",
    ),
]


@pytest.mark.parametrize(("marks_all", "final", "states", "changes"), CASES)
def test_only_what_the_runs_state_does_not_give_is_sent(
    marks_all: bool, final: str, states: dict[str, str | None], changes: set[Any]
) -> None:
    plan = plan_run(
        final, tis(**states), success_marks_all=marks_all, upstream=CHAIN, addressable=everywhere
    )
    assert summary(plan.changes) == changes
    for task, state in states.items():
        want = state if state in ("success", "failed", "skipped") else "skipped"
        predicted, outcome, _ = plan.predicted[(task, -1)]
        assert predicted == want
        assert outcome == ("exact" if state == want else "approximated")


def test_failed_changes_come_after_the_others_upstream_first() -> None:
    # two failures on one path (a trigger rule ran d after c failed): c before d, both
    # after the success of a and b, whose changes would clear a failed task downstream
    states = {"a": "success", "b": "success", "c": "failed", "d": "failed", "e": "skipped"}
    plan = plan_run("failed", tis(**states), success_marks_all=False, upstream=CHAIN,
                    addressable=everywhere)  # fmt: skip
    phase = {c.task_id: c.phase for c in plan.changes}
    assert phase["b"] == 0 < FIRST_FAILED_PHASE + 2 == phase["c"] < phase["d"]


def test_a_closure_is_named_by_an_unmapped_task_and_covers_mapped_upstream_ones() -> None:
    rows = [
        {"task_id": "a", "map_index": 0, "state": "success", "note": None},
        {"task_id": "a", "map_index": 1, "state": "success", "note": "mine"},
        {"task_id": "b", "map_index": -1, "state": "success", "note": None},
    ]
    plan = plan_run("success", rows, success_marks_all=False, upstream={"a": [], "b": ["a"]},
                    addressable=everywhere)  # fmt: skip
    closure = [c for c in plan.changes if c.include_upstream]
    assert [(c.task_id, c.covers) for c in closure] == [("b", (("b", -1), ("a", 0), ("a", 1)))]
    # the covered task instance's note is a change of its own, without a state
    assert [(c.task_id, c.map_index, c.new_state, c.note) for c in plan.changes[1:]] == [
        ("a", 1, None, "mine")
    ]
    assert plan.decided_by[("a", 0)] == ("b", -1)


def test_without_the_dags_structure_every_change_is_its_own() -> None:
    plan = plan_run(
        "success",
        tis(a="success", b="success"),
        success_marks_all=False,
        upstream=None,
        addressable=everywhere,
        order={"a": 0, "b": 1},
    )
    assert summary(plan.changes) == {("a", "success", False, 0), ("b", "success", False, 0)}


def test_a_task_instance_no_route_reaches_keeps_what_the_runs_state_gave() -> None:
    plan = plan_run(
        "failed",
        tis(a="success", b="failed"),
        success_marks_all=True,
        upstream={"a": [], "b": ["a"]},
        addressable=lambda task, index: task == "a",
        unaddressable_reason="path limit",
    )
    assert summary(plan.changes) == {("a", "success", True, 0)}
    assert plan.predicted[("b", -1)] == ("skipped", "not_restored", "path limit")


def test_a_note_alone_is_sent_without_a_state() -> None:
    rows = tis(a="success")
    rows[0]["note"] = "keep me"
    plan = plan_run("success", rows, success_marks_all=True, upstream={"a": []},
                    addressable=everywhere)  # fmt: skip
    assert [(c.new_state, c.note) for c in plan.changes] == [(None, "keep me")]


def test_a_run_set_after_its_task_instances_before_3_3_is_all_success() -> None:
    # a teardown task kept the run from finishing: its state is set after the changes,
    # and before 3.3 that marks every task instance success
    current = {("a", -1): "success", ("b", -1): "success", ("td", -1): None}
    plan = plan_run(
        "success",
        tis(a="success", b="skipped", td="success"),
        success_marks_all=True,
        upstream={"a": [], "b": ["a"], "td": ["b"]},
        addressable=everywhere,
        current=current,
        run_state_last=True,
    )
    assert summary(plan.changes) == {("td", "success", False, 0)}
    assert plan.predicted[("b", -1)] == ("success", "approximated", OVERWRITTEN)


def test_a_run_planned_from_its_read_back_states_on_3_3() -> None:
    current = {("a", -1): "skipped", ("td", -1): None}
    plan = plan_run(
        "success",
        tis(a="skipped", td="success"),
        success_marks_all=False,
        upstream={"a": [], "td": ["a"]},
        addressable=everywhere,
        current=current,
        run_state_last=True,
    )
    assert summary(plan.changes) == {("td", "success", False, 0)}


def test_a_run_the_position_marker_took_over_is_planned_from_what_it_left() -> None:
    """The marker backfill clears the restored run at its date and finishes it; the
    import restores it again from its task instances as read back (rest_history
    HistoryRestore.restore_again). Before 3.3 the run's state comes first (a success
    run marks every task instance success, a failed one keeps finished ones): here all
    success after the marker's success."""
    chain = {"a": [], "b": ["a"], "c": ["b"]}
    before_3_3 = plan_run(
        "failed",
        tis(a="success", b="failed", c="upstream_failed"),
        success_marks_all=True,
        upstream=chain,
        addressable=everywhere,
        current={("a", -1): "success", ("b", -1): "success", ("c", -1): "success"},
    )
    assert summary(before_3_3.changes) == {
        ("c", "skipped", False, 0),
        ("b", "failed", False, FIRST_FAILED_PHASE + 1),
    }
    # 3.3: the marker's state skipped them all; the run's state is set after the changes
    on_3_3 = plan_run(
        "success",
        tis(a="success", b="success", c="success"),
        success_marks_all=False,
        upstream=chain,
        addressable=everywhere,
        current={("a", -1): "skipped", ("b", -1): "skipped", ("c", -1): "skipped"},
        run_state_last=True,
    )
    assert summary(on_3_3.changes) == {("c", "success", True, 0)}
    assert {k: v[0] for k, v in on_3_3.predicted.items()} == {
        ("a", -1): "success",
        ("b", -1): "success",
        ("c", -1): "success",
    }


def test_graph_helpers() -> None:
    assert ancestors_of(CHAIN)["d"] == {"a", "b", "c"}
    assert depths_of(CHAIN) == {"a": 0, "b": 1, "c": 2, "d": 3, "e": 2}
