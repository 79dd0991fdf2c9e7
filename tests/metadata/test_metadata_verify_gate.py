"""Verify as the gate before DeleteEnvironment (issue 13, item 6): every table the
snapshot's scope and schema require, gzip integrity, row counts, and reading that stops
at the manifest's bounds. No database: verify reads the folder only."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.metadata import SnapshotInvalid, open_store, verify_snapshot
from mwaa_pause_resume.metadata.bounded_read import RowCounter
from mwaa_pause_resume.metadata.manifest import Column, Manifest, Secrets, TableEntry
from mwaa_pause_resume.metadata.rest_scope import read_rest_snapshot, write_rest_snapshot
from mwaa_pause_resume.metadata.schemas import SCHEMA_TABLES
from mwaa_pause_resume.metadata.streams import BUFFER
from mwaa_pause_resume.metadata.tables import kept_tables
from mwaa_pause_resume.metadata.verify import HashingReader

runner = CliRunner()
REVISION = "5f2621c13b39"  # Airflow 2.10.3
COMPLETE = kept_tables(set(SCHEMA_TABLES[REVISION]))
JOB_ROWS = b'1,"SchedulerJob","a\nb"\n2,"Local""Task",\n'  # a quoted newline: still 2 rows


def _snapshot(folder: Path, *, tables: list[str] | None = None, revision: str = REVISION) -> None:
    """A complete, consistent 2.10.3 snapshot (``tables`` to list fewer)."""
    entries = {}
    for name in COMPLETE if tables is None else tables:
        content = JOB_ROWS if name == "job" else b""
        data = gzip.compress(content, mtime=0)
        file = f"tables/{name}.csv.gz"
        (folder / "tables").mkdir(parents=True, exist_ok=True)
        (folder / file).write_bytes(data)
        entries[name] = TableEntry(
            columns=(Column("id", "integer"),),
            rows=2 if name == "job" else 0,
            bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            file=file,
            raw_bytes=len(content),
        )
    manifest = Manifest(
        created_at="2026-11-25T17:02:00+00:00",
        airflow_version="2.10.3",
        alembic_revision=revision,
        scope="full",
        tables=entries,
        secrets=Secrets("none"),
    )
    open_store(str(folder)).put_json("manifest.json", manifest.to_dict())


def _edit(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def _replace_file(folder: Path, table: str, data: bytes, **entry: Any) -> None:
    """New bytes for a table's file, the manifest's size and sha256 made to match."""
    (folder / f"tables/{table}.csv.gz").write_bytes(data)

    def match(manifest: dict[str, Any]) -> None:
        manifest["tables"][table].update(
            bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), **entry
        )
        manifest["tables"][table] = {
            k: v for k, v in manifest["tables"][table].items() if v is not None
        }

    _edit(folder, match)


def _refused(folder: Path, pattern: str) -> str:
    """verify raises naming ``pattern``; the CLI exits 2 with it, no traceback."""
    with pytest.raises(SnapshotInvalid, match=pattern) as err:
        verify_snapshot(open_store(str(folder)))
    done = runner.invoke(app, ["metadata", "verify", "--from", str(folder), "--allow-unsigned"])
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output and isinstance(done.exception, SystemExit)
    assert re.search(pattern, done.stderr.replace("\n", " ")), done.stderr
    return str(err.value)


def test_a_complete_snapshot_verifies(tmp_path: Path) -> None:
    _snapshot(tmp_path)
    report = verify_snapshot(open_store(str(tmp_path)), known_schema=True)
    assert report.files == len(COMPLETE) and report.rows["job"] == 2


def test_an_empty_tables_map_does_not_verify(tmp_path: Path) -> None:
    """It used to verify "OK 0 files": a gate that would let the environment be deleted
    for a snapshot that restores nothing."""
    _snapshot(tmp_path, tables=[])
    _refused(tmp_path, r"lists 0 table\(s\); an export of schema revision 5f2621c13b39 "
             r"\(Airflow 2\.10\.3, 2\.11\.0, 2\.11\.2\) writes \d+")  # fmt: skip


def test_a_table_removed_with_its_file_does_not_verify(tmp_path: Path) -> None:
    _snapshot(tmp_path, tables=[t for t in COMPLETE if t != "connection"])
    _refused(tmp_path, r"these are missing: connection")


def test_a_table_the_schema_does_not_have_does_not_verify(tmp_path: Path) -> None:
    _snapshot(tmp_path, tables=[*COMPLETE, "dag_version"])  # Airflow 3 only
    _refused(tmp_path, r"no export of schema revision 5f2621c13b39 .* writes: dag_version")


def test_a_table_export_never_writes_does_not_verify(tmp_path: Path) -> None:
    _snapshot(tmp_path, tables=[*COMPLETE, "ab_user"])
    _refused(tmp_path, r"never exports: ab_user")


def test_the_workflow_gate_refuses_a_schema_no_supported_version_has(tmp_path: Path) -> None:
    """``metadata verify`` works with any Airflow (a snapshot of another revision is held
    to the tables it records); the gate before DeleteEnvironment requires a revision
    MWAA can restore."""
    _snapshot(tmp_path, revision="0123456789ab")
    assert verify_snapshot(open_store(str(tmp_path))).files == len(COMPLETE)
    with pytest.raises(SnapshotInvalid, match="not that of a supported Airflow version"):
        verify_snapshot(open_store(str(tmp_path)), known_schema=True)
    # and at another revision a table missing from what the manifest records is missing
    _edit(tmp_path, lambda m: m.__setitem__("engine", {"not_copied": ["alembic_version", "job"]}))
    (tmp_path / "tables/job.csv.gz").unlink()
    _edit(tmp_path, lambda m: m["tables"].pop("job"))
    _refused(tmp_path, r"these are missing: job")


def test_a_rest_only_snapshot_missing_a_kind_does_not_verify(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    write_rest_snapshot(store, {}, paused_states={}, airflow_version="3.0.6")
    assert verify_snapshot(store).files == 6  # three kinds, positions, the run history's two
    (tmp_path / "rest/connections.jsonl.gz").unlink()
    _edit(tmp_path, lambda m: m["tables"].pop("connections"))
    _refused(tmp_path, r"rest-only snapshot lists dag_runs, pools, positions, task_instances, "
             r"variables; its export always writes exactly connections, dag_runs, pools, "
             r"positions, task_instances, variables \(older exports: without dag_runs, "
             r"positions, task_instances; run history kinds both or neither\)")  # fmt: skip


def test_a_rest_only_snapshot_with_half_the_run_history_does_not_verify(tmp_path: Path) -> None:
    store = open_store(str(tmp_path))
    write_rest_snapshot(store, {}, paused_states={}, airflow_version="3.2.1")
    (tmp_path / "rest/task_instances.jsonl.gz").unlink()
    _edit(tmp_path, lambda m: m["tables"].pop("task_instances"))
    _refused(
        tmp_path, r"rest-only snapshot lists connections, dag_runs, pools, positions, variables;"
    )


def _bad_crc(data: bytes) -> bytes:
    return data[:-8] + bytes([data[-8] ^ 0xFF]) + data[-7:]


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (_bad_crc, "CRC check failed"),
        (lambda data: data[:-4], "ended before the end-of-stream marker"),
        (lambda data: data + b"trailing junk", "Not a gzipped file"),
        (lambda data: b"\x1f\x8b" + b"not really gzip" * 10, "BadGzipFile"),
    ],
    ids=["bad CRC", "cut short", "trailing junk", "not gzip"],
)
def test_a_corrupt_gzip_matching_its_sha256_does_not_verify(
    tmp_path: Path, damage: Callable[[bytes], bytes], error: str
) -> None:
    """The manifest made to match the damaged bytes: only reading the gzip stream finds it."""
    _snapshot(tmp_path)
    _replace_file(tmp_path, "job", damage((tmp_path / "tables/job.csv.gz").read_bytes()))
    _refused(tmp_path, rf"tables/job\.csv\.gz \(table job\) is not a valid gzip file .*{error}")


def test_rows_that_differ_from_the_manifest_do_not_verify(tmp_path: Path) -> None:
    _snapshot(tmp_path)
    _replace_file(tmp_path, "job", gzip.compress(JOB_ROWS[:-1]), rows=3, raw_bytes=None)
    _refused(tmp_path, r"tables/job\.csv\.gz \(table job\) holds 2 rows, the manifest says 3")
    _replace_file(tmp_path, "job", gzip.compress(JOB_ROWS + b'3,"x"'), rows=3, raw_bytes=999)
    _refused(tmp_path, rf"expands to {len(JOB_ROWS) + 5} bytes, the manifest says 999")
    _replace_file(tmp_path, "job", gzip.compress(b'1,"open\n'), rows=0, raw_bytes=None)
    _refused(tmp_path, r"ends inside a quoted value")


def bomb(unit: bytes, total: int) -> bytes:
    """``total`` bytes of ``unit`` repeated, as gzip members of 8 MiB each (~1000:1)."""
    block = 8 << 20
    member = gzip.compress(unit * (block // len(unit)), compresslevel=9, mtime=0)
    return member * (total // block)


def _stopped_early(message: str) -> None:
    read = int(re.search(r"reading stopped after (\d+) decompressed bytes", message)[1])  # type: ignore[index]
    assert read <= 2 * BUFFER, message


def test_a_gzip_bomb_stops_at_the_manifest_rows(tmp_path: Path) -> None:
    """2 MB of gzip that expands to 640 MB of rows, under a manifest that says 2 rows (and
    records no decompressed size, as older manifests): reading stops at the first chunk."""
    _snapshot(tmp_path)
    data = bomb(b"1\n", 640 << 20)
    assert len(data) < 2 << 20
    _replace_file(tmp_path, "job", data, raw_bytes=None)
    message = _refused(tmp_path, r"holds more than the manifest's 2 rows")
    _stopped_early(message)


def test_a_gzip_bomb_of_one_row_stops_at_the_manifest_size(tmp_path: Path) -> None:
    _snapshot(tmp_path)
    _replace_file(tmp_path, "job", bomb(b"x", 640 << 20), rows=1)
    message = _refused(tmp_path, rf"expands to more than the manifest's {len(JOB_ROWS)} bytes")
    _stopped_early(message)


def test_the_rest_only_import_reads_within_the_manifest_bounds(tmp_path: Path) -> None:
    """The import DAG reads a rest-only snapshot's records into memory: a bomb of JSON
    lines (re-hashed into the manifest) stops at the manifest's record count."""
    store = open_store(str(tmp_path))
    write_rest_snapshot(store, {}, paused_states={}, airflow_version="3.0.6")
    data = bomb(b'{"key": "v"}\n', 256 << 20)
    (tmp_path / "rest/variables.jsonl.gz").write_bytes(data)
    _edit(tmp_path, lambda m: m["tables"]["variables"].update(
        bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), raw_bytes=None
    ))  # fmt: skip
    manifest = Manifest.from_json((tmp_path / "manifest.json").read_text())
    with pytest.raises(SnapshotInvalid, match="holds more than the manifest's 0 rows") as err:
        read_rest_snapshot(store, manifest)
    _stopped_early(str(err.value))


def test_a_file_larger_than_its_manifest_is_not_read_to_its_end() -> None:
    """The store's object may grow between its size check and its read (S3)."""
    source = io.BytesIO(b"x" * (10 << 20))
    reader = HashingReader(source, limit=100)
    while reader.read(BUFFER):
        pass
    assert reader.bytes == 101 and source.tell() == 101


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, BUFFER])
def test_rows_are_counted_as_postgresql_reads_csv(chunk: int) -> None:
    """Quoted newlines, escaped quotes and empty values, split anywhere between chunks:
    the same count as a CSV parser's."""
    data = b'1,"a\nb ""q"" \n",x\n2,"",y\n3,"""",z\n4,"a\n""\n""b",w\n5,,\n' * 50 + b"6,last"
    counter = RowCounter(csv=True)
    for start in range(0, len(data), chunk):
        counter.feed(data[start : start + chunk])
    assert not counter.inside_quotes
    assert counter.total() == len(list(csv.reader(io.StringIO(data.decode())))) == 251
