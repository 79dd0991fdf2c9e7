"""The export/import DAG run conf: defaults, validation messages."""

from __future__ import annotations

import pytest

from mwaa_pause_resume.dags.run_conf import (
    RunConfError,
    parse_export_conf,
    parse_import_conf,
)


def test_export_defaults() -> None:
    cfg = parse_export_conf({"snapshot": "s3://b/env/snap/"})
    assert cfg.snapshot == "s3://b/env/snap/"
    assert cfg.drain_timeout_minutes == 10.0
    assert cfg.drain_timeout_seconds == 600.0
    assert cfg.kms_key_id is None


def test_export_all_keys() -> None:
    cfg = parse_export_conf(
        {
            "snapshot": "/tmp/x",
            "kms_key_id": "alias/k",
            "drain_timeout_minutes": 0.5,
            "authorization": {"payload": {}, "mac": ""},  # checked by dags/authorization.py
        }
    )
    assert (cfg.kms_key_id, cfg.drain_timeout_seconds) == ("alias/k", 30.0)


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
    assert cfg.interrupted_policy == "rerun"
    assert (
        parse_import_conf({"snapshot": "/s", "interrupted_policy": "fail"}).interrupted_policy
        == "fail"
    )


def test_import_takes_the_missed_runs_policy() -> None:
    assert parse_import_conf({"snapshot": "/s"}).missed_runs == "catchup"  # the default
    assert parse_import_conf({"snapshot": "/s", "missed_runs": None}).missed_runs == "catchup"
    assert parse_import_conf({"snapshot": "/s", "missed_runs": " Latest "}).missed_runs == "latest"
    assert parse_import_conf({"snapshot": "/s", "missed_runs": "skip"}).missed_runs == "skip"


@pytest.mark.parametrize("value", ["never", "", 3, ["skip"]])
def test_import_refuses_a_missed_runs_that_names_no_policy(value: object) -> None:
    with pytest.raises(RunConfError) as err:
        parse_import_conf({"snapshot": "/s", "missed_runs": value})
    assert str(err.value) == (
        f"conf key 'missed_runs': missed_runs must be one of catchup, latest, skip, got {value!r}"
    )


def test_export_does_not_take_missed_runs() -> None:
    with pytest.raises(RunConfError, match=r"unknown key.*missed_runs"):
        parse_export_conf({"snapshot": "/s", "missed_runs": "skip"})


def test_import_rejects_export_only_key() -> None:
    with pytest.raises(RunConfError, match="drain_timeout_minutes"):
        parse_import_conf({"snapshot": "/s", "drain_timeout_minutes": 3})


@pytest.mark.parametrize("parse", [parse_export_conf, parse_import_conf])
def test_conf_cannot_choose_the_database(parse: object) -> None:
    """db_conn_id once redirected an import into another database (issue 13): refused."""
    with pytest.raises(RunConfError, match=r"unknown key.*db_conn_id"):
        parse({"snapshot": "s3://b/env/snap/", "db_conn_id": "attacker"})  # type: ignore[operator]
