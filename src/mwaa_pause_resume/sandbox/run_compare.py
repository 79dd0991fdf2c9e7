"""What the sandbox compares before the pause and after the resume.

An environment's state is read straight from its metadata database:

- the content of every kept table (:data:`mwaa_pause_resume.metadata.tables.KEPT`),
  normalised by :mod:`.row_compare` (surrogate ids replaced by natural keys,
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

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mwaa_pause_resume.sandbox.row_compare import (
    NormalTable,
    RowsComparison,
    compare_tables,
    normalise,
    read_tables,
)

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


# -- reading a database (shell) ----------------------------------------------------------
def read_state(db_url: str, fernet_key: str, exclude_dag_ids: Iterable[str]) -> EnvironmentState:
    """The state of the metadata database ``db_url`` (secrets decrypted with ``fernet_key``)."""
    import psycopg2

    excluded = tuple(sorted(set(exclude_dag_ids)))
    conn = psycopg2.connect(db_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            rows = normalise(read_tables(cur), fernet_key, excluded)
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
