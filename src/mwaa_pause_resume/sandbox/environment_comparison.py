"""What the sandbox compares before the pause and after the resume: one environment's
state, and the comparison of two (the rows themselves: :mod:`.row_diff`).

An environment's state is read straight from its metadata database:

- the content of every kept table (:data:`mwaa_pause_resume.metadata.tables.KEPT`),
  normalised by :mod:`.row_normalise` (surrogate ids replaced by natural keys,
  secrets decrypted with the environment's own key, the export/import DAGs' own
  rows left out: the pause and the resume add those);
- every DAG's paused state (the export/import DAGs excepted: the workflows
  unpause them);
- the secrets, decrypted with the environment's own Fernet key: variable values,
  connection passwords and extras.

The comparison (:func:`compare`, pure) also takes the *baseline*: the same tables
read from a freshly created environment (same Airflow version, same DAG files)
before any history was added. A resumed environment is such a fresh environment
into which the snapshot was restored, so in tables the restore *adds* rows to
(``insert`` and ``keep_target`` policies) rows that are not the paused
environment's but match a fresh environment's own, timestamps aside (e.g. Airflow
3's DAG versions from parsing the DAG files), are the new environment's own and
are not counted. In tables the restore *merges* into (``merge``/``reuse``: DAGs,
pools, variables, connections, log templates) every row must match.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mwaa_pause_resume.sandbox.row_diff import RowsComparison, compare_tables
from mwaa_pause_resume.sandbox.row_normalise import NormalTable, RawTable, normalise, read_tables

TableComparison = RowsComparison  # per table: before, after, matching, equal, example


@dataclass(frozen=True)
class EnvironmentState:
    """Kept tables' normalised rows, paused states and decrypted secrets of one environment."""

    rows: dict[str, NormalTable]
    paused: dict[str, bool]
    secrets: dict[str, str | None]
    undecryptable: list[str] = field(default_factory=list)

    @property
    def tables(self) -> dict[str, int]:
        """Rows per kept table."""
        return {name: len(table.rows) for name, table in self.rows.items()}


@dataclass(frozen=True)
class Comparison:
    """Before vs after; :attr:`differences` names everything not restored equal."""

    tables: dict[str, TableComparison]
    paused_equal: bool
    paused_diff: dict[str, tuple[bool | None, bool | None]]
    secrets_equal: bool
    secrets_diff: list[str]
    undecryptable: list[str]
    secrets_checked: int

    @property
    def differences(self) -> list[str]:
        out = [
            f"table {name}: {t.before} rows before, {t.after} after, {t.matching} matching; "
            f"{t.example or 'rows differ'}"
            for name, t in self.tables.items()
            if not t.equal
        ]
        out += [
            f"secret {name} cannot be decrypted with the new key" for name in self.undecryptable
        ]
        out += [f"secret {name} differs" for name in self.secrets_diff]
        out += [
            f"DAG {dag}: paused {b} before, {a} after" for dag, (b, a) in self.paused_diff.items()
        ]
        return out

    @property
    def restored_equal(self) -> bool:
        return not self.differences


def compare(
    before: EnvironmentState, after: EnvironmentState, baseline: EnvironmentState
) -> Comparison:
    """Pure: see the module's docstring for the rule."""
    tables = compare_tables(before.rows, after.rows, baseline.rows)
    paused_diff = {
        dag: (before.paused.get(dag), after.paused.get(dag))
        for dag in sorted(set(before.paused) | set(after.paused))
        if before.paused.get(dag) != after.paused.get(dag)
    }
    secrets_diff = [
        name
        for name in sorted(set(before.secrets) | set(after.secrets))
        if name not in after.undecryptable and before.secrets.get(name) != after.secrets.get(name)
    ]
    return Comparison(
        tables=tables,
        paused_equal=not paused_diff,
        paused_diff=paused_diff,
        secrets_equal=not secrets_diff and not after.undecryptable,
        secrets_diff=secrets_diff,
        undecryptable=list(after.undecryptable),
        secrets_checked=len(before.secrets),
    )


# A live environment goes on writing after the export read its database: its components
# heartbeat until the deletion kills them, and the resumed one's scheduler acts the moment
# the restore commits. These columns are left out of the comparison, each with the reason;
# the liveness report checks what they are about instead.
LIVE_COLUMNS: dict[str, dict[str, str]] = {
    "job": {
        "latest_heartbeat": "components heartbeat until the deletion kills them, after the "
        "export read the row",
    },
    "trigger": {
        "triggerer_id": "the live triggerer claims triggers; the resumed one re-claims those "
        "of a triggerer that is gone",
    },
    "dag": {
        "is_paused": "the export pauses every DAG before it reads; the states from before "
        "the export are compared instead (paused states)",
        "next_dagrun": "the resumed scheduler advances it at once; liveness reports the runs "
        "it creates from the restored position",
        "next_dagrun_data_interval_start": "as next_dagrun",
        "next_dagrun_data_interval_end": "as next_dagrun",
        "next_dagrun_create_after": "as next_dagrun",
    },
}
# Airflow 3: once the restore has committed, the resumed DAG processor may store a new
# version of a DAG it re-parses; such versions are the new environment's own.
REPARSED_TABLES = ("dag_version", "serialized_dag", "dag_code")


