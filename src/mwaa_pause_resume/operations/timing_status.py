"""What ``status`` shows of an environment's resume timing: the lead the next ready-by
resume will use and the last resumes' durations, late ones marked (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.schedule import lead_time, timing_history

SHOWN = 5  # the last resumes listed


def timing_status(env: EnvironmentConfig, document: Any) -> dict[str, Any]:
    """``status --json``'s ``timing``, from the environment's ``timing.json`` (None: none)."""
    history = timing_history.parse(document)
    lead = lead_time.learned_lead(
        timing_history.durations(history),
        default_minutes=env.resume_lead_default_minutes,
        margin_minutes=env.resume_lead_margin_minutes,
        max_minutes=env.resume_lead_max_minutes,
    )
    recent = [
        {
            "began_at": _iso(r.get("began_at")),
            "duration_seconds": r["duration"],
            "ready_by_at": _iso(r.get("ready_by_at")),
            "late": bool(r.get("late")),
        }
        for r in history["resumes"][-SHOWN:]
    ]
    return {
        "ready_by": env.resume_ready_by,
        "lead_seconds": lead.seconds if env.resume_ready_by else None,
        "lead_source": lead.source if env.resume_ready_by else None,
        "measured_resumes": len(history["resumes"]),
        "recent_resumes": recent,
        "late_resumes": sum(1 for r in history["resumes"] if r.get("late")),
    }


def timing_line(timing: dict[str, Any]) -> str:
    from mwaa_pause_resume.operations.status import duration_text

    parts = []
    if timing["ready_by"]:
        source = (
            f"learned from {timing['measured_resumes']} resumes"
            if timing["lead_source"] == "learned"
            else "default: no resume measured yet"
        )
        parts.append(f"lead {duration_text(timing['lead_seconds'])} ({source})")
    durations = [
        duration_text(r["duration_seconds"]) + (" LATE" if r["late"] else "")
        for r in timing["recent_resumes"]
    ]
    if durations:
        parts.append("last resumes " + ", ".join(durations))
    return "; ".join(parts) or "no resume measured yet"


def _iso(epoch: Any) -> str | None:
    if not isinstance(epoch, int | float):
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat()
