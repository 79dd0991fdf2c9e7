"""Export with a second reader (``connect``): two connections, one snapshot (issue 16)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg2
import pytest

from mwaa_pause_resume.metadata import export_snapshot, open_store
from mwaa_pause_resume.metadata.db import transaction
from mwaa_pause_resume.metadata.export_readers import second_reader, two_readers
from mwaa_pause_resume.metadata.export_units import Unit
from tests.metadata.mini_airflow import MiniPair

pytestmark = pytest.mark.postgres
TABLES = ("job", "variable", "dag_run", "log")


def _counts(cur: Any) -> dict[str, int]:
    out = {}
    for table in TABLES:
        cur.execute(f"SELECT count(*) FROM {table}")
        out[table] = cur.fetchone()[0]
    return out


def _add_rows(url: str) -> None:
    """Commit one more row in every table, from a connection of its own."""
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO job (state) VALUES ('running')")
        cur.execute("INSERT INTO dag_run (dag_id, run_id) VALUES ('late', 'late')")
        cur.execute("INSERT INTO log (event) VALUES ('late')")
        cur.execute("INSERT INTO variable (key, val) VALUES ('late', 'v')")
    conn.close()


def test_the_second_reader_sees_the_first_readers_snapshot(mini_pair: MiniPair) -> None:
    opened: list[Any] = []

    def connect() -> Any:
        _add_rows(mini_pair.source_url)  # committed after the export's snapshot was taken
        opened.append(psycopg2.connect(mini_pair.source_url))
        return opened[-1]

    with transaction(mini_pair.source, read_only=True) as cur:
        before = _counts(cur)
        with second_reader(cur, connect, None) as other:
            assert other is not None
            assert _counts(other) == before
    assert opened[0].closed
    with mini_pair.source.cursor() as cur:
        assert _counts(cur) == {t: n + 1 for t, n in before.items()}


def test_two_readers_write_the_files_one_reader_writes(mini_pair: MiniPair, tmp_path: Path) -> None:
    one = export_snapshot(
        mini_pair.source, open_store(str(tmp_path / "one")), fernet_key=mini_pair.key
    )
    two = export_snapshot(
        mini_pair.source,
        open_store(str(tmp_path / "two")),
        fernet_key=mini_pair.key,
        snapshot_key=None,
        connect=lambda: psycopg2.connect(mini_pair.source_url),
    )
    assert list(two.tables) == list(one.tables)  # the manifest keeps the restore order
    for name, entry in one.tables.items():
        assert (two.tables[name].rows, two.tables[name].raw_bytes) == (
            entry.rows,
            entry.raw_bytes,
        ), name
        plain = (tmp_path / "one" / entry.file).read_bytes()
        if name != "variable":  # secrets are encrypted again (new IVs) on every export
            assert (tmp_path / "two" / entry.file).read_bytes() == plain, name


def test_a_failing_reader_stops_both_and_names_its_table(mini_pair: MiniPair) -> None:
    other_conn = psycopg2.connect(mini_pair.source_url)
    seen: list[str] = []

    def export_one(reader: Any, unit: Unit) -> None:
        seen.append(unit.table)
        if unit.table == "log":
            raise ValueError("damaged")
        reader.execute("SELECT pg_sleep(1)")  # cancelled when the other reader fails

    current: list[str | None] = [None]
    try:
        with (
            mini_pair.source.cursor() as cur,
            other_conn.cursor() as other,
            pytest.raises(ValueError, match="damaged"),
        ):
            two_readers(
                cur,
                other,
                [Unit(t) for t in ("log", *TABLES[:3])],
                export_one,
                done_one=lambda unit, result: None,
                current=current,
            )
    finally:
        other_conn.close()
    assert current[0] == "log"
    assert "log" in seen and set(seen) <= {"log", "job"}  # the first failure stops both
