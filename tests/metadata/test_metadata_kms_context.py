"""Snapshot data keys carry their environment in the KMS encryption context (issue 13).

moto's KMS checks the encryption context on Decrypt as AWS does: a data key made for
one environment cannot be decrypted under another's, which is what each execution
role's key grant (``kms:EncryptionContext:mwaa-pause-resume:environment``) relies on.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.metadata import open_store
from mwaa_pause_resume.metadata.errors import WrongKey
from mwaa_pause_resume.metadata.key_context import (
    ENVIRONMENT_CONTEXT_KEY,
    data_key_environment,
    environment_from_location,
)
from mwaa_pause_resume.metadata.manifest import Manifest, Secrets
from mwaa_pause_resume.metadata.rest_scope import write_rest_snapshot
from mwaa_pause_resume.metadata.secrets import new_snapshot_key, open_snapshot_key


def test_a_data_key_made_for_one_environment_is_refused_under_anothers(
    aws: dict[str, Any],
) -> None:
    cipher, secrets = new_snapshot_key(None, aws["key_id"], aws["kms"], environment="env-a")
    assert cipher is not None and secrets.environment == "env-a"
    blob = base64.b64decode(secrets.encrypted_data_key or "")
    # KMS itself: the same context decrypts, another one or none does not.
    context = {ENVIRONMENT_CONTEXT_KEY: "env-a"}
    aws["kms"].decrypt(CiphertextBlob=blob, EncryptionContext=context)
    for wrong in ({ENVIRONMENT_CONTEXT_KEY: "env-b"}, None):
        with pytest.raises(aws["kms"].exceptions.InvalidCiphertextException):
            aws["kms"].decrypt(
                CiphertextBlob=blob, **({"EncryptionContext": wrong} if wrong else {})
            )
    # The engine decrypts with the context the manifest records...
    opened = open_snapshot_key(secrets, None, aws["kms"])
    assert opened is not None
    assert opened.decrypt(cipher.encrypt("s3cr3t"), "test") == "s3cr3t"
    # ...and a manifest altered to name another environment gets nothing.
    forged = dataclasses.replace(secrets, environment="env-b")
    with pytest.raises(WrongKey, match=r"made for environment 'env-b'"):
        open_snapshot_key(forged, None, aws["kms"])


def test_the_manifest_records_the_environment_and_reads_older_manifests(
    aws: dict[str, Any],
) -> None:
    location = "s3://backups/analytics/20260301T000000Z-1a2b/"
    store = open_store(location, kms_key_id=aws["key_id"], s3_client=aws["s3"])
    manifest = write_rest_snapshot(store, {}, paused_states={}, airflow_version="3.0.6")
    assert manifest.secrets.environment == "analytics"  # from the location by default
    again = Manifest.from_json(manifest.to_json())
    assert again.secrets == manifest.secrets
    # A manifest written before the context existed: no secrets.environment, and its
    # data key (made without a context) still opens.
    made = aws["kms"].generate_data_key(KeyId=aws["key_id"], KeySpec="AES_256")
    legacy = manifest.to_dict()
    legacy["secrets"] = {
        "scheme": "kms-envelope",
        "encrypted_data_key": base64.b64encode(made["CiphertextBlob"]).decode(),
        "kms_key_id": aws["key_id"],
    }
    old = Manifest.from_dict(legacy)
    assert old.secrets.environment is None
    assert open_snapshot_key(old.secrets, None, aws["kms"]) is not None


def test_an_explicit_environment_wins_and_a_local_folder_needs_one(
    aws: dict[str, Any], tmp_path: Any
) -> None:
    assert environment_from_location("s3://b/dev/snap/") == "dev"
    assert environment_from_location("s3://b/snap-only/") is None
    assert environment_from_location(str(tmp_path)) is None
    assert data_key_environment("prod", "s3://b/dev/snap/") == "prod"
    store = open_store(str(tmp_path / "snap"), kms_key_id=aws["key_id"], kms_client=aws["kms"])
    with pytest.raises(WrongKey, match="no environment for the KMS encryption context") as refused:
        write_rest_snapshot(store, {}, paused_states={}, airflow_version="3.0.6")
    assert "--environment" in (refused.value.hint or "")
    manifest = write_rest_snapshot(
        store, {}, paused_states={}, airflow_version="3.0.6", environment="dev"
    )
    assert manifest.secrets == Secrets(
        "kms-envelope",
        encrypted_data_key=manifest.secrets.encrypted_data_key,
        kms_key_id=aws["key_id"],
        environment="dev",
    )


@pytest.mark.postgres
def test_the_cli_binds_the_data_key_to_environment(
    aws: dict[str, Any], mini_pair: Any, tmp_path: Any
) -> None:
    """``metadata export --kms-key-id``: a local folder needs --environment (exit 2, no
    traceback); the manifest records it and import decrypts with it."""
    runner = CliRunner()
    snap = str(tmp_path / "snap")
    base = ["metadata", "export", "--db-url", mini_pair.source_url, "--to", snap]
    base += ["--fernet-key", mini_pair.key, "--kms-key-id", aws["key_id"]]
    refused = runner.invoke(app, base)
    assert refused.exit_code == 2, refused.output
    assert "Traceback" not in refused.output
    assert "no environment for the KMS encryption context" in " ".join(refused.stderr.split())
    assert "--environment" in refused.stderr
    done = runner.invoke(app, [*base, "--environment", "analytics"])
    assert done.exit_code == 0, done.output
    manifest = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    assert manifest["secrets"]["scheme"] == "kms-envelope"
    assert manifest["secrets"]["environment"] == "analytics"
    command = ["metadata", "import", "--db-url", mini_pair.target_url, "--from", snap]
    # made here with `metadata export`, never signed
    imported = runner.invoke(app, [*command, "--fernet-key", mini_pair.key, "--allow-unsigned"])
    assert imported.exit_code == 0, imported.output
