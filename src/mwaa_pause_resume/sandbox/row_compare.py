"""Row content of the kept tables, made comparable across two environments.

A restored row cannot be compared with its original column by column: surrogate
ids are new values from the target's sequences, secrets are encrypted under another
Fernet key, and the restore changes a few things on purpose (docs/metadata.md).
:func:`normalise` turns each row of each kept table into a comparable form:

- an ``id`` column is a surrogate (serial or Airflow 3 uuid) and is dropped; the
  natural key columns of the row stay;
- a column holding another row's id becomes that row's natural key
  (:data:`REFERENCES`, :data:`NATURAL_KEYS`), e.g. ``xcom.dag_run_id`` becomes
  ``dag_run(dag_id=..., run_id=...)``; a reference to a row that does not exist
  becomes NULL, as the restore makes it;
- Fernet-encrypted columns are decrypted with the side's own key;
- rows of the export/import DAGs (by ``dag_id`` or through what they reference)
  are dropped: the workflows add them;
- columns the restore documents as not carried over are dropped or set to what
  the restore makes of them (:data:`DROPPED_COLUMNS`, :func:`expected_after_restore`).

:func:`compare_tables` then compares multisets of normalised rows per table. This
module is written independently of the engine's own reference discovery, so a
reference the engine forgets to remap shows up as a difference. Pure except
:func:`read_tables`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.metadata.position_sql import MARKER_RUN_ID_PREFIX
from mwaa_pause_resume.metadata.restore_guard import EVENT as RESTORE_EVENT
from mwaa_pause_resume.metadata.tables import (
    INTERRUPTED_TI_STATES,
    KEPT,
    UNFINISHED_JOB_STATES,
    UNFINISHED_RUN_STATES,
    kept_tables,
)

Value = str | None
Row = tuple[tuple[str, Value], ...]  # (column, text value), sorted by column

ADDED_POLICIES = frozenset({"insert", "keep_target"})
UNDECRYPTABLE = "<does not decrypt with this environment's Fernet key>"


@dataclass(frozen=True)
class RawTable:
    """One table as read: column names, their SQL types, rows as text (NULL: None)."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]

    def dicts(self) -> list[dict[str, Value]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


# -- how rows are named across environments ---------------------------------------------
# Natural key of each table whose rows other tables reference by surrogate id. Jobs have
# none: their type, DAG, host and start instant (microseconds) tell them apart.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "job": ("job_type", "dag_id", "hostname", "start_date"),
    "dag_run": ("dag_id", "run_id"),
    "task_instance": ("dag_id", "task_id", "run_id", "map_index"),
    "trigger": ("classpath", "created_date"),
    "log_template": ("filename", "elasticsearch_id"),
    "backfill": ("dag_id", "from_date", "to_date", "created_at"),
    "dag_version": ("dag_id", "version_number"),
    "dataset": ("uri",),
    "asset": ("name", "uri"),
    "dataset_alias": ("name",),
    "asset_alias": ("name", "group"),
    "dataset_event": (
        "dataset_id",
        "source_dag_id",
        "source_task_id",
        "source_run_id",
        "source_map_index",
        "timestamp",
    ),
    "asset_event": (
        "asset_id",
        "source_dag_id",
        "source_task_id",
        "source_run_id",
        "source_map_index",
        "timestamp",
    ),
    # Airflow 3.2+ (referenced by uuid or serial id): named by content like the others
    "callback": ("type", "fetch_method", "created_at", "data"),
    "deadline_alert": ("serialized_dag_id", "name", "created_at"),
    "asset_partition_dag_run": ("target_dag_id", "partition_key", "created_at"),
}
# Rows that belong to their DAG: what references them belongs to it too (an excluded
# DAG's run takes its XComs and notes along). A job or an event outlives its DAG's run.
OWNED_BY_DAG = frozenset({"dag_run", "task_instance", "dag_version", "backfill"})
_TI_REFS = {
    "job_id": "job",
    "queued_by_job_id": "job",
    "trigger_id": "trigger",
    "dag_version_id": "dag_version",
}
# Columns holding another table's surrogate id (declared foreign key or not).
REFERENCES: dict[str, dict[str, str]] = {
    "dag_run": {
        "creating_job_id": "job",
        "scheduled_by_job_id": "job",
        "log_template_id": "log_template",
        "backfill_id": "backfill",
        "created_dag_version_id": "dag_version",
    },
    "task_instance": _TI_REFS,
    "task_instance_history": _TI_REFS,
    "trigger": {"triggerer_id": "job"},
    "xcom": {"dag_run_id": "dag_run"},
    "dag_run_note": {"dag_run_id": "dag_run"},
    "task_instance_note": {"ti_id": "task_instance"},
    "task_reschedule": {"ti_id": "task_instance"},
    "serialized_dag": {"dag_version_id": "dag_version"},
    "dag_code": {"dag_version_id": "dag_version"},
    "deadline": {
        "dagrun_id": "dag_run",
        "callback_id": "callback",
        "deadline_alert_id": "deadline_alert",
    },
    "callback": {"trigger_id": "trigger"},
    "hitl_detail": {"ti_id": "task_instance"},
    "asset_partition_dag_run": {"created_dag_run_id": "dag_run"},
    "partitioned_asset_key_log": {
        "asset_id": "asset",
        "asset_event_id": "asset_event",
        "asset_partition_dag_run_id": "asset_partition_dag_run",
    },
    "task_state_store": {"dag_run_id": "dag_run"},
    "asset_state_store": {"asset_id": "asset"},
    "backfill_dag_run": {"backfill_id": "backfill", "dag_run_id": "dag_run"},
    "dagrun_dataset_event": {"dag_run_id": "dag_run", "event_id": "dataset_event"},
    "dagrun_asset_event": {"dag_run_id": "dag_run", "event_id": "asset_event"},
    "dataset_event": {"dataset_id": "dataset"},
    "asset_event": {"asset_id": "asset"},
    "dataset_dag_run_queue": {"dataset_id": "dataset"},
    "asset_dag_run_queue": {"asset_id": "asset"},
    "dataset_alias_dataset": {"alias_id": "dataset_alias", "dataset_id": "dataset"},
    "asset_alias_asset": {"alias_id": "asset_alias", "asset_id": "asset"},
    "dataset_alias_dataset_event": {"alias_id": "dataset_alias", "event_id": "dataset_event"},
    "asset_alias_asset_event": {"alias_id": "asset_alias", "event_id": "asset_event"},
}
# Airflow 2 note authors point at ab_user, which is not copied (docs/metadata.md, Tables):
# the restore clears them. Airflow 3 stores the auth manager's user id as text and
# keeps it.
CLEARED_USER_REFS = {"dag_run_note": "user_id", "task_instance_note": "user_id"}

