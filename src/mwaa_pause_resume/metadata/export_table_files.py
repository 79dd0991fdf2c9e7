"""Writing one table of an export into its snapshot file: CSV through gzip, hashed.

A table without Fernet columns streams out of PostgreSQL (``COPY ... TO STDOUT``); one
with them (small: variables, connections, triggers) is read row by row, each secret
decrypted with the source key and encrypted again under the snapshot key. Either way
the file is one gzip member whose sha256, size and row count go into the manifest.
"""

from __future__ import annotations

import gzip
import io
from typing import IO, Any

from mwaa_pause_resume.metadata.catalog import Catalog, TableInfo, quote
from mwaa_pause_resume.metadata.layout import table_file
from mwaa_pause_resume.metadata.manifest import TableEntry
from mwaa_pause_resume.metadata.secrets import Cipher, check_decrypts, reencrypt, secret_fields
from mwaa_pause_resume.metadata.store import SnapshotStore
from mwaa_pause_resume.metadata.streams import (
    GZIP_LEVEL,
    Batches,
    HashingSink,
    csv_line,
    row_buffer,
)


def write_table(
    cur: Any,
    store: SnapshotStore,
    info: TableInfo,
    where: str,
    *,
    source: Cipher | None,
    snap: Cipher | None,
) -> TableEntry:
    """The table's rows (``where`` applied) into its snapshot file; its manifest entry."""
    with store.open_write(table_file(info.name)) as raw:
        sink = HashingSink(raw)
        rows, raw_bytes = compress_table(cur, sink, info, where, source=source, snap=snap)
    return table_entry(info, rows, sink, raw_bytes)


def compress_table(
    cur: Any,
    out: HashingSink | IO[bytes],
    info: TableInfo,
    where: str,
    *,
    source: Cipher | None = None,
    snap: Cipher | None = None,
) -> tuple[int, int]:
    """The table's rows (``where`` applied) as one gzip member into ``out``; their count
    and decompressed size."""
    cols = info.column_names
    select = f"SELECT {', '.join(quote(c) for c in cols)} FROM {quote(info.name)}{where}"
    fields = secret_fields(info.name, cols)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as gz:  # type: ignore[arg-type]
        with row_buffer(gz) as buf:
            if fields:
                rows = _export_secret_rows(
                    cur, info, where, buf, fields=fields, source=source, snap=snap
                )
            else:
                copy = f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER false)"
                cur.copy_expert(copy, buf)
                rows = cur.rowcount
        return rows, gz.tell()  # decompressed size: verify and restore stop at it


def table_entry(info: TableInfo, rows: int, sink: HashingSink, raw_bytes: int) -> TableEntry:
    """The manifest entry of a table file written through ``sink``."""
    return TableEntry(
        columns=tuple(info.columns),
        rows=rows,
        bytes=sink.bytes,
        sha256=sink.sha256,
        file=table_file(info.name),
        raw_bytes=raw_bytes,
    )


def _export_secret_rows(
    cur: Any,
    info: TableInfo,
    where: str,
    buf: io.BufferedWriter[Any],
    *,
    fields: Any,
    source: Cipher | None,
    snap: Cipher | None,
) -> int:
    """Rows with Fernet columns, re-encrypted one by one under the snapshot key."""
    cols = info.column_names
    # ::text gives PostgreSQL's own text form of every value, which COPY FROM parses back.
    flags = {f.flag for f in fields if f.flag}
    exprs = [f"{quote(c)}::text" for c in cols]
    count = 0
    key_col = _label_column(cols)
    # a server-side cursor in the same snapshot: rows arrive in batches, never all at once
    with cur.connection.cursor(name=f"_mpr_export_{info.name}") as reader:
        reader.execute(f"SELECT {', '.join(exprs)} FROM {quote(info.name)}{where}")
        for batch in Batches(reader):
            for values in batch:
                row = dict(zip(cols, values, strict=True))
                for flag in flags:
                    row[flag] = None if row[flag] is None else row[flag] == "true"
                label = f"{info.name} {row.get(key_col)!r}"
                row = reencrypt(row, fields, source, snap, label)
                for flag in flags:
                    row[flag] = None if row[flag] is None else ("true" if row[flag] else "false")
                buf.write(csv_line([row[c] for c in cols]))
                count += 1
    return count


def check_source_key(cur: Any, catalog: Catalog, names: list[str], source: Cipher | None) -> None:
    """Decrypt one stored value per encrypted column: a wrong key fails up front."""
    for name in names:
        cols = catalog.tables[name].column_names
        key_col = _label_column(cols)
        for field in secret_fields(name, cols):
            value = quote(field.column)
            encrypted = quote(field.flag) if field.flag else f"left({value}, 1) <> '{{'"
            cur.execute(
                f"SELECT {quote(key_col)}::text, {value} FROM {quote(name)} "
                f"WHERE {value} IS NOT NULL AND {value} <> '' AND {encrypted} LIMIT 1"
            )
            row = cur.fetchone()
            if row is not None:
                check_decrypts(source, row[1], f"{name} {row[0]!r}")


def _label_column(cols: list[str]) -> str:
    return "key" if "key" in cols else ("conn_id" if "conn_id" in cols else "id")
