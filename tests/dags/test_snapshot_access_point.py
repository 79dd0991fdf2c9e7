"""The DAGs reach the backup bucket through their environment's access point (issue 17).

The stack names each environment's access point (infra/environment_resources.py) and
writes the ARN prefix into the DAGs' trust file; the DAG tasks compute their own
environment's access point from it (shared/snapshot_access_point.py) and address every
S3 call to it. Here against moto's S3 (which serves access points in process) with the
DAG tasks' own store opener, so the name the stack creates and the ARN the DAGs call
cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mwaa_pause_resume.dags import tasks
from mwaa_pause_resume.dags.run_conf import parse_export_conf
from mwaa_pause_resume.dags.trust import TrustMissing, load_trust, trust_document, write_trust
from mwaa_pause_resume.metadata.key_context import ENV_NAME_VARIABLE
from mwaa_pause_resume.metadata.store import PART_SIZE
from mwaa_pause_resume.shared.snapshot_access_point import (
    access_point_arn,
    access_point_name,
    arn_prefix,
)

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account
DEPLOYMENT = "MwaaPauseResume"
ENVIRONMENT = "Team_Analytics-prod"
BUCKET = "mpr-backups"
ENVIRONMENT_POINT = access_point_name(DEPLOYMENT, ENVIRONMENT)


@pytest.fixture
def backup_bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv(ENV_NAME_VARIABLE, ENVIRONMENT)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        created = boto3.client("s3control", region_name=REGION).create_access_point(
            AccountId=ACCOUNT, Name=access_point_name(DEPLOYMENT, ENVIRONMENT), Bucket=BUCKET
        )
        yield {"s3": s3, "access_point": created["AccessPointArn"]}


def _trust(tmp_path: Path, **extra: Any) -> Any:
    document = trust_document(
        mac_key_id=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/mac",
        snapshot_root=f"s3://{BUCKET}/",
        deployment=DEPLOYMENT,
        **extra,
    )
    return load_trust(write_trust(tmp_path, document))


def test_the_dags_write_and_read_through_their_access_point(
    backup_bucket: dict[str, Any], tmp_path: Path
) -> None:
    trust = _trust(tmp_path, access_point_arn_prefix=arn_prefix("aws", REGION, ACCOUNT, DEPLOYMENT))
    # the ARN the DAGs compute is the access point the stack creates (moto records
    # us-east-1 in the ARNs it returns, whatever the region: compare account and name)
    mine = trust.access_point(ENVIRONMENT)
    assert mine == f"arn:aws:s3:{REGION}:{ACCOUNT}:accesspoint/{ENVIRONMENT_POINT}"
    assert backup_bucket["access_point"].endswith(f":{ACCOUNT}:accesspoint/{ENVIRONMENT_POINT}")
    cfg = parse_export_conf({"snapshot": f"s3://{BUCKET}/{ENVIRONMENT}/20261203T090000Z-1a2b/"})
    store = tasks._snapshot_store(cfg, trust)
    assert store.bucket == mine  # what every S3 call names
    assert store.location == f"s3://{BUCKET}/{ENVIRONMENT}/20261203T090000Z-1a2b/"
    payload = b"x" * (PART_SIZE + 1024)  # two parts: the multipart calls go through it too
    with store.open_write("tables/dag_run.csv.gz") as out:
        out.write(payload)
    store.put_json("paused-states.json", {"paused_states": {"a": True}})
    # the objects are the bucket's, under the environment's prefix
    key = f"{ENVIRONMENT}/20261203T090000Z-1a2b/tables/dag_run.csv.gz"
    assert backup_bucket["s3"].get_object(Bucket=BUCKET, Key=key)["Body"].read() == payload
    with store.open_read("tables/dag_run.csv.gz") as read:
        assert read.read() == payload
    assert store.get_json("paused-states.json") == {"paused_states": {"a": True}}
    assert sorted(store.list("tables/")) == ["tables/dag_run.csv.gz"]


def test_without_an_access_point_in_the_trust_file_the_dags_use_the_bucket(
    backup_bucket: dict[str, Any], tmp_path: Path
) -> None:
    """The sandbox's trust file (its moto server serves access points only under AWS's
    host names), and DAG bundles deployed before access points existed."""
    trust = _trust(tmp_path)
    assert trust.access_point(ENVIRONMENT) is None
    cfg = parse_export_conf({"snapshot": f"s3://{BUCKET}/{ENVIRONMENT}/20261203T090000Z-1a2b/"})
    assert tasks._snapshot_store(cfg, trust).bucket == BUCKET


def test_a_trust_file_with_a_malformed_access_point_prefix_is_refused(tmp_path: Path) -> None:
    path = write_trust(
        tmp_path,
        {
            **trust_document(mac_key_id="k", snapshot_root="s3://b/", deployment="d"),
            "access_point_arn_prefix": "mpr-1234",
        },
    )
    with pytest.raises(TrustMissing, match="access_point_arn_prefix"):
        load_trust(path)
    assert json.loads(path.read_text())["access_point_arn_prefix"] == "mpr-1234"


@pytest.mark.parametrize(
    "name", ["dev", "Team_Analytics-prod", "A" * 80, "x-_-y", "_", "ÄÖ-is-not-allowed-but-safe"]
)
def test_access_point_names_are_valid_for_s3_and_distinct(name: str) -> None:
    """3-50 lowercase letters, digits and hyphens, starting with a letter or digit, not
    ending with a hyphen; two names that differ only in case or ``_``/``-`` stay apart."""
    import re

    made = access_point_name("a" * 128, name)
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]{1,48}[a-z0-9]", made), made
    assert made != access_point_name("a" * 128, name.swapcase() + "_")
    prefix = arn_prefix("aws", REGION, ACCOUNT, "a" * 128)
    assert access_point_arn(prefix, name).endswith(f"accesspoint/{made}")