# Fernet-encrypted columns and their flag (None: ciphertext unless it starts with "{").
ENCRYPTED: dict[str, tuple[tuple[str, str | None], ...]] = {
    "variable": (("val", "is_encrypted"),),
    "connection": (("password", "is_encrypted"), ("extra", "is_extra_encrypted")),
    "trigger": (("kwargs", None),),
}

# Columns not compared, each with the reason. "*" applies to every table.
DROPPED_COLUMNS: dict[str, dict[str, str]] = {
    "*": {"id": "surrogate id (serial or uuid); rows are named by their natural key"},
    "task_instance_history": {
        "task_instance_id": "Airflow 3: the attempt's own uuid (its primary key), a surrogate; "
        "the attempt is named by dag_id, task_id, run_id, map_index, try_number",
    },
    # Values are compared decrypted; the restore encrypts values the source stored in
    # plain text too (docs/metadata.md, Secrets), so the flags may change.
    "variable": {"is_encrypted": "storage form (values compared decrypted)"},
    "connection": {
        "is_encrypted": "storage form (values compared decrypted)",
        "is_extra_encrypted": "storage form (values compared decrypted)",
    },
    # merge (some columns): only is_paused and next_dagrun* come from the snapshot; the
    # rest is the target's own parse of the same DAG files, compared too, except what
    # names the environment's own folder or the moment it parsed.
    "dag": {
        "fileloc": "merge keeps the target's parse: a path inside its own DAGs folder",
        "last_parsed_time": "merge keeps the target's parse: when its DAG processor ran",
        "last_parse_duration": "merge keeps the target's parse: how long it took (3.2+)",
    },
    # reuse: the target's row is kept (docs/metadata.md, "Rows that already exist");
    # what it was matched on is compared, not when the target made it.
    "log_template": {"created_at": "reuse: the target's own row is kept"},
    "dag_bundle": {"last_refreshed": "reuse: the target's own row is kept"},
    "dataset": {
        "created_at": "reuse: the target's own row is kept",
        "updated_at": "reuse: the target's own row is kept",
    },
    "asset": {
        "created_at": "reuse: the target's own row is kept",
        "updated_at": "reuse: the target's own row is kept",
    },
}

