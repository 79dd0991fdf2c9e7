"""The sandbox's row comparison: the kept tables' normalised rows (:mod:`.row_normalise`)
before the pause against after the resume, table by table.

The rows before are first made what the restore documents it makes of them
(:func:`expected_after_restore`, :func:`cut_off_tries`,
:func:`without_cut_off_reschedules`); rows after that the restore or the new environment
made themselves are set apart (:data:`~.row_rules.MADE_BY_RESTORE`, a fresh
environment's baseline); :func:`compare_tables` then compares multisets of rows per
table and shows one difference, shortened. Pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from mwaa_pause_resume.metadata.tables import (
    INTERRUPTED_TI_STATES,
    KEPT,
    UNFINISHED_JOB_STATES,
    UNFINISHED_RUN_STATES,
)
from mwaa_pause_resume.sandbox.row_normalise import NormalTable
from mwaa_pause_resume.sandbox.row_rules import (
    MADE_BY_RESTORE,
    MADE_BY_TARGET_VOLATILE,
    NATURAL_KEYS,
    Row,
    Value,
)

ADDED_POLICIES = frozenset({"insert", "keep_target"})


def expected_after_restore(table: str, rows: Iterable[Row]) -> list[Row]:
    """What the restore makes of the snapshot's rows, where docs/metadata.md says it
    changes them (default ``interrupted_policy="rerun"``)."""
    out = []
    rule = KEPT.get(table)
    for row in rows:
        values = dict(row)
        for column in rule.clear if rule else ():  # e.g. trigger.triggerer_id
            if column in values:
                values[column] = None
        if table == "dag_run" and values.get("state") in UNFINISHED_RUN_STATES:
            # the export DAG records every unfinished run; "rerun" queues it again
            values.update(state="queued", end_date=None)
        if table == "job" and values.get("state") in UNFINISHED_JOB_STATES:
            # "Jobs running at export": their processes are gone; only the state changes
            values["state"] = "failed"
        if table == "task_instance" and values.get("state") in INTERRUPTED_TI_STATES:
            _clear_interrupted(values)
        out.append(tuple(sorted(values.items())))
    return out


def _clear_interrupted(values: dict[str, Value]) -> None:
    """A task instance cut off while executing: cleared for the scheduler to rerun it,
    its lost attempt not counted against its retries."""
    if values.get("max_tries") is not None:
        values["max_tries"] = str(int(str(values["max_tries"])) + 1)
    for column in (
        "state",
        "end_date",
        "pid",
        "next_method",
        "next_kwargs",
        "trigger_id",
        "trigger_timeout",
        "queued_by_job_id",
        "external_executor_id",
    ):
        if column in values:
            values[column] = None


@dataclass(frozen=True)
class RowsComparison:
    """One table: rows before the pause, after the resume (less the rows the new
    environment made itself), how many of them match, and one difference shown."""

    before: int
    after: int
    matching: int
    made_by_target: int
    example: str | None = None

    @property
    def equal(self) -> bool:
        return self.example is None and self.matching == self.before == self.after


CUT_OFF_END = "<the snapshot's time>"
_TRY_KEY = ("dag_id", "task_id", "run_id", "map_index", "try_number")


def cut_off_tries(
    tis: NormalTable | None, history_before: NormalTable, history_after: NormalTable
) -> list[Row]:
    """task_instance_history rows the restore adds for task instances cut off while
    executing (docs/metadata.md, "Work interrupted by the pause"), as Airflow's
    ``record_ti`` writes them. The try ends at the snapshot's time: ``end_date``,
    ``duration`` (and a missing ``updated_at``) are :data:`CUT_OFF_END`."""
    sample = next(iter(history_before.rows or history_after.rows), None)
    if tis is None or sample is None:
        return []
    columns = [c for c, _ in sample]
    airflow3 = "dag_version_id" in columns
    recorded = {tuple(dict(r).get(k) for k in _TRY_KEY) for r in history_before.rows}
    out: list[Row] = []
    for ti in tis.rows:
        values = dict(ti)
        if values.get("state") not in INTERRUPTED_TI_STATES:
            continue
        if tuple(values.get(k) for k in _TRY_KEY) in recorded:
            continue  # record_ti writes a try once
        row = {c: values.get(c) for c in columns}
        row.update(state="failed", end_date=CUT_OFF_END, duration=CUT_OFF_END)
        if "task_display_name" in row:
            row["task_display_name"] = values.get("task_display_name") or values.get("task_id")
        if row.get("updated_at", "") is None:
            row["updated_at"] = CUT_OFF_END
        mapped = int(values.get("map_index") or -1) >= 0
        if airflow3 and row.get("rendered_map_index") is None and mapped:
            row["rendered_map_index"] = values.get("map_index")
        out.append(tuple(sorted(row.items())))
    return out


def _ti_key(values: Mapping[str, Value]) -> str:
    """A task instance's natural key as :func:`_natural_keys` writes it."""
    parts = ", ".join(f"{c}={values.get(c)}" for c in NATURAL_KEYS["task_instance"])
    return f"task_instance({parts})"


def without_cut_off_reschedules(tis: NormalTable, rows: Iterable[Row]) -> list[Row]:
    """task_reschedule rows less those of tries cut off while executing: the restore
    deletes them as Airflow's clear does (Airflow 3: every reschedule of the task
    instance, by ``ti_id``; Airflow 2: those of its current try number)."""
    cut_off = [dict(t) for t in tis.rows if dict(t).get("state") in INTERRUPTED_TI_STATES]
    by_ti = {_ti_key(t) for t in cut_off}
    by_try = {tuple(t.get(k) for k in _TRY_KEY) for t in cut_off}
    out = []
    for row in rows:
        values = dict(row)
        if "ti_id" in values:
            gone = values["ti_id"] in by_ti
        else:
            gone = tuple(values.get(k) for k in _TRY_KEY) in by_try
        if not gone:
            out.append(row)
    return out


