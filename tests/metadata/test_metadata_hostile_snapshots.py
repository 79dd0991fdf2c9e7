"""Snapshot folders made to break the CLI: each ends in a clear refusal, exit 2 (issue 13).

No database: ``metadata verify`` reads the folder only.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.metadata import SnapshotInvalid, open_store, verify_snapshot
from mwaa_pause_resume.metadata.manifest import Column, Manifest, Secrets, TableEntry
from mwaa_pause_resume.metadata.schemas import SCHEMA_TABLES
from mwaa_pause_resume.metadata.tables import kept_tables

runner = CliRunner()


REVISION = "5f2621c13b39"  # Airflow 2.10.3
# every table an export of that schema writes: verify requires them all
COMPLETE = kept_tables(set(SCHEMA_TABLES[REVISION]))


def _write_snapshot(
    folder: Path, tables: dict[str, bytes], *, files: bool = True, revision: str = REVISION
) -> None:
    """A well-formed snapshot whose table files hold ``tables`` (gzip CSV bytes), the
    other tables of a complete 2.10.3 snapshot empty."""
    entries = {}
    empty = gzip.compress(b"")
    for name, data in {**tables, **{t: empty for t in COMPLETE if t not in tables}}.items():
        file = f"tables/{name}.csv.gz"
        if files:
            path = folder / file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        entries[name] = TableEntry(
            columns=(Column("id", "integer"),),
            rows=gzip.decompress(data).count(b"\n"),
            bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            file=file,
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


def _verify(folder: Path) -> Any:
    return runner.invoke(app, ["metadata", "verify", "--allow-unsigned", "--from", str(folder)])


@pytest.mark.parametrize("nested", ["[" * 100_000, '{"a":' * 100_000])
def test_manifest_nested_too_deeply(tmp_path: Path, nested: str) -> None:
    (tmp_path / "manifest.json").write_text(nested)
    done = _verify(tmp_path)
    assert done.exit_code == 2, done.output
    assert "not valid JSON" in done.stderr and "nested too deeply" in done.stderr
    assert isinstance(done.exception, SystemExit), done.exception
    store = open_store(str(tmp_path))
    with pytest.raises(SnapshotInvalid, match="nested too deeply"):
        store.get_json("manifest.json")
    with pytest.raises(SnapshotInvalid, match="nested too deeply"):
        Manifest.from_json(nested)


# OSC (set the window title), clear screen, an 8-bit CSI and a right-to-left override
HOSTILE = "job\x1b]0;owned\x07\x1b[2J\x9b31m\u202e"


def _assert_no_control(text: str) -> None:
    for char in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert char not in text, repr(text)


def test_terminal_escapes_from_a_manifest_are_not_printed(tmp_path: Path) -> None:
    # a schema revision of no supported version: verify holds the snapshot to the
    # tables it lists (table names are checked against the ones export writes)
    _write_snapshot(tmp_path, {"job": gzip.compress(b"1\n")}, revision=HOSTILE)
    done = _verify(tmp_path)
    assert done.exit_code == 0, done.output
    _assert_no_control(done.output)
    assert "\\x1b]0;owned\\x07" in done.stdout  # shown escaped, so still recognisable


def test_terminal_escapes_in_an_error_are_not_printed(tmp_path: Path) -> None:
    _write_snapshot(tmp_path, {HOSTILE: gzip.compress(b"1\n")}, files=False)
    done = _verify(tmp_path)
    assert done.exit_code == 2, done.output
    assert "is missing" in done.stderr
    _assert_no_control(done.output)


@pytest.mark.parametrize("link", ["tables/job.csv.gz", "tables", "manifest.json"])
def test_symbolic_links_are_refused(tmp_path: Path, link: str) -> None:
    """A link can point a snapshot's file outside its folder (another environment's
    snapshot, a secret on the machine): a snapshot holds regular files only."""
    folder, outside = tmp_path / "snap", tmp_path / "outside"
    _write_snapshot(folder, {"job": gzip.compress(b"1\n")})
    (folder / link).rename(outside)
    (folder / link).symlink_to(outside)
    with pytest.raises(SnapshotInvalid, match="symbolic link"):
        verify_snapshot(open_store(str(folder)))
    done = _verify(folder)
    assert done.exit_code == 2, done.output
    assert "symbolic link" in done.stderr and "Traceback" not in done.output


def test_export_never_writes_through_a_link(tmp_path: Path) -> None:
    folder, outside = tmp_path / "snap", tmp_path / "outside"
    outside.mkdir()
    folder.mkdir()
    (folder / "tables").symlink_to(outside)
    store = open_store(str(folder))
    with pytest.raises(SnapshotInvalid, match="symbolic link"), store.open_write("tables/x") as out:
        out.write(b"x")
    assert list(outside.iterdir()) == []


def test_a_linked_snapshot_folder_itself_is_fine(tmp_path: Path) -> None:
    """The folder given may be a link (e.g. /tmp on macOS): only what is inside counts."""
    _write_snapshot(tmp_path / "real", {"job": gzip.compress(b"1\n")})
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    assert verify_snapshot(open_store(str(tmp_path / "alias"))).files == len(COMPLETE)


def test_a_table_name_that_makes_an_unsafe_file_name(tmp_path: Path) -> None:
    _write_snapshot(tmp_path, {"/job": gzip.compress(b"1\n")}, files=False)
    done = _verify(tmp_path)
    assert done.exit_code == 2, done.output
    assert "tables//job.csv.gz" in done.stderr and "Traceback" not in done.output