# Rows the new environment made itself (e.g. Airflow 3 parsing its DAG files into DAG
# versions) are recognised by their likeness to a fresh environment's own rows
# (the baseline), ignoring every timestamp column and these, each with the reason.
MADE_BY_TARGET_VOLATILE: dict[str, dict[str, str]] = {
    "dag_version": {
        "version_number": "the target's own versions are renumbered after the snapshot's",
    },
    "serialized_dag": {
        "dag_version_id": "the target's own versions are renumbered after the snapshot's",
        "data": "names the environment's own DAGs folder (fileloc, module names)",
        "data_compressed": "names the environment's own DAGs folder (fileloc, module names)",
        "dag_hash": "hash of data",
    },
    "dag_code": {
        "dag_version_id": "the target's own versions are renumbered after the snapshot's",
        "fileloc": "a path inside the environment's own DAGs folder",
    },
    "deadline_alert": {
        "serialized_dag_id": "the alerts of the target's own serialized versions",
    },
}


# Rows the restore itself writes into the target, each kind with the reason: they are
# the new environment's own, never the paused one's.
def _is_restore_audit_row(row: Mapping[str, Value]) -> bool:
    return row.get("event") == RESTORE_EVENT


def _is_position_marker(row: Mapping[str, Value]) -> bool:
    return str(row.get("run_id", "")).startswith(MARKER_RUN_ID_PREFIX)


def _is_position_marker_note(row: Mapping[str, Value]) -> bool:
    return MARKER_RUN_ID_PREFIX in str(row.get("dag_run_id", ""))


MADE_BY_RESTORE: dict[str, tuple[Callable[[Mapping[str, Value]], bool], str]] = {
    "log": (
        _is_restore_audit_row,
        "the audit-log row each restore writes to name the snapshot it restored "
        "(metadata.restore_guard)",
    ),
    "dag_run": (
        _is_position_marker,
        "the position markers the missed-runs policy places (metadata.position_sql)",
    ),
    "dag_run_note": (_is_position_marker_note, "the notes of those position markers"),
}


def dropped_columns(table: str) -> dict[str, str]:
    return {**DROPPED_COLUMNS["*"], **DROPPED_COLUMNS.get(table, {})}


# -- normalising (pure) ---------------------------------------------------------------
@dataclass(frozen=True)
class NormalTable:
    """A table's comparable rows; ``timestamps``: its date/time columns (for
    :data:`MADE_BY_TARGET_VOLATILE`)."""

    rows: tuple[Row, ...]
    timestamps: frozenset[str]


def normalise(
    tables: Mapping[str, RawTable],
    fernet_key: str | None,
    exclude_dag_ids: Iterable[str] = (),
) -> dict[str, NormalTable]:
    """Every kept table of one environment as comparable rows (see the module's docstring)."""
    excluded = frozenset(exclude_dag_ids)
    decrypt = _decrypter(fernet_key)
    keys = _natural_keys(tables)
    out: dict[str, NormalTable] = {}
    for name in kept_tables(set(tables)):
        raw = tables[name]
        refs = {c: t for c, t in REFERENCES.get(name, {}).items() if c in raw.columns}
        drop = dropped_columns(name)
        cleared_user = CLEARED_USER_REFS.get(name)
        rows: list[Row] = []
        for row in raw.dicts():
            if row.get("dag_id") in excluded:
                continue
            _decrypt_row(name, row, decrypt)
            skip = False
            for column, target in refs.items():
                value = row[column]
                key = keys.get(target, {}).get(value) if value is not None else None
                if key is not None and key[0] in excluded:
                    skip = True
                row[column] = key[1] if key is not None else None
            if skip:
                continue
            if name == "dag_run" and row.get("state") in UNFINISHED_RUN_STATES:
                _blur_retyped(row)
            if cleared_user and _is_integer(raw, cleared_user):
                row[cleared_user] = None  # ab_user is not copied: the author is cleared
            rows.append(tuple(sorted((c, v) for c, v in row.items() if c not in drop)))
        stamps = frozenset(c for c, t in zip(raw.columns, raw.types, strict=True) if _is_time(t))
        out[name] = NormalTable(tuple(rows), stamps)
    return out


