"""A snapshot key in another region than the environment (a spoke environment using the
hub's key, docs/fleet.md): KMS is called in the key's own region."""

from __future__ import annotations

import boto3
import pytest

from mwaa_pause_resume.metadata.store import S3Store, key_region

HUB_KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("key", "region"),
    [
        (HUB_KEY, "us-east-1"),
        ("arn:aws-cn:kms:cn-north-1:111122223333:alias/backups", "cn-north-1"),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", None),
        ("alias/backups", None),
        (None, None),
    ],
)
def test_key_region(key: str | None, region: str | None) -> None:
    assert key_region(key) == region


def test_the_store_calls_kms_in_the_keys_region() -> None:
    s3 = boto3.client(
        "s3", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    store = S3Store("hub-backups", "team-a/snap/", kms_key_id=HUB_KEY, s3_client=s3)
    assert store.kms_client().meta.region_name == "us-east-1"
    local = S3Store("hub-backups", "team-a/snap/", kms_key_id="alias/backups", s3_client=s3)
    assert local.kms_client().meta.region_name == "eu-west-1"
