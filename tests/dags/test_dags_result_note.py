"""The run-note result: compact JSON that always fits Airflow's 1000-character note."""

from __future__ import annotations

import json

from mwaa_pause_resume.dags.result_note import (
    MAX_NOTE_CHARS,
    failure_note,
    parse_note,
    success_note,
)


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
