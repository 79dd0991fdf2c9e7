"""Two connections reading one snapshot: the export's second reader.

The export's own transaction exports its snapshot (``pg_export_snapshot``); a second
connection joins it (``SET TRANSACTION SNAPSHOT``), so both see exactly the same rows.
The two take turns on the export's units (``export_units``): whole tables, and page
ranges of a large table whose gzip members :class:`ChunkedFile` appends to one file.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any, TypeVar

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.metadata.catalog import quote
from mwaa_pause_resume.metadata.db import transaction
from mwaa_pause_resume.metadata.export_units import Unit
from mwaa_pause_resume.metadata.streams import BUFFER, HashingSink

T = TypeVar("T")


@contextlib.contextmanager
def second_reader(
    cur: Any, connect: Callable[[], Any] | None, excluded_setting: tuple[str, str] | None
) -> Iterator[Any]:
    """A cursor of a second connection in ``cur``'s snapshot, or None (one reader).

    Only an optimisation: no ``connect``, a standby (whose snapshots cannot be
    exported), or a second connection that cannot be opened or join the snapshot
    leaves the export to ``cur`` alone. ``excluded_setting`` (name, value) is set in the
    second transaction too: the export's queries read it.
    """
    import psycopg2

    if connect is None:
        yield None
        return
    cur.execute("SELECT pg_is_in_recovery()")
    if cur.fetchone()[0]:
        yield None
        return
    cur.execute("SELECT pg_export_snapshot()")
    snapshot = cur.fetchone()[0]
    try:
        conn = connect()
    except (psycopg2.Error, UserError):
        yield None
        return
    try:
        with transaction(conn, read_only=True) as other:
            try:
                other.execute("SET TRANSACTION SNAPSHOT %s", (snapshot,))
                if excluded_setting:
                    other.execute("SELECT set_config(%s, %s, true)", excluded_setting)
            except psycopg2.Error:
                conn.rollback()
                yield None
                return
            yield other
    finally:
        conn.close()


def table_pages(cur: Any, names: list[str]) -> dict[str, int]:
    """Each table's heap size in pages now (``pg_class.relpages`` is only as fresh as the
    last VACUUM/ANALYZE), for the order and ranges of :func:`export_units.plan_units`."""
    cur.execute(
        "SELECT t, pg_relation_size(to_regclass(quote_ident(t))) "
        "/ current_setting('block_size')::bigint FROM unnest(%s::text[]) AS t",
        (names,),
    )
    return {name: int(pages or 0) for name, pages in cur.fetchall()}


def lock_split_tables(cur: Any, units: list[Unit]) -> None:
    """Hold ACCESS SHARE on every table read in ranges before the first range is read.

    Both readers must see one physical layout: a VACUUM FULL or CLUSTER between two
    range reads would move rows to other ctids (read twice, or not at all). Held by the
    export's own transaction, the lock keeps any rewrite waiting until the export ends.
    """
    for table in sorted({u.table for u in units if u.split}):
        cur.execute(f"LOCK TABLE {quote(table)} IN ACCESS SHARE MODE")


class ChunkedFile:
    """One table file written from page ranges read in parallel.

    Each range is compressed into a spool (a temporary file) as a gzip member of its
    own; :meth:`add` appends the finished member to the store's file under a lock, so
    the file is a multi-member gzip stream (RFC 1952) that verify and restore read as
    one. The order of the members is the order ranges finish: a table's rows have no
    order in a snapshot. Hashes, sizes and rows add up over the members.
    """

    def __init__(self, sink: HashingSink, ranges: int) -> None:
        self._sink = sink
        self._left = ranges
        self._lock = threading.Lock()
        self.rows = 0
        self.raw_bytes = 0

    def add(self, spool: IO[bytes], rows: int, raw_bytes: int) -> bool:
        """Append one finished member (``spool`` from its start); True for the last."""
        spool.seek(0)
        with self._lock:
            shutil.copyfileobj(spool, self._sink, BUFFER)  # type: ignore[misc]
            self.rows += rows
            self.raw_bytes += raw_bytes
            self._left -= 1
            return self._left == 0


def two_readers(
    cur: Any,
    other: Any,
    units: list[Unit],
    export_one: Callable[[Any, Unit], T],
    *,
    done_one: Callable[[Unit, T], None],
    current: list[str | None],
) -> None:
    """Run ``export_one`` for every unit on two cursors of one snapshot: each takes the
    next unit when it is done with one, and ``done_one`` gets each result.

    The second cursor first takes ``LOCK TABLE ... NOWAIT`` (as pg_dump's workers do): if
    a rewrite (VACUUM FULL, ALTER TABLE) waits behind a lock of the export's own
    transaction, waiting for it would never end, since the export's transaction ends
    only after the second reader. The second reader then stops and leaves the unit, and
    the rest, to the first. The first failure otherwise stops both (the other's query is
    cancelled) and is raised, its table in ``current``.
    """
    import psycopg2.errors

    todo = list(units)
    failed: list[tuple[str, BaseException]] = []
    taken = [0]  # units being read: one the second reader gives back must not be lost
    turn = threading.Condition()

    def take() -> Unit | None:
        with turn:
            while not failed and not todo and taken[0]:
                turn.wait()
            if failed or not todo:
                return None
            taken[0] += 1
            return todo.pop(0)

    def settle(unit: Unit, *, back: bool = False) -> None:
        with turn:
            taken[0] -= 1
            if back:
                todo.insert(0, unit)  # the first reader takes it: its lock is granted
            turn.notify_all()

    def read(reader: Any, partner: Any, helper: bool) -> None:
        while (unit := take()) is not None:
            try:
                if helper:
                    reader.execute(f"LOCK TABLE {quote(unit.table)} IN ACCESS SHARE MODE NOWAIT")
                result = export_one(reader, unit)
            except psycopg2.errors.LockNotAvailable:
                settle(unit, back=True)
                return
            except BaseException as exc:
                with turn:
                    failed.append((unit.table, exc))
                partner.cancel()  # the other connection's COPY stops at once
                settle(unit)
                return
            with turn:
                done_one(unit, result)
            settle(unit)

    helper = threading.Thread(target=read, args=(other, cur.connection, True), daemon=True)
    helper.start()
    try:
        read(cur, other.connection, False)
    finally:
        helper.join()
    if failed:
        # a cancelled query's error is the consequence: report the failure that caused it
        name, exc = next(
            (f for f in failed if not isinstance(f[1], psycopg2.errors.QueryCanceled)),
            failed[0],
        )
        current[0] = name
        raise exc


def excluded_setting(name: str, runs: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The (setting, JSON value) the export sets for its excluded runs, or None."""
    if not runs:
        return None
    return name, json.dumps([{"dag_id": d, "run_id": r} for d, r in runs])
