"""The resume workflow re-creates an environment only from what the pause workflow signed.

Real ASL (moto's interpreter), the real handlers, S3 and KMS in moto, the MWAA
emulator. Whoever may write the snapshot objects (an execution role, say) edits
them after a successful pause; the resume must fail before CreateEnvironment.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from mwaa_pause_resume.functions.signatures import ENVIRONMENT_MAC_FILE
from mwaa_pause_resume.metadata import open_store, verify_snapshot
from mwaa_pause_resume.metadata.snapshot_mac import MAC_NAME
from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows
from tests.workflows.workflow_fakes import BUCKET, ENV, read_json, settings

MakeLocal = Callable[..., LocalWorkflows]


def _paused(make_local: MakeLocal) -> tuple[LocalWorkflows, str]:
    local = make_local()
    result = local.run("pause", settings())
    assert result.status == "SUCCEEDED", result.cause
    assert ENV not in local.mwaa.names()
    return local, f"{ENV}/{result.output['snapshot_id']}/"


def _put(local: LocalWorkflows, key: str, body: bytes) -> None:
    local.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)


def _refused_before_create(local: LocalWorkflows, fragment: str) -> None:
    creates = local.mwaa.count("CreateEnvironment")
    result = local.run("resume", settings())
    assert result.status == "FAILED"
    assert result.error == "SnapshotUnauthentic", result.cause
    assert fragment in str(result.cause)
    assert "Nothing was created" in str(result.cause)
    assert local.mwaa.count("CreateEnvironment") == creates
    assert ENV not in local.mwaa.names()


def test_signed_snapshot_resumes(make_local: MakeLocal) -> None:
    local, prefix = _paused(make_local)
    keys = {o["Key"] for o in local.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert {f"{prefix}{MAC_NAME}", f"{prefix}{ENVIRONMENT_MAC_FILE}"} <= keys
    result = local.run("resume", settings())
    assert result.status == "SUCCEEDED", result.cause


@pytest.mark.parametrize(
    "change",
    [
        {"WebserverAccessMode": "PUBLIC_ONLY"},
        {"StartupScriptS3Path": "attacker.sh"},
        {"AirflowConfigurationOptions": {"core.load_examples": "True"}},
    ],
)
def test_tampered_environment_json_is_refused_before_create_environment(
    make_local: MakeLocal, change: dict[str, Any]
) -> None:
    local, prefix = _paused(make_local)
    document = read_json(local, f"{prefix}environment.json")
    document["Environment"].update(change)
    _put(local, f"{prefix}environment.json", json.dumps(document).encode())
    _refused_before_create(local, "not the one the pause workflow signed")


def test_environment_json_without_mac_is_refused(make_local: MakeLocal) -> None:
    local, prefix = _paused(make_local)
    local.client("s3").delete_object(Bucket=BUCKET, Key=f"{prefix}{ENVIRONMENT_MAC_FILE}")
    _refused_before_create(local, f"has no {ENVIRONMENT_MAC_FILE}")


def test_environment_mac_of_another_snapshot_is_refused(make_local: MakeLocal) -> None:
    """A genuine environment.json and MAC copied from an older snapshot over a newer one."""
    local, older = _paused(make_local)
    assert local.run("resume", settings()).status == "SUCCEEDED"
    newer = _paused_again(local)
    s3 = local.client("s3")
    for name in ("environment.json", ENVIRONMENT_MAC_FILE):
        body = s3.get_object(Bucket=BUCKET, Key=f"{older}{name}")["Body"].read()
        _put(local, f"{newer}{name}", body)
    _refused_before_create(local, "not the one the pause workflow signed")


def _paused_again(local: LocalWorkflows) -> str:
    result = local.run("pause", settings())
    assert result.status == "SUCCEEDED", result.cause
    return f"{ENV}/{result.output['snapshot_id']}/"


def test_forged_rehashed_snapshot_is_refused_before_create_environment(
    make_local: MakeLocal,
) -> None:
    """Table rows replaced, the manifest's sha256 and sizes recomputed: the engine's own
    checks pass, the manifest MAC does not."""
    local, prefix = _paused(make_local)
    manifest = read_json(local, f"{prefix}manifest.json")
    plain = b"smtp_password,attacker\n"  # one CSV row (table files have no header)
    forged = gzip.compress(plain, mtime=0)
    entry = manifest["tables"]["variable"]
    _put(local, f"{prefix}{entry['file']}", forged)
    entry.update(sha256=hashlib.sha256(forged).hexdigest(), bytes=len(forged), rows=1)
    entry.update(raw_bytes=len(plain))
    _put(local, f"{prefix}manifest.json", json.dumps(manifest).encode())
    # The forgery is consistent: the engine's verify alone (no MAC) accepts it.
    assert verify_snapshot(open_store(f"s3://{BUCKET}/{prefix}")).files >= 1
    _refused_before_create(local, "not the one the workflow signed")
