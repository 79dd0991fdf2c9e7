"""The export/import DAG run conf: defaults, validation messages."""

from __future__ import annotations

import pytest

from mwaa_pause_resume.dags.run_conf import (
    DEFAULT_DB_CONN_ID,
    RunConfError,
    parse_export_conf,
    parse_import_conf,
)


def test_export_defaults() -> None:
    cfg = parse_export_conf({"snapshot": "s3://b/env/snap/"})
    assert cfg.snapshot == "s3://b/env/snap/"
    assert cfg.drain_timeout_minutes == 10.0
    assert cfg.drain_timeout_seconds == 600.0
    assert cfg.db_conn_id == DEFAULT_DB_CONN_ID
    assert cfg.kms_key_id is None


def test_export_all_keys() -> None:
    cfg = parse_export_conf(
        {
            "snapshot": "/tmp/x",
            "kms_key_id": "alias/k",
            "drain_timeout_minutes": 0.5,
            "db_conn_id": "other",
        }
    )
    assert (cfg.kms_key_id, cfg.drain_timeout_seconds, cfg.db_conn_id) == ("alias/k", 30.0, "other")


@pytest.mark.parametrize(
    ("conf", "fragment"),
    [
        (None, "no 'snapshot'"),
        ({}, "no 'snapshot'"),
        ({"snapshot": ""}, "'snapshot' must be a non-empty string"),
        ({"snapshot": "x", "drain_timeout_minutes": "10"}, "must be a number"),
        ({"snapshot": "x", "drain_timeout_minutes": True}, "must be a number"),
        ({"snapshot": "x", "drain_timeout_minutes": -1}, "must be >= 0"),
        ({"snapshot": "x", "drain_timeout_minutes": float("nan")}, "must be >= 0"),
        ({"snapshot": "x", "snapshop": "y"}, "unknown key(s) in the DAG run conf: snapshop"),
        ({"snapshot": "x", "interrupted_policy": "rerun"}, "unknown key"),
    ],
)
def test_export_rejects(conf: dict[str, object] | None, fragment: str) -> None:
    with pytest.raises(RunConfError) as err:
        parse_export_conf(conf)
    assert fragment in str(err.value)


def test_import_defaults_and_policy() -> None:
    cfg = parse_import_conf({"snapshot": "/snap"})
    assert (cfg.interrupted_policy, cfg.db_conn_id) == ("rerun", DEFAULT_DB_CONN_ID)
    assert (
        parse_import_conf({"snapshot": "/s", "interrupted_policy": "fail"}).interrupted_policy
        == "fail"
    )


def test_import_rejects_export_only_key() -> None:
    with pytest.raises(RunConfError, match="drain_timeout_minutes"):
        parse_import_conf({"snapshot": "/s", "drain_timeout_minutes": 3})
