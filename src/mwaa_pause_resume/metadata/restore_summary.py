"""What an import restored, approximated and left out: the restore summary (pure).

Nothing about a resume is silent (issue 11). The import DAG fills one
:class:`RestoreSummary` while it restores and publishes it twice:

- compact, inside the import run's note (:meth:`RestoreSummary.compact`; the note
  holds at most 1000 characters with the rest of the result, so the compact form
  keeps the counts and as many held DAG ids as fit, then "N more"). The resume
  workflow passes the note on in its output, where the notification and ``status``
  read it;
- whole, as :data:`REPORT_FILE` next to the snapshot (:meth:`RestoreSummary.to_json`):
  every held DAG with its reason and the action to take.

Per item of :data:`ITEMS` it counts what was restored ``exact``, ``approximated``
(restored, but some value differs: a start time that becomes the restore time) and
``not_restored``, with a short reason. An item with a reason and no counts is left
out whole, its size unknown (the rest-only scope holds no run history at all). It
also counts the missed-runs policy applied per DAG and lists the DAGs the import
left paused (:class:`~.missed_runs.HeldDag`)::

    summary = RestoreSummary("rest-only")
    summary.add("variables", exact=12)
    summary.add("dag_runs", reason="the rest-only scope holds no run history")
    summary.policy_applied("catchup")
    summary.hold(HeldDag("etl", "its position could not be set", "unpause it ..."))

:mod:`.summary_from_restores` fills one from what each kind of import returns.
Standard library only (the DAG bundle and the Lambda functions import it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mwaa_pause_resume.metadata.flags import SnapshotScope, choices
from mwaa_pause_resume.metadata.missed_runs import POLICIES, HeldDag, parse_policy

SCOPES = choices(SnapshotScope)
ITEMS: tuple[str, ...] = (
    "dag_runs",
    "task_instances",
    "xcoms",
    "asset_events",
    "variables",
    "connections",
    "pools",
    "paused_states",
    "positions",
)
HELD_POSITION = "position not set: the DAG stays paused (see held)"
REPORT_FILE = "import-report.json"  # next to the snapshot's manifest
FORMAT_VERSION = 1
# Held DAGs listed by id in the compact form at most (the rest are counted), and how many
# are listed before the reasons are dropped to make room.
COMPACT_HELD_IDS = 10
COMPACT_HELD_FEW = 3


class SummaryInvalid(ValueError):
    """A summary read back (note or report) is not of the shape this module writes."""


@dataclass
class ItemCounts:
    """One item's counts; ``reason`` says why some were approximated or not restored;
    ``whole``: none was restored and how many there were is unknown."""

    exact: int = 0
    approximated: int = 0
    not_restored: int = 0
    reason: str | None = None
    whole: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "exact": self.exact,
            "approximated": self.approximated,
            "not_restored": self.not_restored,
        }
        if self.whole:
            out["whole"] = True
        if self.reason is not None:
            out["reason"] = self.reason
        return out


@dataclass
class RestoreSummary:
    """The restore summary of one import. Items appear in :data:`ITEMS` order."""

    scope: str
    items: dict[str, ItemCounts] = field(default_factory=dict)
    policies: dict[str, int] = field(default_factory=dict)  # policy -> DAGs it applied to
    held: list[HeldDag] = field(default_factory=list)
    # Read back from a compact form: held DAGs not listed there, and the actions of the
    # listed ones (each DAG's own reason and action are in the report file).
    held_more: int = 0
    held_actions: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}, got {self.scope!r}")

    # -- filling it -------------------------------------------------------------------------
    def add(
        self,
        item: str,
        *,
        exact: int = 0,
        approximated: int = 0,
        not_restored: int = 0,
        reason: str | None = None,
        whole: bool = False,
    ) -> ItemCounts:
        """Count ``item`` (one of :data:`ITEMS`); counts add up over calls, a new reason is
        appended to the ones given before. A reason without counts (or ``whole``) leaves
        the item out whole, how many unknown (``add("dag_runs", reason="...")``); a
        count given later replaces that."""
        if item not in ITEMS:
            raise ValueError(f"unknown restore item {item!r}; known: {', '.join(ITEMS)}")
        for name, value in (
            ("exact", exact),
            ("approximated", approximated),
            ("not_restored", not_restored),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{item}: {name} must be a count >= 0, got {value!r}")
        counts = self.items.setdefault(item, ItemCounts())
        counts.exact += exact
        counts.approximated += approximated
        counts.not_restored += not_restored
        counted = bool(counts.exact or counts.approximated or counts.not_restored)
        counts.whole = not counted and (whole or counts.whole or bool(reason))
        if reason and reason != counts.reason:
            counts.reason = f"{counts.reason}; {reason}" if counts.reason else reason
        self.items = {name: self.items[name] for name in ITEMS if name in self.items}
        return counts

    def hold(self, dag: HeldDag) -> None:
        """A DAG the import left paused (once per DAG: the first reason stays)."""
        if all(held.dag_id != dag.dag_id for held in self.held):
            self.held.append(dag)

    def policy_applied(self, policy: str, dags: int = 1) -> None:
        """``policy`` was applied to ``dags`` more DAGs."""
        policy = parse_policy(policy, "policy_applied")
        self.policies[policy] = self.policies.get(policy, 0) + dags
        self.policies = {p: self.policies[p] for p in POLICIES if p in self.policies}

    # -- reading it -------------------------------------------------------------------------
    @property
    def held_count(self) -> int:
        return len(self.held) + self.held_more

    def left_out(self) -> list[str]:
        """The items with anything not restored (or left out whole)."""
        return [name for name, c in self.items.items() if c.not_restored or c.whole]

    # -- the report file --------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "scope": self.scope,
            "items": {name: counts.to_json() for name, counts in self.items.items()},
            "policies": dict(self.policies),
            "held": [dag.to_json() for dag in self.held],
            # only in a summary read back from a note: held DAGs it could not list
            **({"held_more": self.held_more} if self.held_more else {}),
            **({"held_actions": list(self.held_actions)} if self.held_actions else {}),
        }

    def to_text(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, value: Any) -> RestoreSummary:
        """The summary of a report file (:meth:`to_json`); unknown items are skipped."""
        data = _mapping(value, "the restore summary")
        summary = cls(_scope(data))
        items = _mapping(data.get("items", {}), "items")
        for name, raw in items.items():
            counts = _mapping(raw, f"items.{name}")
            if name in ITEMS:
                summary.add(
                    name,
                    exact=_count(counts.get("exact", 0), name),
                    approximated=_count(counts.get("approximated", 0), name),
                    not_restored=_count(counts.get("not_restored", 0), name),
                    reason=_reason(counts.get("reason"), name),
                    whole=counts.get("whole") is True,
                )
        summary.policies = _policies(data.get("policies", {}))
        held = data.get("held", [])
        if not isinstance(held, list):
            raise SummaryInvalid("held is not a list")
        for entry in held:
            try:
                summary.hold(HeldDag.from_json(dict(_mapping(entry, "a held DAG"))))
            except KeyError as exc:
                raise SummaryInvalid(f"a held DAG has no {exc}") from None
        summary.held_more = _count(data.get("held_more", 0), "held_more")
        summary.held_actions = _strings(data.get("held_actions", []), "held_actions")
        return summary

    # -- the compact form (inside the run's note) -------------------------------------------
    def compact(self, budget: int) -> dict[str, Any]:
        """The summary in at most ``budget`` characters of compact JSON.

        ``{"scope", "items": {item: [exact, approximated, not_restored(, reason)]},
        "reasons": [...], "policies", "held": [dag ids], "held_more": n,
        "held_actions": [...]}``: a row's reason is an index into ``reasons`` (items
        share them); ``not_restored`` is null for an item left out whole. What does not
        fit is dropped in this order: the actions, held DAG ids beyond the first
        :data:`COMPACT_HELD_FEW`, the reasons, the remaining ids (``held_more`` counts
        every DAG not listed), then items with nothing restored or left out. The scope
        and the number of held DAGs always stay."""
        ids = [dag.dag_id for dag in self.held]
        actions = list(dict.fromkeys([d.action for d in self.held if d.action] + self.held_actions))
        listed = min(len(ids), COMPACT_HELD_IDS)
        few = min(listed, COMPACT_HELD_FEW)
        attempts: list[tuple[bool, bool, int, bool]] = [
            (True, True, listed, False),
            *((False, True, n, False) for n in range(listed, few - 1, -1)),
            *((False, False, n, False) for n in range(few, -1, -1)),
            (False, False, 0, True),
        ]
        for with_actions, with_reasons, shown, drop_empty in attempts:
            value = self._compact(
                ids[:shown], actions if with_actions else [], with_reasons, drop_empty
            )
            if len(_dump(value)) <= budget:
                return value
        return {"scope": self.scope, **({"held_more": self.held_count} if self.held_count else {})}

    def _compact(
        self, ids: list[str], actions: list[str], with_reasons: bool, drop_empty: bool
    ) -> dict[str, Any]:
        items: dict[str, list[Any]] = {}
        reasons: list[str] = []
        for name, c in self.items.items():
            if drop_empty and not (c.exact or c.approximated or c.not_restored or c.whole):
                continue
            row: list[Any] = [c.exact, c.approximated, None if c.whole else c.not_restored]
            if with_reasons and c.reason is not None:
                if c.reason not in reasons:
                    reasons.append(c.reason)
                row.append(reasons.index(c.reason))
            items[name] = row
        out: dict[str, Any] = {"scope": self.scope, "items": items}
        if reasons:
            out["reasons"] = reasons
        if self.policies:
            out["policies"] = dict(self.policies)
        if ids:
            out["held"] = ids
        more = self.held_count - len(ids)
        if more:
            out["held_more"] = more
        if actions and (ids or more):
            out["held_actions"] = actions
        return out

    @classmethod
    def from_compact(cls, value: Any) -> RestoreSummary:
        """The summary of a note's compact form (held DAGs without their reasons)."""
        data = _mapping(value, "the restore summary")
        summary = cls(_scope(data))
        reasons = _strings(data.get("reasons", []), "reasons")
        for name, row in _mapping(data.get("items", {}), "items").items():
            if not isinstance(row, list) or len(row) not in (3, 4):
                raise SummaryInvalid(f"items.{name} is not [exact, approximated, not_restored]")
            reason = None
            if len(row) == 4:
                index = _count(row[3], name)
                if index >= len(reasons):
                    raise SummaryInvalid(f"items.{name} names reason {index}, not listed")
                reason = reasons[index]
            if name in ITEMS:
                whole = row[2] is None
                summary.add(
                    name,
                    exact=_count(row[0], name),
                    approximated=_count(row[1], name),
                    not_restored=0 if whole else _count(row[2], name),
                    reason=reason,
                    whole=whole,
                )
        summary.policies = _policies(data.get("policies", {}))
        for dag_id in _strings(data.get("held", []), "held"):
            summary.hold(HeldDag(dag_id, "", ""))
        summary.held_more = _count(data.get("held_more", 0), "held_more")
        summary.held_actions = _strings(data.get("held_actions", []), "held_actions")
        return summary

    # -- for people ---------------------------------------------------------------------------
    def lines(self) -> list[str]:
        """The summary in plain lines (notification, ``status``)."""
        out = [f"Scope: {self.scope}"]
        exact = [f"{_label(n)} {c.exact}" for n, c in self.items.items() if c.exact]
        if exact:
            out.append("Restored exactly: " + ", ".join(exact))
        approximated = [
            f"{_label(n)} {c.approximated}" + (f" ({c.reason})" if c.reason else "")
            for n, c in self.items.items()
            if c.approximated
        ]
        if approximated:
            out.append("Approximated: " + "; ".join(approximated))
        # items sharing a reason are named together: "dag runs, xcoms (not in a ...)"
        left: dict[str | None, list[str]] = {}
        for name in self.left_out():
            c = self.items[name]
            count = "" if c.whole else f" {c.not_restored}"
            left.setdefault(c.reason, []).append(f"{_label(name)}{count}")
        if left:
            out.append(
                "Not restored: "
                + "; ".join(
                    ", ".join(names) + (f" ({reason})" if reason else "")
                    for reason, names in left.items()
                )
            )
        if self.policies:
            applied = [f"{p} for {_dags(n)}" for p, n in self.policies.items()]
            out.append("Missed runs: " + ", ".join(applied))
        if self.held_count:
            out.append(f"Left paused: {_dags(self.held_count)}")
            for dag in self.held:
                detail = ". ".join(part for part in (dag.reason, dag.action) if part)
                out.append(f"  - {dag.dag_id}" + (f": {detail}" if detail else ""))
            if self.held_more:
                out.append(f"  - ... and {self.held_more} more ({REPORT_FILE} lists them all)")
            out.extend(f"  Action: {action}" for action in self.held_actions)
        return out


