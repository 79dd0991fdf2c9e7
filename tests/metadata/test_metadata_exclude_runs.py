"""Excluded runs reach the export's SQL as data, never as SQL text (issue 13).

With ``standard_conforming_strings`` off (a server or database setting), a backslash
escapes a quote inside a string literal: a run id spliced into the SQL with its quotes
doubled ends the literal early. Real PostgreSQL, tiny Airflow-shaped schema
(``mini_airflow``).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import psycopg2
import pytest

from mwaa_pause_resume.metadata import Manifest, export_snapshot, open_store
from tests.metadata.mini_airflow import MiniPair

pytestmark = pytest.mark.postgres


def _conforming(pair: MiniPair, value: str) -> None:
    with pair.source.cursor() as cur:
        cur.execute(
            f"ALTER DATABASE {pair.source.info.dbname} SET standard_conforming_strings = {value}"
        )
    pair.source.commit()


def _export(pair: MiniPair, folder: Path, runs: list[tuple[str, str]]) -> Manifest:
    conn = psycopg2.connect(pair.source_url)  # a new session takes the database's setting
    try:
        return export_snapshot(
            conn, open_store(str(folder)), fernet_key=pair.key, exclude_dag_runs=runs
        )
    finally:
        conn.close()


@pytest.mark.parametrize("conforming", ["on", "off"])
def test_a_run_id_with_a_backslash_and_a_quote(
    mini_pair: MiniPair, tmp_path: Path, conforming: str
) -> None:
    tricky = ("etl", "manual__it\\'s")
    _conforming(mini_pair, conforming)
    with mini_pair.source.cursor() as cur:
        cur.execute("INSERT INTO dag_run (dag_id, run_id, state) VALUES (%s, %s, 'ok')", tricky)
        cur.execute("INSERT INTO log (dag_id, run_id, event) VALUES (%s, %s, 'x')", tricky)
    mini_pair.source.commit()
    manifest = _export(mini_pair, tmp_path, [tricky])
    assert manifest.tables["dag_run"].rows == 2 and manifest.tables["log"].rows == 2
    exported = gzip.decompress((tmp_path / "tables/dag_run.csv.gz").read_bytes())
    assert b"manual__it" not in exported and b"scheduled__1" in exported
    assert manifest.excluded_dag_runs == [{"dag_id": tricky[0], "run_id": tricky[1]}]


def test_a_run_id_written_to_inject_sql(mini_pair: MiniPair, tmp_path: Path) -> None:
    """Spliced, this id closed the literal, made the exclusion match every row and
    commented out the rest: every run and audit-log row silently left the snapshot."""
    _conforming(mini_pair, "off")
    payload = "\\')) AS x(dag_id, run_id) WHERE true)) TO STDOUT WITH (FORMAT csv) --"
    manifest = _export(mini_pair, tmp_path, [("etl", payload)])
    assert manifest.tables["dag_run"].rows == 2 and manifest.tables["log"].rows == 2
