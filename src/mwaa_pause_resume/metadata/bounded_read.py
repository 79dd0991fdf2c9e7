"""Reading a snapshot file's decompressed content within its manifest's bounds.

A gzip file of 2 MB can expand to gigabytes. Verify and restore therefore read every
table file through :class:`BoundedContent`, which counts rows and decompressed bytes
as they pass and stops at the first byte past the manifest's ``rows`` or
``raw_bytes``: a file that holds more than its manifest says never fills memory or a
staging table. (The compressed bytes are bounded by ``verify.HashingReader``.)
Standard library only: the verify Lambda uses it.
"""

from __future__ import annotations

import re
from typing import Protocol

from mwaa_pause_resume.metadata.errors import SnapshotInvalid
from mwaa_pause_resume.metadata.manifest import TableEntry
from mwaa_pause_resume.metadata.streams import BUFFER

# A quoted CSV value, escaped quotes ("") included: two quoted runs back to back.
_QUOTED = re.compile(rb'"[^"]*"')
_HINT = "the snapshot is damaged or was not written by this tool's export; use another snapshot"


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class RowCounter:
    """Rows in PostgreSQL's CSV (a newline inside a quoted value is not a row end) or
    in JSON lines (the rest-only scope: JSON escapes its newlines), chunk by chunk."""

    def __init__(self, csv: bool) -> None:
        self._csv = csv
        self._inside = False  # in a quoted CSV value at the end of the last chunk
        self._last = b"\n"  # last byte seen: an unterminated final line is a row too
        self.rows = 0  # complete (newline-terminated) rows so far

    def feed(self, data: bytes) -> int:
        if not data:
            return self.rows
        self._last = data[-1:]
        if not self._csv:
            self.rows += data.count(b"\n")
            return self.rows
        if self._inside:
            data = b'"' + data  # reopen the value: the regex sees whole quoted runs
        if b'"' in data:  # drop quoted runs; what remains is outside any value
            data = _QUOTED.sub(b"", data)
        opened = data.find(b'"')  # a value still open at the chunk's end
        self._inside = opened >= 0
        self.rows += data.count(b"\n", 0, opened) if self._inside else data.count(b"\n")
        return self.rows

    @property
    def inside_quotes(self) -> bool:
        return self._inside

    def total(self) -> int:
        """Rows at the end of the file (a last line without a newline counts)."""
        return self.rows + (0 if self._last == b"\n" else 1)


class BoundedContent:
    """Decompressed content of one table file, checked against its manifest entry as
    it is read (``read`` never returns more than the manifest allows).

    On the first byte past the bounds it raises :class:`SnapshotInvalid` and keeps it as
    ``problem``: psycopg2 turns an exception in ``read`` into a generic failed COPY, so
    the restore looks here for the reason.
    """

    def __init__(self, source: Readable, name: str, entry: TableEntry, *, csv: bool) -> None:
        self._source = source
        self._name = name
        self._entry = entry
        self._counter = RowCounter(csv)
        self.raw_bytes = 0
        self.problem: SnapshotInvalid | None = None

    def read(self, size: int = -1, /) -> bytes:
        data = self._source.read(size if size > 0 else BUFFER)  # never all at once
        self.raw_bytes += len(data)
        entry = self._entry
        if entry.raw_bytes is not None and self.raw_bytes > entry.raw_bytes:
            self._fail(f"expands to more than the manifest's {entry.raw_bytes} bytes")
        if self._counter.feed(data) > entry.rows:
            self._fail(f"holds more than the manifest's {entry.rows} rows")
        return data

    def finish(self) -> int:
        """After the last read: the rows and size are exactly the manifest's; the rows."""
        entry = self._entry
        if self._counter.inside_quotes:
            self._fail("ends inside a quoted value (the file is cut short)", stopped=False)
        rows = self._counter.total()
        if rows != entry.rows:
            self._fail(f"holds {rows} rows, the manifest says {entry.rows}", stopped=False)
        if entry.raw_bytes is not None and self.raw_bytes != entry.raw_bytes:
            self._fail(
                f"expands to {self.raw_bytes} bytes, the manifest says {entry.raw_bytes}",
                stopped=False,
            )
        return rows

    def _fail(self, what: str, *, stopped: bool = True) -> None:
        where = f"{self._entry.file} (table {self._name})"
        self.problem = SnapshotInvalid(
            f"{where} {what}"
            + (f"; reading stopped after {self.raw_bytes} decompressed bytes" if stopped else ""),
            hint=_HINT,
        )
        raise self.problem