def _at_cut_off(row: Row, tries: Sequence[Row]) -> Row:
    """A restored row of a cut-off try with its snapshot-time columns as expected."""
    values = dict(row)
    key = tuple(values.get(k) for k in _TRY_KEY)
    for expected in tries:
        wanted = dict(expected)
        if tuple(wanted.get(k) for k in _TRY_KEY) == key:
            for column, value in wanted.items():
                if value == CUT_OFF_END:
                    values[column] = CUT_OFF_END
            return tuple(sorted(values.items()))
    return row


def compare_tables(
    before: Mapping[str, NormalTable],
    after: Mapping[str, NormalTable],
    baseline: Mapping[str, NormalTable],
) -> dict[str, RowsComparison]:
    """Per kept table: before's rows (as the restore documents it makes them) against
    after's. Rows of ``after`` that are not before's count as made by the new
    environment itself when the table's policy adds rows (``insert``,
    ``keep_target``) and a fresh environment (``baseline``) has rows like them,
    timestamps aside."""
    out: dict[str, RowsComparison] = {}
    for name in sorted(set(before) | set(after)):
        b_table = before.get(name, NormalTable((), frozenset()))
        a_table = after.get(name, NormalTable((), frozenset()))
        kept_rows: Iterable[Row] = b_table.rows
        if name == "task_reschedule" and "task_instance" in before:
            kept_rows = without_cut_off_reschedules(before["task_instance"], kept_rows)
        expected = Counter(expected_after_restore(name, kept_rows))
        actual = Counter(a_table.rows)
        if name == "task_instance_history":
            tries = cut_off_tries(before.get("task_instance"), b_table, a_table)
            expected += Counter(tries)
            actual = Counter(_at_cut_off(row, tries) for row in a_table.rows)
        matched = expected & actual
        missing = expected - matched
        extra = actual - matched
        changed = list(extra.elements())  # before explaining: shows a changed row best
        made = 0
        if name in MADE_BY_RESTORE:
            extra, made = _without_restore_rows(name, extra)
        rule = KEPT.get(name)
        if extra and rule is not None and rule.policy in ADDED_POLICIES:
            extra, own = _without_made_by_target(name, extra, baseline.get(name), a_table)
            made += own
        matching = sum(matched.values())
        gone = list(missing.elements())
        example = _example(name, gone, changed if gone else list(extra.elements()))
        out[name] = RowsComparison(
            sum(expected.values()), len(a_table.rows) - made, matching, made, example
        )
    return out


def _without_restore_rows(name: str, extra: Counter[Row]) -> tuple[Counter[Row], int]:
    made_by_restore = MADE_BY_RESTORE[name][0]
    left = Counter({row: n for row, n in extra.items() if not made_by_restore(dict(row))})
    return left, sum(extra.values()) - sum(left.values())


def _without_made_by_target(
    name: str, extra: Counter[Row], baseline: NormalTable | None, after: NormalTable
) -> tuple[Counter[Row], int]:
    if baseline is None:
        return extra, 0
    volatile = after.timestamps | baseline.timestamps | set(MADE_BY_TARGET_VOLATILE.get(name, {}))

    def kind(row: Row) -> Row:
        return tuple((c, v) for c, v in row if c not in volatile)

    fresh = Counter(kind(r) for r in baseline.rows)
    left: Counter[Row] = Counter()
    made = 0
    for row in extra.elements():
        if fresh[kind(row)] > 0:
            fresh[kind(row)] -= 1
            made += 1
        else:
            left[row] += 1
    return left, made


EXAMPLE_VALUE_CHARS = 60


def _example(name: str, missing: Sequence[Row], extra: Sequence[Row]) -> str | None:
    """One difference, shortened: a row that changed (its differing columns), else a
    row that is gone or one that appeared."""
    if missing and extra:
        gone = dict(missing[0])
        nearest = max(extra, key=lambda r: sum(gone.get(c) == v for c, v in r))
        new = dict(nearest)
        changed = [c for c in sorted(set(gone) | set(new)) if gone.get(c) != new.get(c)]
        same = len(gone) - len(changed)
        if same > 0:
            return f"row {_identity(name, gone)} differs: " + "; ".join(
                f"{c} {_short(gone.get(c))} before, {_short(new.get(c))} after" for c in changed
            )
    if missing:
        return f"row missing after resume: {_brief(name, dict(missing[0]))}"
    if extra:
        return f"row not in the paused environment: {_brief(name, dict(extra[0]))}"
    return None


_IDENTITY = (
    "dag_id",
    "task_id",
    "run_id",
    "map_index",
    "try_number",
    "key",
    "conn_id",
    "pool",
    "event",
    "job_type",
    "dag_run_id",
    "ti_id",
    "classpath",
    "filename",
    "uri",
    "name",
    "type",
)


def _identity(name: str, row: Mapping[str, Value]) -> str:
    parts = [f"{c}={_short(row[c])}" for c in _IDENTITY if c in row and row[c] is not None]
    return f"{name}({', '.join(parts[:5])})"


def _brief(name: str, row: Mapping[str, Value]) -> str:
    shown = ", ".join(f"{c}={_short(v)}" for c, v in sorted(row.items()) if v is not None)
    text = f"{name}({shown})"
    return text if len(text) <= 300 else text[:297] + "..."


def _short(value: Value) -> str:
    if value is None:
        return "NULL"
    text = repr(value)
    return text if len(text) <= EXAMPLE_VALUE_CHARS else text[: EXAMPLE_VALUE_CHARS - 3] + "..."
