"""One snapshot table file into one database table, checked against the manifest.

``COPY ... FROM STDIN`` while the file's bytes are hashed and bounded: a file whose size,
sha256, gzip stream, row count or CSV differs from its manifest entry raises
:class:`SnapshotInvalid` naming the file. Shared by the restore's staging tables and the
scratch schema of an older snapshot brought forward (:mod:`.forward`).
"""

from __future__ import annotations

import gzip
import zlib
from typing import Any

from mwaa_pause_resume.metadata.bounded_read import BoundedContent
from mwaa_pause_resume.metadata.catalog import quote
from mwaa_pause_resume.metadata.errors import SnapshotInvalid
from mwaa_pause_resume.metadata.manifest import TableEntry
from mwaa_pause_resume.metadata.store import SnapshotStore
from mwaa_pause_resume.metadata.streams import BUFFER
from mwaa_pause_resume.metadata.verify import HashingReader, content_mismatch, unloadable


class GzipReader:
    """Remembers a decompression error: psycopg2 turns it into a generic COPY failure."""

    def __init__(self, gz: gzip.GzipFile) -> None:
        self._gz = gz
        self.error: str | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            return self._gz.read(size)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            raise


def copy_file(cur: Any, store: SnapshotStore, name: str, entry: TableEntry, dest: str) -> int:
    """COPY ``entry``'s file into ``dest`` (a quoted table name); returns the rows loaded."""
    import psycopg2

    cols = entry.column_names
    with store.open_read(entry.file) as raw:
        hashing = HashingReader(raw, limit=entry.bytes)  # stops past the manifest's size
        with gzip.GzipFile(fileobj=hashing) as gz:
            reader = GzipReader(gz)
            # stops past the manifest's rows or decompressed size: no gzip bomb
            bounded = BoundedContent(reader, name, entry, csv=True)
            try:
                cur.copy_expert(
                    f"COPY {dest} ({', '.join(quote(c) for c in cols)}) FROM STDIN "
                    "WITH (FORMAT csv)",
                    bounded,
                    size=BUFFER,
                )
            except psycopg2.Error as exc:
                # bytes that differ from the export's explain any COPY failure best
                problem = content_mismatch(name, entry, *hashing.drain())
                if problem is not None:
                    raise problem from None
                if bounded.problem is not None:
                    raise bounded.problem from None
                if reader.error is not None:
                    # psycopg2 reports the reader's exception as a failed COPY
                    raise SnapshotInvalid(
                        f"{entry.file} is not a valid gzip file ({reader.error})",
                        hint="the snapshot is damaged; use another snapshot",
                    ) from None
                problem = unloadable(name, entry, exc)
                if problem is None:
                    raise
                raise problem from None
            loaded = int(cur.rowcount)
        problem = content_mismatch(name, entry, *hashing.drain())
    if problem is not None:
        raise problem
    if loaded != entry.rows:
        raise SnapshotInvalid(
            f"{entry.file} (table {name}) holds {loaded} rows, the manifest says {entry.rows}",
            hint="the snapshot is damaged; use another snapshot",
        )
    return loaded
