"""Snapshot folders made to break the CLI: each ends in a clear refusal, exit 2 (issue 13).

No database: ``metadata verify`` reads the folder only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.metadata import SnapshotInvalid, open_store
from mwaa_pause_resume.metadata.manifest import Manifest

runner = CliRunner()


def _verify(folder: Path) -> Any:
    return runner.invoke(app, ["metadata", "verify", "--from", str(folder)])


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
