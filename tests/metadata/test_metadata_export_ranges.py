"""A large table read in page ranges by the export's two readers (issue 16).

Ranges are made tiny here (one page), so the mini schema's ``log`` table of a few
thousand rows is split the way a task_instance table of millions is.
"""

from __future__ import annotations

import gzip
import os
import threading
import time
import zlib
from pathlib import Path
from typing import Any

import psycopg2
import pytest

import mwaa_pause_resume.metadata.export_table_files as table_files
from mwaa_pause_resume.metadata import (
    export_snapshot,
    export_units,
    open_store,
    restore_snapshot,
    verify_snapshot,
)
from mwaa_pause_resume.metadata.export_readers import two_readers
from mwaa_pause_resume.metadata.export_units import Unit, plan_units
from tests.metadata.mini_airflow import MiniPair

pytestmark = pytest.mark.postgres
LOG_ROWS = 3000


def test_large_tables_are_planned_in_ranges_largest_first() -> None:
    units = plan_units(
        ["job", "log", "variable", "dag_run"],
        {"job": 5, "log": 10, "variable": 20, "dag_run": 3},
        {"job", "log", "dag_run"},  # variable has secrets: never split
        chunk_pages=4,
        split_min_pages=5,
    )
    assert [(u.table, u.index, u.of, u.first_page, u.end_page) for u in units] == [
        ("variable", 0, 1, 0, None),
        ("log", 0, 3, 0, 4),
        ("log", 1, 3, 4, 8),
        ("log", 2, 3, 8, None),  # open-ended: pages counted a moment late lose no row
        ("job", 0, 2, 0, 4),
        ("job", 1, 2, 4, None),
        ("dag_run", 0, 1, 0, None),
    ]
    assert units[1].ctid_condition() == (
        "\"log\".ctid >= '(0,0)'::tid AND \"log\".ctid < '(4,0)'::tid"
    )
    assert units[3].ctid_condition() == "\"log\".ctid >= '(8,0)'::tid"
    assert Unit("log").ctid_condition() == ""


def _fill_log(url: str) -> None:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO log (dttm, dag_id, event, owner, extra) SELECT now(), 'etl', "
            "'cli_task_run', 'airflow', repeat('x', 200) || i FROM generate_series(1, %s) i",
            (LOG_ROWS,),
        )
    conn.close()


def _members(path: Path) -> int:
    data, count = path.read_bytes(), 0
    while data:
        inflate = zlib.decompressobj(wbits=31)
        inflate.decompress(data)
        data, count = inflate.unused_data, count + 1
    return count


def _lines(path: Path) -> list[bytes]:
    return sorted(gzip.decompress(path.read_bytes()).splitlines())


@pytest.fixture
def tiny_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_units, "CHUNK_PAGES", 8)
    monkeypatch.setattr(export_units, "SPLIT_MIN_PAGES", 16)


@pytest.mark.usefixtures("tiny_ranges")
def test_a_table_read_in_ranges_is_one_file_that_verifies_and_restores(
    mini_pair: MiniPair, tmp_path: Path
) -> None:
    _fill_log(mini_pair.source_url)
    excluded = [("etl", "scheduled__1")]  # its audit-log row is left out of every range
    one = export_snapshot(
        mini_pair.source,
        open_store(str(tmp_path / "one")),
        fernet_key=mini_pair.key,
        exclude_dag_runs=excluded,
    )
    store = open_store(str(tmp_path / "two"))
    two = export_snapshot(
        mini_pair.source,
        store,
        fernet_key=mini_pair.key,
        exclude_dag_runs=excluded,
        connect=lambda: psycopg2.connect(mini_pair.source_url),
    )
    log = tmp_path / "two" / two.tables["log"].file
    assert _members(log) > 2  # one gzip member per range
    assert (two.tables["log"].rows, two.tables["log"].raw_bytes) == (
        one.tables["log"].rows,
        one.tables["log"].raw_bytes,
    )
    assert _lines(log) == _lines(tmp_path / "one" / one.tables["log"].file)
    assert verify_snapshot(store).rows["log"] == LOG_ROWS + 1
    assert [p.name for p in (tmp_path / "two" / "tables").iterdir() if ".part" in p.name] == []
    restore_snapshot(mini_pair.target, store, fernet_key=mini_pair.key, snapshot_key=mini_pair.key)
    with mini_pair.target.cursor() as cur:
        cur.execute("SELECT count(*), count(DISTINCT extra) FROM log WHERE event = 'cli_task_run'")
        assert cur.fetchone() == (LOG_ROWS, LOG_ROWS)


