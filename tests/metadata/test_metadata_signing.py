"""MACs by the deployment's KMS HMAC key: message format, run authorizations, manifest MACs.

KMS is moto's (GenerateMac/VerifyMac with real HMAC-SHA256); snapshots are real
snapshot folders. A forged snapshot re-hashed by hand must not pass.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from mwaa_pause_resume.dags.authorization import authorize, snapshot_id_in
from mwaa_pause_resume.dags.trust import Trust, TrustMissing, load_trust, trust_document
from mwaa_pause_resume.metadata.run_authorization import (
    AuthorizationRefused,
    RunClaims,
    check,
    check_claims,
    issue,
)
from mwaa_pause_resume.metadata.signing import (
    MANIFEST,
    SignatureInvalid,
    canonical,
    sign,
    verify,
)
from mwaa_pause_resume.metadata.snapshot_mac import (
    MAC_NAME,
    SnapshotUnsigned,
    authenticated_store,
    sign_manifest,
)
from mwaa_pause_resume.metadata.store import open_store

ENV, DAG, RUN = "dev", "mwaa_export_data", "mpr-20261125T170200Z-1a2b"
SNAP = "s3://backups/dev/20261125T170200Z-1a2b/"
NOW = 1_800_000_000.0


@pytest.fixture
def kms() -> Iterator[Any]:
    import boto3

    with mock_aws():
        yield boto3.client("kms", region_name="us-east-1")


def hmac_key(kms: Any) -> str:
    meta = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    return str(meta["Arn"])


def claims(**changes: Any) -> RunClaims:
    values: dict[str, Any] = {
        "environment": ENV,
        "dag_id": DAG,
        "run_id": RUN,
        "snapshot": SNAP,
        "expires": NOW + 600,
    }
    return RunClaims(**{**values, **changes})


# -- message format (pure) -------------------------------------------------------------
def test_canonical_json_is_order_and_space_independent() -> None:
    assert canonical({"b": 1, "a": [1, "é"]}) == b'{"a":[1,"\\u00e9"],"b":1}'
    assert canonical({"a": 1, "b": 2}) == canonical({"b": 2, "a": 1})
    with pytest.raises(ValueError, match="Out of range"):
        canonical({"x": float("nan")})


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"environment": "prod"}, "for environment 'prod', not 'dev'"),
        ({"dag_id": "other"}, "for dag_id 'other'"),
        ({"run_id": "manual__2026"}, "for run_id 'manual__2026'"),
        ({"snapshot": "s3://backups/dev/other/"}, "for snapshot"),
        ({"expires": NOW - 5}, "expired 5 s ago"),
    ],
)
def test_claims_must_be_this_run_and_current(changes: dict[str, Any], fragment: str) -> None:
    payload = claims(**changes).fields()
    check_claims(claims().fields(), claims(), NOW)  # the same run passes
    with pytest.raises(AuthorizationRefused, match=fragment):
        check_claims(payload, claims(), NOW)


@pytest.mark.parametrize(
    "snapshot",
    [
        "s3://backups/prod/20261125T170200Z-1a2b/",  # another environment's prefix
        "s3://other-bucket/dev/20261125T170200Z-1a2b/",  # another bucket
        "s3://backups/dev/../prod/x/",
        "s3://backups/dev/a/b/",
        "s3://backups/dev/",
        "/tmp/anywhere",
        None,
    ],
)
def test_snapshot_outside_the_environments_prefix_is_refused(snapshot: Any) -> None:
    assert snapshot_id_in(SNAP, "s3://backups/", ENV) == "20261125T170200Z-1a2b"
    with pytest.raises(AuthorizationRefused, match="outside this environment's own snapshots"):
        snapshot_id_in(snapshot, "s3://backups/", ENV)


def test_trust_file_is_required(tmp_path: Path) -> None:
    with pytest.raises(TrustMissing, match=r"no trust file .*`mwaa-pause-resume deploy`"):
        load_trust(tmp_path / "trust.json")
    (tmp_path / "trust.json").write_text('{"mac_key_id": "k"}')
    with pytest.raises(TrustMissing, match="lacks mac_key_id, snapshot_root, deployment"):
        load_trust(tmp_path / "trust.json")
    doc = trust_document(mac_key_id="k", snapshot_root="s3://b", deployment="d")
    (tmp_path / "trust.json").write_text(json.dumps(doc))
    assert load_trust(tmp_path / "trust.json") == Trust("k", "s3://b/", "d")


# -- KMS (moto) ------------------------------------------------------------------------
def test_mac_round_trip_and_refusals(kms: Any) -> None:
    key, other_key = hmac_key(kms), hmac_key(kms)
    signed = sign(kms, key, MANIFEST, {"environment": ENV, "n": 1})
    assert verify(kms, key, MANIFEST, signed, "x") == {
        "environment": ENV,
        "n": 1,
        "purpose": MANIFEST,
    }
    altered = {**signed, "payload": {**signed["payload"], "n": 2}}
    with pytest.raises(SignatureInvalid, match="does not carry a valid MAC"):
        verify(kms, key, MANIFEST, altered, "x")
    with pytest.raises(SignatureInvalid, match="does not carry a valid MAC"):
        verify(kms, other_key, MANIFEST, signed, "x")  # MACed by a key not trusted here
    with pytest.raises(SignatureInvalid, match="signed for 'manifest', not 'environment'"):
        verify(kms, key, "environment", signed, "x")
    with pytest.raises(SignatureInvalid, match="has no MAC"):
        verify(kms, key, MANIFEST, {**signed, "mac": "not base64!"}, "x")
    with pytest.raises(ValueError, match="exceeds 4096"):
        sign(kms, key, MANIFEST, {"blob": "x" * 5000})


def test_run_authorization_issue_and_check(kms: Any) -> None:
    key, attacker_key = hmac_key(kms), hmac_key(kms)
    token = issue(kms, key, "export", claims())
    assert check(kms, key, "export", token, claims(), NOW)["run_id"] == RUN
    with pytest.raises(AuthorizationRefused, match="no export authorization"):
        check(kms, key, "export", None, claims(), NOW)
    with pytest.raises(AuthorizationRefused, match="signed for 'export-authorization'"):
        check(kms, key, "import", token, claims(), NOW)  # an export token cannot import
    forged = {**token, "payload": {**token["payload"], "run_id": "manual__x"}}
    with pytest.raises(AuthorizationRefused, match="valid MAC"):
        check(kms, key, "export", forged, claims(run_id="manual__x"), NOW)
    own = issue(kms, attacker_key, "export", claims(run_id="manual__x"))
    with pytest.raises(AuthorizationRefused, match="valid MAC"):
        check(kms, key, "export", own, claims(run_id="manual__x"), NOW)
    with pytest.raises(AuthorizationRefused, match="for run_id"):
        check(kms, key, "export", token, claims(run_id="manual__x"), NOW)  # replayed
    with pytest.raises(AuthorizationRefused, match="expired"):
        check(kms, key, "export", token, claims(), NOW + 601)


def test_dag_side_authorize_binds_trust_root_and_environment(kms: Any) -> None:
    key = hmac_key(kms)
    trust = Trust(key, "s3://backups/", "stack")
    conf = {"snapshot": SNAP, "authorization": issue(kms, key, "import", claims(dag_id="imp"))}
    got = authorize(conf, "imp", RUN, "import", environment=ENV, kms=kms, trust=trust, now=NOW)
    assert got == "20261125T170200Z-1a2b"
    # Another environment's DAGs: the snapshot is not theirs, and neither is the token.
    with pytest.raises(AuthorizationRefused, match="outside this environment's own"):
        authorize(conf, "imp", RUN, "import", environment="prod", kms=kms, trust=trust, now=NOW)
    elsewhere_conf = {**conf, "snapshot": "s3://backups/prod/20261125T170200Z-1a2b/"}
    with pytest.raises(AuthorizationRefused, match="for environment 'dev', not 'prod'"):
        authorize(
            elsewhere_conf, "imp", RUN, "import", environment="prod", kms=kms, trust=trust, now=NOW
        )
    with pytest.raises(AuthorizationRefused, match="outside"):
        elsewhere = Trust(key, "s3://other/", "stack")
        authorize(conf, "imp", RUN, "import", environment=ENV, kms=kms, trust=elsewhere, now=NOW)
    expired = NOW + 3600
    with pytest.raises(AuthorizationRefused, match="expired"):
        authorize(conf, "imp", RUN, "import", environment=ENV, kms=kms, trust=trust, now=expired)
    # The export's cleanup task (check_expiry=False) still recognizes its own run.
    authorize(conf, "imp", RUN, "import", environment=ENV, kms=kms, trust=trust, check_expiry=False)


def _snapshot(folder: Path) -> Any:
    """A small snapshot folder: one table file and a manifest naming its sha256."""
    folder.mkdir(parents=True)
    data = b"\x1f\x8b fake gzip"
    (folder / "tables").mkdir()
    (folder / "tables" / "variable.csv.gz").write_bytes(data)
    manifest = {
        "tables": {"variable": {"sha256": hashlib.sha256(data).hexdigest(), "rows": 1}},
        "secrets": {"scheme": "fernet"},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return open_store(str(folder))


def test_forged_rehashed_manifest_is_refused(kms: Any, tmp_path: Path) -> None:
    """The attacker edits a table file, recomputes its sha256 in the manifest: the
    manifest's MAC no longer matches."""
    key = hmac_key(kms)
    store = _snapshot(tmp_path / "dev" / "snap")
    sign_manifest(store, kms, key, environment=ENV, snapshot_id="snap")
    pinned = authenticated_store(store, kms, key, environment=ENV, snapshot_id="snap")
    with pinned.open_read("manifest.json") as src:
        original = src.read()
    forged = b"\x1f\x8b attacker rows"
    (tmp_path / "dev" / "snap" / "tables" / "variable.csv.gz").write_bytes(forged)
    manifest = json.loads(original)
    manifest["tables"]["variable"]["sha256"] = hashlib.sha256(forged).hexdigest()
    manifest["secrets"] = {"scheme": "none"}
    (tmp_path / "dev" / "snap" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SignatureInvalid, match="not the one the workflow signed"):
        authenticated_store(store, kms, key, environment=ENV, snapshot_id="snap")
    # The pinned store serves the bytes that were checked, whatever the folder holds now.
    with pinned.open_read("manifest.json") as src:
        assert src.read() == original
    assert pinned.get_json("manifest.json") == json.loads(original)


def test_manifest_mac_binds_environment_and_snapshot(kms: Any, tmp_path: Path) -> None:
    key = hmac_key(kms)
    store = _snapshot(tmp_path / "snap")
    with pytest.raises(SnapshotUnsigned, match=f"has no {MAC_NAME}"):
        authenticated_store(store, kms, key, environment=ENV, snapshot_id="snap")
    sign_manifest(store, kms, key, environment="prod", snapshot_id="snap")
    with pytest.raises(SignatureInvalid, match="signs environment 'prod', not 'dev'"):
        authenticated_store(store, kms, key, environment=ENV, snapshot_id="snap")
    with pytest.raises(SignatureInvalid, match="signs snapshot_id 'snap', not 'older'"):
        authenticated_store(store, kms, key, environment="prod", snapshot_id="older")
    attacker_key = hmac_key(kms)
    sign_manifest(store, kms, attacker_key, environment=ENV, snapshot_id="snap")
    with pytest.raises(SignatureInvalid, match="valid MAC"):
        authenticated_store(store, kms, key, environment=ENV, snapshot_id="snap")
