"""Snapshots and arguments a restore or export must refuse, changing nothing (issue 13).

Run against the real PostgreSQL server with the tiny Airflow-shaped schema of
``mini_airflow`` (no Airflow needed; see there).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.metadata import (
    SnapshotInvalid,
    WrongKey,
    export_snapshot,
    open_store,
    restore_snapshot,
)
from tests.metadata.mini_airflow import MiniPair, rows, sequences

pytestmark = pytest.mark.postgres
runner = CliRunner()


def _export(pair: MiniPair, folder: Path, **kwargs: Any) -> Any:
    return export_snapshot(pair.source, open_store(str(folder)), fernet_key=pair.key, **kwargs)


def _import(url: str, folder: Path, key: str, *extra: str) -> Any:
    return runner.invoke(
        app,
        ["metadata", "import", "--allow-unsigned", "--db-url", url, "--from", str(folder),
         "--fernet-key", key, "--source-fernet-key", key, *extra],
    )  # fmt: skip


def _replace_table_file(folder: Path, table: str, edit: Callable[[bytes], bytes]) -> None:
    """Rewrite a table's CSV and make the manifest match it (size, sha256, rows, and
    decompressed size)."""
    path = folder / "tables" / f"{table}.csv.gz"
    csv = edit(gzip.decompress(path.read_bytes()))
    data = gzip.compress(csv)
    path.write_bytes(data)
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["tables"][table].update(
        bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        rows=csv.count(b"\n"),
        raw_bytes=len(csv),
    )
    manifest_path.write_text(json.dumps(manifest))


def test_mini_schema_round_trip(mini_pair: MiniPair, tmp_path: Path) -> None:
    """The fixture itself: the engine exports and restores it like an Airflow database."""
    _export(mini_pair, tmp_path)
    report = restore_snapshot(
        mini_pair.target, open_store(str(tmp_path)), fernet_key=mini_pair.key,
        snapshot_key=mini_pair.key,
    )  # fmt: skip
    assert report.to_dict()["rows"] == {"job": 3, "variable": 2, "dag_run": 2, "log": 2}


@pytest.mark.parametrize(
    "edit",
    [
        lambda csv: csv.replace(b"41,", b"forty-one,", 1),  # not an integer
        lambda csv: csv.replace(b"\n", b",extra\n", 1),  # a column too many
        lambda csv: csv.replace(b"SchedulerJob", b"Sched\xffulerJob", 1),  # not UTF-8
    ],
    ids=["bad value", "extra column", "bad encoding"],
)
def test_a_csv_the_database_refuses_is_a_bad_snapshot(
    mini_pair: MiniPair, tmp_path: Path, edit: Callable[[bytes], bytes]
) -> None:
    """Bytes that match the manifest but do not load: the snapshot is at fault (exit 2),
    not the restore (exit 1), and the message names the file."""
    _export(mini_pair, tmp_path)
    _replace_table_file(tmp_path, "job", edit)
    before = rows(mini_pair.target), sequences(mini_pair.target)
    done = _import(mini_pair.target_url, tmp_path, mini_pair.key)
    assert done.exit_code == 2, done.output
    assert "tables/job.csv.gz" in done.stderr and "does not load" in done.stderr
    assert "(line 1" in done.stderr and "Traceback" not in done.output
    assert (rows(mini_pair.target), sequences(mini_pair.target)) == before
    with pytest.raises(SnapshotInvalid, match=r"tables/job\.csv\.gz"):
        restore_snapshot(
            mini_pair.target, open_store(str(tmp_path)), fernet_key=mini_pair.key,
            snapshot_key=mini_pair.key,
        )  # fmt: skip


def test_a_refused_restore_leaves_sequences_untouched(mini_pair: MiniPair, tmp_path: Path) -> None:
    """A secret that does not decrypt is refused ("nothing was changed"): no id may have
    been drawn before, though job rows come before variables in the restore order."""
    _export(mini_pair, tmp_path)

    def garble(csv: bytes) -> bytes:
        return re.sub(rb'("secret",")gAAAA[^"]*', rb"\1gAAAAABnot-a-token", csv)

    _replace_table_file(tmp_path, "variable", garble)
    before = rows(mini_pair.target), sequences(mini_pair.target)
    with pytest.raises(WrongKey, match="nothing was changed"):
        restore_snapshot(
            mini_pair.target, open_store(str(tmp_path)), fernet_key=mini_pair.key,
            snapshot_key=mini_pair.key,
        )  # fmt: skip
    assert (rows(mini_pair.target), sequences(mini_pair.target)) == before


def test_restore_into_its_own_source_is_refused_whatever_the_url(
    mini_pair: MiniPair, tmp_path: Path
) -> None:
    """A CLI export has no excluded run to recognise its source by; the driver suffix,
    host spelling or a copy of the URL must not let the source restore its own rows."""
    export = runner.invoke(
        app, ["metadata", "export", "--db-url", mini_pair.source_url, "--to", str(tmp_path),
              "--fernet-key", mini_pair.key],
    )  # fmt: skip
    assert export.exit_code == 0, export.output
    before = rows(mini_pair.source), sequences(mini_pair.source)
    for url in (
        mini_pair.source_url.replace("postgresql://", "postgresql+psycopg2://", 1),
        mini_pair.source_url.replace("127.0.0.1", "localhost", 1),
    ):
        done = _import(url, tmp_path, mini_pair.key)
        assert done.exit_code == 2, done.output
        assert "exported from this database" in done.stderr and "--force" in done.stderr
        assert (rows(mini_pair.source), sequences(mini_pair.source)) == before
    # another database restores it; the source only when forced
    assert _import(mini_pair.target_url, tmp_path, mini_pair.key).exit_code == 0
    forced = _import(mini_pair.source_url, tmp_path, mini_pair.key, "--force", "--json")
    assert forced.exit_code == 0 and json.loads(forced.stdout)["forced"] is True
