"""How long before its ready-by time a resume starts: learned from the environment's
own recent resumes (pure).

The lead is a high percentile of the last resumes' durations plus a margin, within a
cap; until a resume has been measured it is the configured default. The nearest-rank
percentile keeps it one of the observed durations (no interpolation between two
outliers), so one slow create raises the lead at once and ages out after
:data:`HISTORY` resumes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

HISTORY = 10  # resumes the lead is learned from (the newest)
PERCENTILE = 90
DEFAULT_LEAD_MINUTES = 45  # MWAA creates in 20-30 min; the restore and polling add some
DEFAULT_MARGIN_MINUTES = 10
DEFAULT_MAX_LEAD_MINUTES = 120
# The schedule fires at ready-by minus the cap and the workflow waits (docs/schedules.md):
# the cap bounds that wait, which the state machine's timeout must cover.
MAX_LEAD_MINUTES = 12 * 60


@dataclass(frozen=True)
class LeadTime:
    seconds: int
    source: str  # "default" (no resume measured yet) or "learned"
    capped: bool  # the learned lead was larger than the cap


def percentile(values: Sequence[float], pct: int = PERCENTILE) -> float:
    """Nearest-rank percentile of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def learned_lead(
    durations: Sequence[float],
    *,
    default_minutes: int = DEFAULT_LEAD_MINUTES,
    margin_minutes: int = DEFAULT_MARGIN_MINUTES,
    max_minutes: int = DEFAULT_MAX_LEAD_MINUTES,
) -> LeadTime:
    """The lead for the next resume from the durations (seconds, oldest first) of the
    environment's measured resumes."""
    cap = max_minutes * 60
    recent = [d for d in durations if d > 0][-HISTORY:]
    if not recent:
        return LeadTime(min(default_minutes * 60, cap), "default", default_minutes * 60 > cap)
    wanted = math.ceil(percentile(recent) + margin_minutes * 60)
    return LeadTime(min(wanted, cap), "learned", wanted > cap)
