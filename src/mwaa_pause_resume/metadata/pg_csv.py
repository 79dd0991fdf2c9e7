"""Reading a full-scope table file without a database: PostgreSQL's CSV, typed (pure).

The export writes each table with ``COPY ... TO STDOUT (FORMAT csv)`` (or, for tables with
secrets, :func:`~.streams.csv_line`, the same dialect): a NULL is an unquoted empty
field, an empty string is ``""``, a value with a comma, quote or newline is quoted with
its quotes doubled. Python's ``csv`` module (before 3.12) cannot tell NULL from an empty
string, hence this reader. Values come back typed by the manifest's column types, in
the form PostgreSQL's output has under the export's session settings (UTC, ISO dates,
``bytea_output = hex``). Used where an import has no database to ``COPY`` into (the REST
channel: :mod:`.rest_from_tables`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from mwaa_pause_resume.metadata.manifest import Column

# One field and what ends it: a quoted value ("" escapes a quote) or a plain one.
_FIELD = re.compile(r'(?:"((?:[^"]|"")*)"|([^,"\n]*))(,|\n|$)', re.S)
_INTEGER = ("integer", "bigint", "smallint")
_FLOAT = ("double precision", "real", "numeric")


class CsvDamaged(ValueError):
    """A line that is not PostgreSQL's CSV, or has the wrong number of fields."""


def rows(text: str, width: int) -> Iterator[list[str | None]]:
    """The raw fields of each line (None for NULL); :class:`CsvDamaged` on a bad line."""
    pos, line, row = 0, 1, []
    end = len(text)
    while pos < end:
        match = _FIELD.match(text, pos)
        if match is None or (match.end() == pos and pos < end):
            raise CsvDamaged(f"line {line} is not PostgreSQL CSV at character {pos}")
        quoted, plain, stop = match.groups()
        row.append(quoted.replace('""', '"') if quoted is not None else (plain or None))
        pos = match.end()
        if stop != ",":
            if len(row) != width:
                raise CsvDamaged(f"line {line} has {len(row)} fields, the manifest {width}")
            yield row
            row, line = [], line + 1
    if row:  # ended right after a comma
        raise CsvDamaged(f"line {line} ends after a comma")


def typed(value: str | None, pg_type: str) -> Any:
    """One field as Python: int, float, bool, JSON, bytes, an ISO 8601 timestamp string
    (with its offset: ``2025-01-01T00:00:00+00:00``) or the text itself."""
    if value is None:
        return None
    if pg_type in _INTEGER:
        return int(value)
    if pg_type in _FLOAT:
        return float(value)
    if pg_type == "boolean":
        return value in ("t", "true")
    if pg_type in ("json", "jsonb"):
        return json.loads(value)
    if pg_type == "bytea":
        return bytes.fromhex(value[2:]) if value.startswith("\\x") else value.encode()
    if pg_type.startswith("timestamp"):
        return datetime.fromisoformat(value).isoformat()
    return value


def records(text: str, columns: Sequence[Column]) -> list[dict[str, Any]]:
    """Every line of a table file as ``{column: typed value}``."""
    names = [c.name for c in columns]
    types = [c.type for c in columns]
    out = []
    for number, raw in enumerate(rows(text, len(columns)), 1):
        try:
            out.append({n: typed(v, t) for n, v, t in zip(names, raw, types, strict=True)})
        except ValueError as exc:
            raise CsvDamaged(f"line {number}: {exc}") from None
    return out
