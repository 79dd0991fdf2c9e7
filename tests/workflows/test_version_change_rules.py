"""Which Airflow version a resume may create from a snapshot (pure): the upgrade paths
of issue 12, downgrades and unknown versions refused with both versions and the way
back named, and the execution input refusing an unknown version before anything."""

from __future__ import annotations

import pytest

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.functions import settings
from mwaa_pause_resume.functions.errors import InvalidInput
from mwaa_pause_resume.version_change import (
    UPGRADE_PATHS,
    VersionChangeRefused,
    plan_change,
)

ISSUE_PATHS = [
    *[(s, t) for s in ("2.10.1", "2.10.3") for t in ("2.11.0", "2.11.2")],
    *[(s, t) for s in ("2.10.3", "2.11.0", "2.11.2") for t in ("3.0.6", "3.2.1", "3.3.1")],
    ("3.0.6", "3.2.1"),
    ("3.2.1", "3.3.1"),
]


@pytest.mark.parametrize(("source", "target"), ISSUE_PATHS)
def test_the_issue_paths_are_upgrades(source: str, target: str) -> None:
    change = plan_change(source, target)
    assert change.upgrade and (change.source, change.target) == (source, target)
    assert any("requirements.txt" in c for c in change.checks())
    database_check = any("metadata database" in c for c in change.checks())
    assert database_check == (source[0] == "2" and target[0] == "3")


def test_no_version_or_the_same_one_is_no_change() -> None:
    assert plan_change("2.11.2", None).kind == "same"
    assert plan_change("3.0.6", "3.0.6").checks() == ()


@pytest.mark.parametrize(("source", "target"), [("2.10.3", "2.10.1"), ("3.0.6", "2.11.2")])
def test_a_downgrade_names_both_versions_and_the_way_back(source: str, target: str) -> None:
    with pytest.raises(VersionChangeRefused) as refused:
        plan_change(source, target, environment="dev")
    message = str(refused.value)
    assert f"Airflow {source}" in message and f"Airflow {target}" in message
    assert f"resume dev --airflow-version {source}" in message
    assert "nothing was deleted or created" in message


def test_an_unknown_or_refused_target_is_named() -> None:
    with pytest.raises(VersionChangeRefused, match=r"4\.0\.0 is not a version"):
        plan_change("2.10.3", "4.0.0")
    with pytest.raises(VersionChangeRefused, match=r"upgrade the environment to Airflow 2\.10\.3"):
        plan_change("2.10.3", "2.9.2")


def test_a_path_the_tool_does_not_take_says_which_step_to_take_first() -> None:
    with pytest.raises(VersionChangeRefused, match=r"Go through Airflow 2\.11\.2"):
        plan_change("2.10.1", "3.0.6")


def test_every_supported_version_has_its_paths_and_they_lead_up() -> None:
    assert set(UPGRADE_PATHS) == set(airflow_versions.SUPPORTED)
    for source, targets in UPGRADE_PATHS.items():
        assert set(targets) <= set(airflow_versions.SUPPORTED)
        assert all(plan_change(source, t).upgrade for t in targets)


def test_the_execution_input_refuses_an_unknown_version_before_anything() -> None:
    raw = {"environment": "dev", "bucket": "my-backups"}
    assert settings.normalize(raw, workflow="resume", stamp="x")["airflow_version"] is None
    ok = settings.normalize({**raw, "airflow_version": "3.0.6"}, workflow="resume", stamp="x")
    assert ok["airflow_version"] == "3.0.6"
    with pytest.raises(InvalidInput, match=r"3\.1\.0 is not a version this tool supports"):
        settings.normalize({**raw, "airflow_version": "3.1.0"}, workflow="resume", stamp="x")


def test_the_documented_paths_are_the_table() -> None:
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
    section = docs.read_text(encoding="utf-8").split("### Resuming on a newer Airflow")[1]
    rows = [line.split("|")[1:3] for line in section.splitlines() if line.startswith("| 2.")]
    rows += [line.split("|")[1:3] for line in section.splitlines() if line.startswith("| 3.")]
    documented = {s.strip(): tuple(t.strip().split(", ")) for s, t in rows}
    assert documented == {s: t for s, t in UPGRADE_PATHS.items() if t}
