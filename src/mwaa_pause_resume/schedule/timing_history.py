"""``<env>/timing.json`` in the backup bucket: the measured pauses and resumes a ready-by
resume learns its lead from, and ``status`` shows (pure).

Written by the workflows (functions.resume_timing) at the end of each successful run;
never by synth or deploy, so a redeploy keeps what was learned.
"""

from __future__ import annotations

from typing import Any

TIMING_FILE = "timing.json"
KEPT_RESUMES = 20  # more than lead_time.HISTORY: status shows a few past the lead's window


def timing_key(environment: str) -> str:
    return f"{environment}/{TIMING_FILE}"


def empty() -> dict[str, Any]:
    return {"format_version": 1, "resumes": [], "last_pause_ended_at": None}


def parse(document: Any) -> dict[str, Any]:
    """A readable history from whatever the file held (an unreadable one starts afresh)."""
    if not isinstance(document, dict) or not isinstance(document.get("resumes"), list):
        return empty()
    resumes = [r for r in document["resumes"] if isinstance(r, dict) and _number(r, "duration")]
    ended = document.get("last_pause_ended_at")
    return {
        "format_version": 1,
        "resumes": resumes[-KEPT_RESUMES:],
        "last_pause_ended_at": ended if isinstance(ended, int | float) else None,
    }


def durations(history: dict[str, Any]) -> list[float]:
    """Resume durations in seconds, oldest first."""
    return [float(r["duration"]) for r in history["resumes"]]


def with_resume(history: dict[str, Any], resume: dict[str, Any]) -> dict[str, Any]:
    return {**history, "resumes": [*history["resumes"], resume][-KEPT_RESUMES:]}


def with_pause(history: dict[str, Any], ended_at: float) -> dict[str, Any]:
    return {**history, "last_pause_ended_at": ended_at}


def _number(record: dict[str, Any], key: str) -> bool:
    value = record.get(key)
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
