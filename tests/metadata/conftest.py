"""Pairs of real Airflow-migrated databases: a busy source (key K1) and a fresh target (K2);
moto's S3 and KMS (``aws``) for the snapshot stores."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import psycopg2
import pytest
from cryptography.fernet import Fernet
from moto import mock_aws

from mwaa_pause_resume.metadata import open_store
from mwaa_pause_resume.metadata.store import SnapshotStore
from mwaa_pause_resume.sandbox.metadb import MetadataDatabases
from mwaa_pause_resume.sandbox.postgres import LocalPostgres
from tests.metadata import mini_airflow
from tests.metadata.metadata_seed import seed_source, seed_target


@dataclass
class EnvPair:
    version: str
    major: int
    source_url: str
    target_url: str
    source: Any  # psycopg2 connections
    target: Any
    k1: str
    k2: str
    facts: dict[str, Any]
    store: SnapshotStore
    databases: MetadataDatabases


@pytest.fixture
def make_pair(
    metadata_databases: Callable[[str], MetadataDatabases],
    unique_name: Callable[[str], str],
    tmp_path: Path,
) -> Iterator[Callable[..., EnvPair]]:
    conns: list[Any] = []
    names: list[tuple[MetadataDatabases, str]] = []

    def make(
        version: str,
        *,
        source_key: bool = True,
        target_key: bool = True,
        seed_target_rows: bool = True,
    ) -> EnvPair:
        dbs = metadata_databases(version)
        src_name, tgt_name = unique_name("src"), unique_name("tgt")
        source_url, target_url = dbs.create(src_name), dbs.create(tgt_name)
        names.extend([(dbs, src_name), (dbs, tgt_name)])
        k1 = f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}"
        k2 = Fernet.generate_key().decode()
        major = int(version.split(".", maxsplit=1)[0])
        source, target = psycopg2.connect(source_url), psycopg2.connect(target_url)
        conns.extend([source, target])
        facts = seed_source(source, major, k1 if source_key else None)
        if seed_target_rows:
            seed_target(target, major, k2 if target_key else None)
        store = open_store(str(tmp_path / f"snap-{src_name}"))
        return EnvPair(
            version,
            major,
            source_url,
            target_url,
            source,
            target,
            k1 if source_key else "",
            k2 if target_key else "",
            facts,
            store,
            dbs,
        )

    yield make
    for conn in conns:
        conn.close()
    for dbs, name in names:
        dbs.server.drop_database(name)


@pytest.fixture
def mini_pair(
    pg_server: LocalPostgres, unique_name: Callable[[str], str]
) -> Iterator[mini_airflow.MiniPair]:
    """Two databases with the tiny Airflow-shaped schema (no Airflow): a seeded source
    and an empty target."""
    names = [unique_name("mini_src"), unique_name("mini_tgt")]
    urls = [pg_server.create_database(name) for name in names]
    conns = [psycopg2.connect(url) for url in urls]
    key = Fernet.generate_key().decode()
    for conn in conns:
        mini_airflow.create(conn)
    mini_airflow.seed(conns[0], key)
    try:
        yield mini_airflow.MiniPair(urls[0], urls[1], conns[0], conns[1], key)
    finally:
        for conn in conns:
            conn.close()
        for name in names:
            pg_server.drop_database(name)


REGION = "eu-west-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """moto S3 with a ``backups`` bucket and a KMS key, in REGION."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="backups", CreateBucketConfiguration={"LocationConstraint": REGION})
        kms = boto3.client("kms", region_name=REGION)
        key_id = kms.create_key(Description="snapshots")["KeyMetadata"]["KeyId"]
        yield {"s3": s3, "kms": kms, "key_id": key_id}
