"""S3 store through moto: multipart streaming, SSE-KMS, envelope-encrypted secrets."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.fernet import Fernet

from mwaa_pause_resume.metadata import (
    SnapshotInvalid,
    WrongKey,
    export_snapshot,
    open_store,
    restore_snapshot,
    verify_snapshot,
)
from mwaa_pause_resume.metadata import store as store_module
from tests.metadata.metadata_seed import EXPORT_RUN, NASTY


def test_multipart_upload_streams_parts_and_reads_back(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "PART_SIZE", 5 * 1024 * 1024)  # S3's minimum part
    store = open_store("s3://backups/env/snap-1/", kms_key_id=aws["key_id"], s3_client=aws["s3"])
    block = bytes(range(256)) * 4096  # 1 MiB
    with store.open_write("tables/big.bin") as out:
        for _ in range(12):  # 12 MiB -> 3 parts
            out.write(block)
    head = aws["s3"].head_object(Bucket="backups", Key="env/snap-1/tables/big.bin")
    assert head["ContentLength"] == 12 * len(block)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["ETag"].strip('"').endswith("-3")  # a multipart object of three parts
    with store.open_read("tables/big.bin") as src:
        assert src.read() == block * 12
    assert store.list() == ["tables/big.bin"]
    assert store.size("tables/big.bin") == 12 * len(block)


def test_failed_write_leaves_no_object(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "PART_SIZE", 5 * 1024 * 1024)
    store = open_store("s3://backups/env/snap-2/", s3_client=aws["s3"])
    with pytest.raises(RuntimeError), store.open_write("tables/x.csv.gz") as out:
        out.write(b"x" * (6 * 1024 * 1024))
        raise RuntimeError("boom")
    assert not store.exists("tables/x.csv.gz")
    assert aws["s3"].list_multipart_uploads(Bucket="backups").get("Uploads", []) == []


@pytest.mark.postgres
@pytest.mark.airflow
def test_export_to_s3_with_kms_envelope_and_restore(
    aws: dict[str, Any], make_pair: Callable[..., Any]
) -> None:
    pair = make_pair("2.10.3")
    location = "s3://backups/dev-env/2026-03-01T00-00-00/"
    store = open_store(
        location, kms_key_id=aws["key_id"], s3_client=aws["s3"], kms_client=aws["kms"]
    )
    manifest = export_snapshot(
        pair.source, store, fernet_key=pair.k1, exclude_dag_runs=[EXPORT_RUN]
    )
    secrets = manifest.secrets
    assert secrets.scheme == "kms-envelope" and secrets.kms_key_id == aws["key_id"]
    assert secrets.key_fingerprint is None
    assert secrets.encrypted_data_key is not None
    # what is stored is the KMS-encrypted data key, which KMS turns back into the real key
    assert secrets.environment == "dev-env"  # the location's <env>/ folder (key_context)
    plain = aws["kms"].decrypt(
        CiphertextBlob=base64.b64decode(secrets.encrypted_data_key),
        EncryptionContext={"mwaa-pause-resume:environment": "dev-env"},
    )
    data_key = base64.urlsafe_b64encode(plain["Plaintext"])
    raw = aws["s3"].get_object(Bucket="backups", Key="dev-env/2026-03-01T00-00-00/manifest.json")
    assert raw["ServerSideEncryption"] == "aws:kms"
    assert data_key.decode() not in raw["Body"].read().decode()
    # every table object is SSE-KMS encrypted
    for entry in manifest.tables.values():
        head = aws["s3"].head_object(
            Bucket="backups", Key=f"dev-env/2026-03-01T00-00-00/{entry.file}"
        )
        assert head["ServerSideEncryption"] == "aws:kms"
    assert verify_snapshot(store).files == len(manifest.tables)
    # import: no source key needed, only kms:Decrypt (a fresh store object, as in the DAG)
    reader = open_store(location, s3_client=aws["s3"], kms_client=aws["kms"])
    restore_snapshot(pair.target, reader, fernet_key=pair.k2)
    with pair.target.cursor() as cur:
        cur.execute("SELECT val FROM variable WHERE key = 'secret'")
        (val,) = cur.fetchone()
    assert Fernet(pair.k2.encode()).decrypt(val.encode()).decode() == NASTY


@pytest.mark.postgres
@pytest.mark.airflow
def test_s3_snapshot_with_deleted_object_is_invalid(
    aws: dict[str, Any], make_pair: Callable[..., Any]
) -> None:
    pair = make_pair("2.10.3", seed_target_rows=False)
    store = open_store("s3://backups/e/s/", s3_client=aws["s3"])
    export_snapshot(pair.source, store, fernet_key=pair.k1)
    aws["s3"].delete_object(Bucket="backups", Key="e/s/tables/xcom.csv.gz")
    with pytest.raises(SnapshotInvalid, match=r"tables/xcom\.csv\.gz \(table xcom\) is missing"):
        verify_snapshot(store)


def test_kms_data_key_that_cannot_be_decrypted(aws: dict[str, Any]) -> None:
    from mwaa_pause_resume.metadata.manifest import Secrets
    from mwaa_pause_resume.metadata.secrets import open_snapshot_key

    bogus = Secrets(
        "kms-envelope",
        encrypted_data_key=base64.b64encode(b"junk" * 10).decode(),
        kms_key_id=aws["key_id"],
    )
    with pytest.raises(WrongKey, match="KMS could not decrypt"):
        open_snapshot_key(bogus, None, aws["kms"])
    assert json.dumps(vars(bogus))