RETYPED = ("scheduled", "backfill", "manual")


def _blur_retyped(row: dict[str, Value]) -> None:
    """An unfinished automated run of a DAG under missed_runs=latest/skip comes back as
    a manual run on Airflow < 3.2 (``position_sql.retype_unfinished``): in an unfinished
    run these types compare as one."""
    if row.get("run_type") in RETYPED:
        row["run_type"] = " or ".join(RETYPED)


def _is_integer(raw: RawTable, column: str) -> bool:
    return column in raw.columns and raw.types[raw.columns.index(column)] == "integer"


def _is_time(sql_type: str) -> bool:
    return sql_type.startswith(("timestamp", "date", "time"))


def _natural_keys(tables: Mapping[str, RawTable]) -> dict[str, dict[str, tuple[str | None, str]]]:
    """Per referenced table: surrogate id -> (the row's dag_id, its natural key as text)."""
    out: dict[str, dict[str, tuple[str | None, str]]] = {}
    # Events name their dataset/asset by its key: those first.
    order = sorted(NATURAL_KEYS, key=lambda t: t.endswith("_event"))
    for table in order:
        raw = tables.get(table)
        if raw is None or "id" not in raw.columns:
            continue
        refs = REFERENCES.get(table, {})
        found: dict[str, tuple[str | None, str]] = {}
        for row in raw.dicts():
            parts = []
            for column in NATURAL_KEYS[table]:
                value = row.get(column)
                if column in refs and value is not None:
                    ref = out.get(refs[column], {}).get(value)
                    value = ref[1] if ref else None
                parts.append(f"{column}={value}")
            owner = row.get("dag_id") if table in OWNED_BY_DAG else None
            found[str(row["id"])] = (owner, f"{table}({', '.join(parts)})")
        out[table] = found
    return out


def _decrypter(fernet_key: str | None) -> Callable[[str], str]:
    from cryptography.fernet import Fernet, InvalidToken, MultiFernet

    parts = [p.strip() for p in (fernet_key or "").split(",") if p.strip()]
    fernet = MultiFernet([Fernet(p.encode()) for p in parts]) if parts else None

    def decrypt(token: str) -> str:
        if fernet is None:
            return UNDECRYPTABLE
        try:
            return fernet.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            return UNDECRYPTABLE

    return decrypt


def _decrypt_row(table: str, row: dict[str, Value], decrypt: Callable[[str], str]) -> None:
    for column, flag in ENCRYPTED.get(table, ()):
        value = row.get(column)
        if value is None or column not in row:
            continue
        if flag is None:
            encrypted = not value.startswith("{")
        else:
            encrypted = row.get(flag) == "true" and value != ""
        if encrypted:
            row[column] = decrypt(value)


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


# -- comparing (pure) ---------------------------------------------------------------
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


# -- reading a database (shell) ---------------------------------------------------------
def read_tables(cur: Any) -> dict[str, RawTable]:
    """Every kept table of the database behind the psycopg2 cursor ``cur``, as text
    (UTC, ISO dates, hex bytea: the same text on every database)."""
    from psycopg2 import sql

    cur.execute("SET TIME ZONE 'UTC'; SET datestyle = 'ISO, YMD'; SET bytea_output = 'hex'")
    cur.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
    )
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, sql_type in cur.fetchall():
        columns.setdefault(str(table), []).append((str(column), str(sql_type)))
    out: dict[str, RawTable] = {}
    for name in kept_tables(set(columns)):
        cols = columns[name]
        query = sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c, _ in cols),
            sql.Identifier(name),
        )
        if KEPT[name].only:  # the rows a snapshot holds (tables.TableRule.only)
            query += sql.SQL(" WHERE ") + sql.SQL(KEPT[name].only)
        cur.execute(query)
        out[name] = RawTable(
            tuple(c for c, _ in cols),
            tuple(t for _, t in cols),
            tuple(tuple(row) for row in cur.fetchall()),
        )
    return out
