"""Import reads each snapshot file once, checking it as it streams into staging.

A file whose bytes or rows differ from the manifest aborts the import with an error
naming the table, and the target database is left exactly as it was: every row of
every table and every sequence (all files are staged and checked before the first
row of the target is written).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.metadata import (
    LocalStore,
    SnapshotInvalid,
    export_snapshot,
    restore_snapshot,
    verify_snapshot,
)
from tests.metadata.metadata_fingerprint import changed, fingerprint
from tests.metadata.metadata_seed import EXPORT_RUN

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]
runner = CliRunner()


class CountingStore(LocalStore):
    """A real local store that also counts how often each file is opened for reading."""

    def __init__(self, root: str) -> None:
        super().__init__(root)
        self.reads: Counter[str] = Counter()

    @contextlib.contextmanager
    def open_read(self, name: str) -> Iterator[IO[bytes]]:
        self.reads[name] += 1
        with super().open_read(name) as handle:
            yield handle


def _export(pair: Any) -> Any:
    return export_snapshot(
        pair.source,
        pair.store,
        fernet_key=pair.k1,
        airflow_version=pair.version,
        exclude_dag_runs=[EXPORT_RUN],
        original_paused=pair.facts["original_paused"],
    )


def _file(pair: Any, table: str) -> Path:
    return Path(pair.store.location) / "tables" / f"{table}.csv.gz"


def _edit_manifest(pair: Any, table: str, **values: Any) -> None:
    path = Path(pair.store.location) / "manifest.json"
    data = json.loads(path.read_text())
    data["tables"][table].update(values)
    path.write_text(json.dumps(data))


def _with_extra_row(data: bytes) -> bytes:
    """The same CSV with its last row twice (job rows hold no embedded newlines)."""
    text = gzip.decompress(data)
    return gzip.compress(text + text.splitlines(keepends=True)[-1], compresslevel=1)


def _refused(pair: Any, match: str) -> None:
    before = fingerprint(pair.target)
    with pytest.raises(SnapshotInvalid, match=match) as caught:
        restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    assert "use another snapshot" in (caught.value.hint or "")
    assert not changed(before, fingerprint(pair.target))


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_import_reads_every_file_once(
    make_pair: Callable[..., Any], version: str, tmp_path: Path
) -> None:
    pair = make_pair(version)
    manifest = _export(pair)
    store = CountingStore(pair.store.location)
    report = restore_snapshot(pair.target, store, fernet_key=pair.k2, snapshot_key=pair.k1)
    assert set(report.tables) == set(manifest.tables)
    assert store.reads == Counter(
        {"manifest.json": 1, **{entry.file: 1 for entry in manifest.tables.values()}}
    )
    # explicit verify still reads (and hashes) every file
    store.reads.clear()
    verify_snapshot(store)
    assert all(store.reads[entry.file] == 1 for entry in manifest.tables.values())


@pytest.mark.parametrize("version", ["2.10.3", "3.0.6"])
def test_one_changed_byte_is_caught_while_streaming(
    make_pair: Callable[..., Any], version: str
) -> None:
    """Same size, so only the hash computed during COPY can notice it."""
    pair = make_pair(version)
    _export(pair)
    for table in ("job", "log"):  # one of the first tables restored, one of the last
        path = _file(pair, table)
        original = path.read_bytes()
        data = bytearray(original)
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
        _refused(pair, rf"tables/{table}\.csv\.gz \(table {table}\) is corrupted")
        path.write_bytes(original)
    # and an untouched snapshot still restores
    restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)


def test_truncated_file_and_extra_row(make_pair: Callable[..., Any]) -> None:
    pair = make_pair("2.10.3")
    manifest = _export(pair)
    path = _file(pair, "job")
    original = path.read_bytes()
    entry = manifest.tables["job"]

    path.write_bytes(original[:-20])  # truncated
    _refused(pair, rf"tables/job\.csv\.gz \(table job\) has {entry.bytes - 20} bytes")

    longer = _with_extra_row(original)  # an extra row
    path.write_bytes(longer)
    _refused(pair, r"tables/job\.csv\.gz \(table job\) has \d+ bytes, the manifest says")

    # the manifest's size edited to match: the streamed sha256 catches it
    _edit_manifest(pair, "job", bytes=len(longer))
    _refused(pair, r"tables/job\.csv\.gz \(table job\) is corrupted")

    # size and sha256 both edited to match: the decompressed size (issue 13) disagrees,
    # and reading stops at it
    _edit_manifest(pair, "job", sha256=hashlib.sha256(longer).hexdigest())
    _refused(
        pair,
        rf"tables/job\.csv\.gz \(table job\) expands to more than the manifest's "
        rf"{entry.raw_bytes} bytes; reading stopped",
    )
    # that edited too (or absent, as in older manifests): the row count still disagrees,
    # and reading stops at the first row too many
    _edit_manifest(pair, "job", raw_bytes=len(gzip.decompress(longer)))
    _refused(
        pair,
        rf"tables/job\.csv\.gz \(table job\) holds more than the manifest's {entry.rows} "
        "rows; reading stopped",
    )
    # fewer rows than the manifest says: counted once COPY is done
    shorter = gzip.compress(b"".join(gzip.decompress(original).splitlines(True)[:-1]))
    path.write_bytes(shorter)
    _edit_manifest(
        pair,
        "job",
        bytes=len(shorter),
        sha256=hashlib.sha256(shorter).hexdigest(),
        raw_bytes=len(gzip.decompress(shorter)),
    )
    _refused(
        pair,
        rf"tables/job\.csv\.gz \(table job\) holds {entry.rows - 1} rows, the manifest "
        rf"says {entry.rows}",
    )


def test_cli_import_of_a_damaged_snapshot_exits_2(make_pair: Callable[..., Any]) -> None:
    pair = make_pair("2.10.3")
    _export(pair)
    path = _file(pair, "dag_run")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    before = fingerprint(pair.target)
    done = runner.invoke(
        app,
        [
            "metadata",
            "import",
            "--allow-unsigned",
            "--db-url",
            pair.target_url,
            "--from",
            pair.store.location,
            "--fernet-key",
            pair.k2,
            "--source-fernet-key",
            pair.k1,
        ],
    )
    assert done.exit_code == 2, done.output
    assert "table dag_run" in done.stderr and "corrupted" in done.stderr
    assert "nothing was changed" in done.stderr and "Traceback" not in done.output
    assert not changed(before, fingerprint(pair.target))
