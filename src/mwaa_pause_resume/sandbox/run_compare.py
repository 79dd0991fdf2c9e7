"""What the sandbox compares before the pause and after the resume.

An environment's state is read straight from its metadata database:

- rows per kept table (:data:`mwaa_pause_resume.metadata.tables.KEPT`), not
  counting the rows of the export/import DAGs themselves (their runs, task
  instances, XComs, notes, audit entries): the pause and the resume add those;
- every DAG's paused state (the export/import DAGs excepted: the workflows
  unpause them);
- the secrets, decrypted with the environment's own Fernet key: variable values,
  connection passwords and extras.

The comparison (:func:`compare`, pure) also takes the *baseline*: the same rows
counted in a freshly created environment (same Airflow version, same DAG files)
before any history was added. A resumed environment is such a fresh environment
into which the snapshot was restored, so for tables the restore *adds* rows to
(``insert`` and ``keep_target`` policies) the rows it made itself (e.g. Airflow 3's
own DAG versions from parsing the DAG files) are subtracted from "after". For
tables the restore *merges* into (``merge``/``reuse``: DAGs, pools, variables,
connections, log templates) the fresh rows coincide with restored ones, so
nothing is subtracted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mwaa_pause_resume.metadata.tables import KEPT, kept_tables

ADDED_POLICIES = frozenset({"insert", "keep_target"})


@dataclass(frozen=True)
class EnvironmentState:
    """Rows per kept table, paused states and decrypted secrets of one environment."""

    tables: dict[str, int]
    paused: dict[str, bool]
    secrets: dict[str, str | None]
    undecryptable: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TableComparison:
    before: int
    after: int
    made_by_target: int

    @property
    def equal(self) -> bool:
        return self.before == self.after


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
            f"table {name}: {t.before} rows before, {t.after} after"
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
    before: EnvironmentState, after: EnvironmentState, baseline: Mapping[str, int]
) -> Comparison:
    """Pure: see the module's docstring for the rule."""
    tables: dict[str, TableComparison] = {}
    for name in sorted(set(before.tables) | set(after.tables)):
        rule = KEPT.get(name)
        made = baseline.get(name, 0) if rule is not None and rule.policy in ADDED_POLICIES else 0
        tables[name] = TableComparison(
            before.tables.get(name, 0), after.tables.get(name, 0) - made, made
        )
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


# -- reading a database (shell) ----------------------------------------------------------
def read_state(db_url: str, fernet_key: str, exclude_dag_ids: Iterable[str]) -> EnvironmentState:
    """The state of the metadata database ``db_url`` (secrets decrypted with ``fernet_key``)."""
    import psycopg2

    excluded = tuple(sorted(set(exclude_dag_ids)))
    conn = psycopg2.connect(db_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            tables = _count_kept(cur, excluded)
            cur.execute("SELECT dag_id, is_paused FROM dag ORDER BY dag_id")
            paused = {str(d): bool(p) for d, p in cur.fetchall() if d not in excluded}
            secrets, bad = _secrets(cur, fernet_key)
    finally:
        conn.close()
    return EnvironmentState(tables, paused, secrets, bad)


def _columns(cur: Any) -> dict[str, set[str]]:
    cur.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public'"
    )
    out: dict[str, set[str]] = {}
    for table, column in cur.fetchall():
        out.setdefault(str(table), set()).add(str(column))
    return out


def _count_kept(cur: Any, excluded: tuple[str, ...]) -> dict[str, int]:
    from psycopg2 import sql

    columns = _columns(cur)
    counts: dict[str, int] = {}
    for name in kept_tables(set(columns)):
        cols = columns[name]
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
        # Rows of the export/import DAGs, directly or through their runs / task instances.
        if excluded and "dag_id" in cols:
            query += sql.SQL(" WHERE dag_id IS NULL OR dag_id NOT IN %(ex)s")
        elif excluded and "dag_run_id" in cols:
            query += sql.SQL(
                " WHERE dag_run_id NOT IN (SELECT id FROM dag_run WHERE dag_id IN %(ex)s)"
            )
        elif excluded and "ti_id" in cols:
            query += sql.SQL(
                " WHERE ti_id NOT IN (SELECT id FROM task_instance WHERE dag_id IN %(ex)s)"
            )
        cur.execute(query, {"ex": excluded})
        row = cur.fetchone()
        counts[name] = int(row[0]) if row else 0
    return counts


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
