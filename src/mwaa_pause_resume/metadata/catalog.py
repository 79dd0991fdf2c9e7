"""What the live database says about its tables: columns, keys, foreign keys, sequences.

Everything structural the engine needs comes from PostgreSQL's catalog of the
connected database (its current schema), so a new Airflow column or foreign key
is picked up without a code change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mwaa_pause_resume.metadata.manifest import Column


@dataclass(frozen=True)
class ForeignKey:
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass
class TableInfo:
    name: str
    columns: list[Column]
    primary_key: tuple[str, ...] = ()
    unique_keys: list[tuple[str, ...]] = field(default_factory=list)  # includes the PK
    serial: str | None = None  # surrogate id column fed by a sequence
    sequence: str | None = None
    pages: int = 0  # size estimate (pg_class.relpages): the export reads large tables first

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def natural_keys(self) -> list[tuple[str, ...]]:
        """Unique keys other than the surrogate id."""
        return [k for k in self.unique_keys if k != (self.serial,)]


@dataclass
class Catalog:
    tables: dict[str, TableInfo]
    foreign_keys: list[ForeignKey]
    alembic_revision: str | None


_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
       pg_get_expr(d.adbin, d.adrelid), c.relpages
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'p')
ORDER BY c.relname, a.attnum
"""

_UNIQUE = """
SELECT c.relname, i.indisprimary,
       array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.num ORDER BY k.ord),
       i.indnkeyatts, 0 = ANY(i.indkey::int2[]) OR i.indpred IS NOT NULL
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
WHERE i.indisunique
ORDER BY c.relname, i.indisprimary DESC, i.indexrelid
"""

_FOREIGN = """
SELECT cl.relname,
       array(SELECT a.attname FROM unnest(co.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.num ORDER BY k.ord),
       rf.relname,
       array(SELECT a.attname FROM unnest(co.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.num ORDER BY k.ord)
FROM pg_constraint co
JOIN pg_class cl ON cl.oid = co.conrelid
JOIN pg_class rf ON rf.oid = co.confrelid
JOIN pg_namespace n ON n.oid = cl.relnamespace AND n.nspname = current_schema()
WHERE co.contype = 'f'
ORDER BY cl.relname, co.conname
"""


def read_catalog(cur: Any) -> Catalog:
    tables: dict[str, TableInfo] = {}
    cur.execute(_COLUMNS)
    for table, column, type_, default, pages in cur.fetchall():
        info = tables.setdefault(table, TableInfo(table, [], pages=max(0, pages)))
        info.columns.append(Column(column, type_))
        if default and default.startswith("nextval(") and info.serial is None:
            info.serial = column
            info.sequence = _sequence_name(default)
    cur.execute(_UNIQUE)
    for table, primary, cols, nkey, partial in cur.fetchall():
        if table not in tables or partial:
            continue
        key = tuple(cols[:nkey])
        if primary:
            tables[table].primary_key = key
        if key not in tables[table].unique_keys:
            tables[table].unique_keys.append(key)
    cur.execute(_FOREIGN)
    fks = [ForeignKey(t, tuple(c), r, tuple(rc)) for t, c, r, rc in cur.fetchall()]
    # dedupe: Airflow 2 declares some FKs twice under different names
    fks = list(dict.fromkeys(fks))
    revision = None
    if "alembic_version" in tables:
        cur.execute("SELECT version_num FROM alembic_version")
        row = cur.fetchone()
        revision = row[0] if row else None
    for info in tables.values():  # only a serial that IS the primary key is a surrogate id
        if info.serial and info.primary_key != (info.serial,):
            info.serial = info.sequence = None
    return Catalog(tables=tables, foreign_keys=fks, alembic_revision=revision)


def _sequence_name(default: str) -> str:
    # nextval('dag_run_id_seq'::regclass) -> dag_run_id_seq (may be schema-qualified/quoted)
    inner = default[len("nextval(") :].split("::", maxsplit=1)[0].rstrip(")")
    return inner.strip("'")


def quote(name: str) -> str:
    """Quote an identifier (Airflow has tables named ``trigger``, columns named ``key``)."""
    return '"' + name.replace('"', '""') + '"'