def test_each_range_is_a_tid_range_scan(mini_pair: MiniPair) -> None:
    """A range reads its pages only (PostgreSQL 14+), not the whole table each time."""
    _fill_log(mini_pair.source_url)
    unit = plan_units(["log"], {"log": 40}, {"log"}, chunk_pages=8, split_min_pages=16)[1]
    with mini_pair.source.cursor() as cur:
        cur.execute(f"EXPLAIN SELECT * FROM log WHERE {unit.ctid_condition()}")
        plan = " ".join(row[0] for row in cur.fetchall())
    mini_pair.source.rollback()
    assert "Tid Range Scan" in plan, plan


@pytest.mark.usefixtures("tiny_ranges")
def test_a_failing_range_leaves_no_table_file_and_no_manifest(
    mini_pair: MiniPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill_log(mini_pair.source_url)
    real = table_files.compress_table
    calls: list[str] = []

    def failing(cur: Any, out: Any, info: Any, where: str, **kwargs: Any) -> tuple[int, int]:
        calls.append(where)
        if "ctid >= '(8,0)'" in where:
            raise OSError("disk full")
        return real(cur, out, info, where, **kwargs)

    monkeypatch.setattr(table_files, "compress_table", failing)
    with pytest.raises(OSError, match="disk full"):
        export_snapshot(
            mini_pair.source,
            open_store(str(tmp_path)),
            fernet_key=mini_pair.key,
            connect=lambda: psycopg2.connect(mini_pair.source_url),
        )
    assert any("ctid" in where for where in calls)
    left = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()]
    assert "tables/log.csv.gz" not in left and "manifest.json" not in left
    assert not [name for name in left if name.endswith(".part")]


def test_the_second_reader_leaves_a_table_a_rewrite_waits_for(mini_pair: MiniPair) -> None:
    """A VACUUM FULL queued behind the export's own lock would block the second reader for
    ever (the export's transaction ends only after it): it leaves such a table to the
    first reader, whose lock is already granted, instead of waiting."""
    helper = psycopg2.connect(mini_pair.source_url, options="-c lock_timeout=20s")
    rewriters = [psycopg2.connect(mini_pair.source_url) for _ in range(2)]
    read_by: dict[str, str] = {}
    try:
        with mini_pair.source.cursor() as cur, helper.cursor() as other:
            cur.execute("LOCK TABLE log, job IN ACCESS SHARE MODE")
            waiting = [
                threading.Thread(
                    target=lambda c, t: c.cursor().execute(
                        f"LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE"
                    ),
                    args=(conn, table),
                    daemon=True,
                )
                for conn, table in zip(rewriters, ("log", "job"), strict=True)
            ]
            for thread in waiting:
                thread.start()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:  # both rewrites queue behind the export
                cur.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cur.fetchone()[0] == 2:
                    break
                time.sleep(0.05)

            def export_one(reader: Any, unit: Unit) -> str:
                reader.execute(f"SELECT count(*) FROM {unit.table}")
                return "first" if reader is cur else "second"

            started = time.monotonic()
            two_readers(
                cur,
                other,
                [Unit("log"), Unit("job")],
                export_one,
                done_one=lambda unit, who: read_by.__setitem__(unit.table, who),
                current=[None],
            )
            took = time.monotonic() - started
            mini_pair.source.rollback()  # the rewrites get their locks
            for thread in waiting:
                thread.join(10)
    finally:
        for conn in (helper, *rewriters):
            conn.close()
    assert read_by == {"log": "first", "job": "first"}
    assert took < 10  # NOWAIT: not after the second reader's lock_timeout (20 s)


def test_table_files_are_fsynced_together_before_the_manifest(
    mini_pair: MiniPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One fsync pass over every table file (in parallel: the file system commits them
    together) instead of one per file on the readers' path; the manifest only after it."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        real_replace(src, dst)
        events.append(("replace", str(dst)))

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    manifest = export_snapshot(
        mini_pair.source,
        open_store(str(tmp_path)),
        fernet_key=mini_pair.key,
        connect=lambda: psycopg2.connect(mini_pair.source_url),
    )
    files = {str(tmp_path / entry.file) for entry in manifest.tables.values()}
    synced = [i for i, (kind, path) in enumerate(events) if kind == "fsync" and path in files]
    placed = [i for i, (kind, path) in enumerate(events) if kind == "replace" and path in files]
    assert {events[i][1] for i in synced} == files
    assert min(synced) > max(placed)  # after the last table file is in place
    assert ("fsync", str(tmp_path / "tables")) in events
    last = events.index(("replace", str(tmp_path / "manifest.json")))
    assert last > max(synced)
