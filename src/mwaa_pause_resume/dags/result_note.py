"""The result a DAG run publishes in its note, read by the workflows via the REST API.

``GET /dags/{dag_id}/dagRuns/{run_id}`` returns the run's ``note`` on Airflow 2
and 3; the note column holds at most 1000 characters, so the JSON is compact
and long values (error text, snapshot location) are shortened to fit.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mwaa_pause_resume.metadata.restore_summary import RestoreSummary

MAX_NOTE_CHARS = 1000
# The summary keeps at least this much of the note, whatever else it holds (a long
# snapshot location is shortened rather than the summary dropped).
MIN_SUMMARY_CHARS = 400
SUCCESS = "success"
FAILED = "failed"
_ELLIPSIS = "..."


def _dump(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)


def _fit(payload: dict[str, Any], shrinkable: tuple[str, ...]) -> str:
    """Serialise ``payload``; share the space left fairly among the ``shrinkable`` strings."""
    text = _dump(payload)
    if len(text) <= MAX_NOTE_CHARS:
        return text
    names = [k for k in shrinkable if isinstance(payload.get(k), str)]
    fixed = len(_dump({**payload, **dict.fromkeys(names, "")}))
    budget = MAX_NOTE_CHARS - fixed - len(_ELLIPSIS) * len(names)
    # Short fields keep their full length; the rest split what remains.
    for i, name in enumerate(sorted(names, key=lambda n: len(_dump(payload[n])))):
        share = budget // (len(names) - i)
        value = str(payload[name])
        if len(_dump(value)) - 2 > share:
            while value and len(_dump(value)) - 2 > share:  # escaped length counts
                value = value[: min(len(value) - 1, max(share, 0))]
            payload[name] = value + _ELLIPSIS
        budget -= len(_dump(payload[name])) - 2
    return _dump(payload)


def success_note(
    snapshot: str,
    *,
    tables: int,
    rows: int,
    interrupted: int,
    summary: RestoreSummary | None = None,
    **extra: Any,
) -> str:
    """The success note; with ``summary`` (an import's), its compact form under
    ``"summary"`` in whatever space the rest leaves (at least :data:`MIN_SUMMARY_CHARS`)."""
    payload: dict[str, Any] = {
        "status": SUCCESS,
        "snapshot": snapshot,
        "tables": tables,
        "rows": rows,
        "interrupted": interrupted,
        **extra,
    }
    if summary is not None:
        room = MAX_NOTE_CHARS - len(_dump(payload)) - len(',"summary":')
        payload["summary"] = summary.compact(max(room, MIN_SUMMARY_CHARS))
    return _fit(payload, ("snapshot",))


def failure_note(step: str, error: str, *, snapshot: str | None = None, **extra: Any) -> str:
    payload: dict[str, Any] = {"status": FAILED, "step": step, "error": error, **extra}
    if snapshot is not None:
        payload["snapshot"] = snapshot
    return _fit(payload, ("error", "snapshot"))


def parse_note(text: str | None) -> dict[str, Any] | None:
    """The result in a run's note, or None when the note is not one of ours."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, dict) and value.get("status") in (SUCCESS, FAILED):
        return value
    return None
