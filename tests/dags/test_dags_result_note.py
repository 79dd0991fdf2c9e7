"""The run-note result: compact JSON that always fits Airflow's 1000-character note."""

from __future__ import annotations

import json

from mwaa_pause_resume.dags.result_note import (
    MAX_NOTE_CHARS,
    failure_note,
    parse_note,
    success_note,
)
from mwaa_pause_resume.metadata.missed_runs import HeldDag
from mwaa_pause_resume.metadata.restore_summary import RestoreSummary, summary_of_note
from mwaa_pause_resume.metadata.summary_from_restores import rest_scope_summary


def test_success_note_fields() -> None:
    text = success_note("s3://b/p/", tables=12, rows=3456, interrupted=2)
    assert json.loads(text) == {
        "status": "success",
        "snapshot": "s3://b/p/",
        "tables": 12,
        "rows": 3456,
        "interrupted": 2,
    }
    assert " " not in text  # compact separators


def test_failure_note_shortens_long_error_to_fit() -> None:
    text = failure_note("export", "boom " * 1000, snapshot="s3://bucket/" + "p" * 2000)
    assert len(text) <= MAX_NOTE_CHARS
    value = json.loads(text)
    assert value["status"] == "failed" and value["step"] == "export"
    assert value["error"].startswith("boom boom") and value["error"].endswith("...")


def test_failure_note_with_escaped_characters_still_fits() -> None:
    text = failure_note("drain", '"\\\n' * 900, paused_restored=3)
    assert len(text) <= MAX_NOTE_CHARS
    assert json.loads(text)["paused_restored"] == 3


def test_long_snapshot_in_success_note_is_shortened() -> None:
    text = success_note("s3://b/" + "x" * 1500, tables=1, rows=1, interrupted=0)
    assert len(text) <= MAX_NOTE_CHARS
    assert json.loads(text)["rows"] == 1


def test_parse_note_accepts_ours_only() -> None:
    assert parse_note(success_note("x", tables=1, rows=2, interrupted=0))["rows"] == 2  # type: ignore[index]
    assert parse_note(None) is None
    assert parse_note("investigated by Bob") is None
    assert parse_note('{"status": "whatever"}') is None
    assert parse_note("[1, 2]") is None


def _summary(held: int, id_length: int = 40) -> RestoreSummary:
    summary = rest_scope_summary(
        ("variables", "connections", "pools", "paused_states"),
        {"variables": 3, "connections": 2, "pools": 1},
        paused_states=5,
        dags_missing=0,
    )
    summary.policy_applied("catchup", 9)
    for i in range(held):
        summary.hold(HeldDag(f"dag_{i}".ljust(id_length, "x"), "no position", "unpause it"))
    return summary


def test_success_note_carries_the_restore_summary() -> None:
    summary = _summary(held=2)
    text = success_note(
        "s3://b/dev/S/",
        tables=3,
        rows=6,
        interrupted=0,
        summary=summary,
        report="import-report.json",
    )
    note = json.loads(text)
    assert note["report"] == "import-report.json"
    back = summary_of_note(note)
    assert back is not None
    assert back.items == summary.items  # reasons included: there was room
    assert [d.dag_id for d in back.held] == [d.dag_id for d in summary.held]
    assert back.policies == {"catchup": 9}


def test_success_note_with_a_summary_fits_whatever_the_snapshot_and_extras() -> None:
    longest = "s3://" + "b" * 63 + "/" + "e" * 80 + "/20261125T170200Z-1a2b/"
    extras = {
        f"{kind}_{what}": 10**6
        for kind in ("variables", "connections", "pools")
        for what in ("created", "updated")
    }
    text = success_note(
        longest,
        tables=3,
        rows=10**7,
        interrupted=0,
        scope="rest-only",
        dags_unpaused=10**4,
        dags_paused=10**4,
        dags_missing=10**4,
        summary=_summary(held=200, id_length=250),
        **extras,
    )
    assert len(text) <= MAX_NOTE_CHARS
    note = json.loads(text)
    back = summary_of_note(note)
    assert back is not None and back.held_count == 200  # every held DAG counted
    assert back.items["variables"].exact == 3
    assert note["snapshot"] == longest  # the summary took the room left, not the location
