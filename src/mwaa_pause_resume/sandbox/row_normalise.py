"""Row content of the kept tables, read from a database and made comparable across two
environments by the rules of :mod:`.row_rules`.

:func:`normalise` turns each row of each kept table into a comparable form:

- an ``id`` column is a surrogate (serial or Airflow 3 uuid) and is dropped; the
  natural key columns of the row stay;
- a column holding another row's id becomes that row's natural key
  (:data:`~.row_rules.REFERENCES`, :data:`~.row_rules.NATURAL_KEYS`), e.g.
  ``xcom.dag_run_id`` becomes ``dag_run(dag_id=..., run_id=...)``; a reference to a row
  that does not exist becomes NULL, as the restore makes it;
- Fernet-encrypted columns are decrypted with the side's own key;
- rows of the export/import DAGs (by ``dag_id`` or through what they reference)
  are dropped: the workflows add them;
- columns the restore documents as not carried over are dropped
  (:data:`~.row_rules.DROPPED_COLUMNS`).

:mod:`.row_diff` compares the result. Pure except :func:`read_tables`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.metadata.tables import KEPT, UNFINISHED_RUN_STATES, kept_tables
from mwaa_pause_resume.sandbox.row_rules import (
    CLEARED_USER_REFS,
    ENCRYPTED,
    NATURAL_KEYS,
    OWNED_BY_DAG,
    REFERENCES,
    Row,
    Value,
    dropped_columns,
)

UNDECRYPTABLE = "<does not decrypt with this environment's Fernet key>"


@dataclass(frozen=True)
class RawTable:
    """One table as read: column names, their SQL types, rows as text (NULL: None)."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]

    def dicts(self) -> list[dict[str, Value]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


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