def summary_of_note(note: Mapping[str, Any] | None) -> RestoreSummary | None:
    """The compact summary inside a run's result note, or None (no note, an older DAG
    bundle, or a summary this version cannot read)."""
    raw = note.get("summary") if isinstance(note, Mapping) else None
    if raw is None:
        return None
    try:
        return RestoreSummary.from_compact(raw)
    except (SummaryInvalid, ValueError):
        return None


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _dags(count: int) -> str:
    return f"{count} DAG{'s' if count != 1 else ''}"


def _label(item: str) -> str:
    return item.replace("_", " ")


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SummaryInvalid(f"{what} is not a JSON object")
    return value


def _scope(data: Mapping[str, Any]) -> str:
    scope = data.get("scope")
    if scope not in SCOPES:
        raise SummaryInvalid(f"scope {scope!r} is not one of {', '.join(SCOPES)}")
    return str(scope)


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SummaryInvalid(f"{what}: {value!r} is not a count")
    return value


def _reason(value: Any, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise SummaryInvalid(f"{what}: the reason is not text")
    return value or None


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SummaryInvalid(f"{what} is not a list of text")
    return list(value)


def _policies(value: Any) -> dict[str, int]:
    data = _mapping(value, "policies")
    return {p: _count(data[p], p) for p in POLICIES if p in data}
