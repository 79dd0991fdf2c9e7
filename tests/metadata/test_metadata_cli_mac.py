"""``metadata verify`` / ``metadata import`` check a snapshot's MAC (issue 13).

Real PostgreSQL (the tiny Airflow-shaped schema of ``mini_airflow``), a real snapshot
folder, moto's KMS for the HMAC key. A forged snapshot whose sha256 values were
recomputed by hand passes the engine's own checks but not the MAC: exit 2, the
database unchanged. Unsigned snapshots need ``--allow-unsigned``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.metadata import export_snapshot, open_store
from mwaa_pause_resume.metadata.snapshot_mac import sign_manifest
from tests.metadata.mini_airflow import MiniPair, rows, sequences
from tests.metadata.test_metadata_refusals import _replace_table_file

pytestmark = pytest.mark.postgres
runner = CliRunner()


@pytest.fixture
def kms(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import boto3

    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield boto3.client("kms")


def _cli(command: str, pair: MiniPair, folder: Path, *extra: str) -> Any:
    db = ["--db-url", pair.target_url, "--fernet-key", pair.key, "--source-fernet-key", pair.key]
    args = ["metadata", command, "--from", str(folder), *(db if command == "import" else [])]
    return runner.invoke(app, [*args, *extra])


def test_unsigned_snapshot_needs_allow_unsigned(mini_pair: MiniPair, tmp_path: Path) -> None:
    export_snapshot(mini_pair.source, open_store(str(tmp_path)), fernet_key=mini_pair.key)
    before = rows(mini_pair.target), sequences(mini_pair.target)
    for command in ("verify", "import"):
        done = _cli(command, mini_pair, tmp_path)
        assert done.exit_code == 2, done.output
        assert "is not checked: it carries no MAC" in done.stderr
        assert "--allow-unsigned" in done.stderr and "Traceback" not in done.output
    assert (rows(mini_pair.target), sequences(mini_pair.target)) == before
    done = _cli("verify", mini_pair, tmp_path, "--allow-unsigned")
    assert done.exit_code == 0, done.output
    assert "Not authenticated" in done.stderr


def test_forged_rehashed_snapshot_is_refused_by_verify_and_import(
    mini_pair: MiniPair, tmp_path: Path, kms: Any
) -> None:
    key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["Arn"]
    store = open_store(str(tmp_path))
    export_snapshot(mini_pair.source, store, fernet_key=mini_pair.key)
    sign_manifest(store, kms, key, environment="dev", snapshot_id="20261125T170200Z-1a2b")

    done = _cli("verify", mini_pair, tmp_path, "--mac-key", key)
    assert done.exit_code == 0, done.output
    assert "Authenticated: snapshot 20261125T170200Z-1a2b of environment dev" in done.stderr
    done = _cli("import", mini_pair, tmp_path, "--mac-key", key)
    assert done.exit_code == 0, done.output
    restored = rows(mini_pair.target), sequences(mini_pair.target)

    # The attacker rewrites a variable and makes the manifest match (size, sha256, rows).
    _replace_table_file(tmp_path, "variable", lambda csv: csv.replace(b",v,", b",attacker,"))
    done = _cli("verify", mini_pair, tmp_path, "--allow-unsigned")
    assert done.exit_code == 0, "the forgery is consistent: only the MAC catches it"
    for command in ("verify", "import"):
        done = _cli(command, mini_pair, tmp_path, "--mac-key", key)
        assert done.exit_code == 2, done.output
        assert "not the one the workflow signed" in done.stderr
        assert "Traceback" not in done.output
    assert (rows(mini_pair.target), sequences(mini_pair.target)) == restored

    done = _cli("verify", mini_pair, tmp_path, "--mac-key", key, "--allow-unsigned")
    assert done.exit_code == 2 and "exclude each other" in done.stderr