def settled(
    state: EnvironmentState,
    leave_out_runs: Iterable[tuple[str, str]],
    *,
    new_since: str | None = None,
    before_runs: Iterable[tuple[str, str]] = (),
) -> EnvironmentState:
    """``state`` without :data:`LIVE_COLUMNS` and without the rows of ``leave_out_runs``
    (the work in flight at the pause, handed back to the live scheduler, which moves it on
    before anything can read it; liveness checks that it finishes). With ``new_since``,
    also without runs that are not in ``before_runs`` and were queued after that moment
    (the resumed scheduler's own new runs: liveness lists them) and without DAG versions
    stored after the restore committed (:data:`REPARSED_TABLES`)."""
    left_out = set(leave_out_runs)
    restored_at = _restored_at(state) if new_since is not None else None
    if new_since is not None:
        known = set(before_runs)
        for row in state.rows.get("dag_run", NormalTable((), frozenset())).rows:
            values = dict(row)
            key = (str(values.get("dag_id")), str(values.get("run_id")))
            queued = str(values.get("queued_at") or values.get("start_date") or "")
            if key not in known and queued and _instant(queued) >= _instant(new_since):
                left_out.add(key)
    rows: dict[str, NormalTable] = {}
    for name, table in state.rows.items():
        live = LIVE_COLUMNS.get(name, {})
        kept = []
        for row in table.rows:
            values = dict(row)
            if (str(values.get("dag_id")), str(values.get("run_id"))) in left_out:
                continue
            created = values.get("created_at")
            if name in REPARSED_TABLES and created and _after(str(created), restored_at):
                continue
            kept.append(tuple((c, v) for c, v in row if c not in live))
        rows[name] = NormalTable(tuple(kept), table.timestamps)
    return EnvironmentState(rows, state.paused, state.secrets, state.undecryptable)


def _after(stamp: str, moment: datetime | None) -> bool:
    return moment is not None and _instant(stamp) > moment


def _restored_at(state: EnvironmentState) -> datetime | None:
    """When the restore committed: the time of the audit-log row it writes."""
    from mwaa_pause_resume.metadata.restore_guard import EVENT

    stamps = [
        _instant(str(dict(row)["dttm"]))
        for row in state.rows.get("log", NormalTable((), frozenset())).rows
        if dict(row).get("event") == EVENT and dict(row).get("dttm")
    ]
    return max(stamps) if stamps else None


def run_keys(state: EnvironmentState) -> set[tuple[str, str]]:
    """(dag_id, run_id) of every DAG run in ``state``."""
    table = state.rows.get("dag_run", NormalTable((), frozenset()))
    return {(str(dict(r).get("dag_id")), str(dict(r).get("run_id"))) for r in table.rows}


def _instant(text: str) -> datetime:
    value = text.replace(" ", "T")
    if value.endswith(("+00", "-00")):
        value += ":00"
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# What a rest-only snapshot carries (besides paused states and the secrets within).
REST_SCOPE_TABLES = ("variable", "connection", "slot_pool")


def in_rest_scope(state: EnvironmentState) -> EnvironmentState:
    """``state`` narrowed to what a rest-only snapshot restores; the sandbox reports the
    rest as not restored, by name, instead of as differences."""
    rows = {name: table for name, table in state.rows.items() if name in REST_SCOPE_TABLES}
    return EnvironmentState(rows, state.paused, state.secrets, state.undecryptable)


# -- reading a database (shell) ----------------------------------------------------------
def read_state(
    db_url: str,
    fernet_key: str,
    exclude_dag_ids: Iterable[str],
    adjust: Callable[[dict[str, RawTable]], None] | None = None,
) -> EnvironmentState:
    """The state of the metadata database ``db_url`` (secrets decrypted with ``fernet_key``).
    ``adjust`` edits the tables as read, before they are normalised (forward_oracle)."""
    import psycopg2

    excluded = tuple(sorted(set(exclude_dag_ids)))
    conn = psycopg2.connect(db_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            raw = read_tables(cur)
            if adjust is not None:
                adjust(raw)
            rows = normalise(raw, fernet_key, excluded)
            cur.execute("SELECT dag_id, is_paused FROM dag ORDER BY dag_id")
            paused = {str(d): bool(p) for d, p in cur.fetchall() if d not in excluded}
            secrets, bad = _secrets(cur, fernet_key)
    finally:
        conn.close()
    return EnvironmentState(rows, paused, secrets, bad)


def _secrets(cur: Any, fernet_key: str) -> tuple[dict[str, str | None], list[str]]:
    """Decrypted variable values and connection passwords/extras, by name."""
    from cryptography.fernet import Fernet, InvalidToken

    fernet = Fernet(fernet_key.encode())
    values: dict[str, str | None] = {}
    bad: list[str] = []

    def put(name: str, value: str | None, encrypted: bool) -> None:
        if value is None or not encrypted:
            values[name] = value
            return
        try:
            values[name] = fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            bad.append(name)

    cur.execute('SELECT "key", val, is_encrypted FROM variable')
    for key, val, enc in cur.fetchall():
        put(f"variable {key}", val, bool(enc))
    cur.execute("SELECT conn_id, password, is_encrypted, extra, is_extra_encrypted FROM connection")
    for conn_id, password, enc, extra, extra_enc in cur.fetchall():
        put(f"connection {conn_id} password", password, bool(enc))
        put(f"connection {conn_id} extra", extra, bool(extra_enc))
    return values, bad
