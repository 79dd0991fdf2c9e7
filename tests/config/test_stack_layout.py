"""Which stack holds each environment's resources: stable hash groups (pure).

The property the layout exists for: adding, removing or changing one environment
changes only its own group, and nothing ever moves between groups.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re

from mwaa_pause_resume.config.model import EnvironmentConfig
from mwaa_pause_resume.config.stack_layout import (
    NESTED_GROUPS,
    environment_group,
    folder_group,
    group_contents,
    nested_schedule_groups,
    schedule_group_name,
)

BASE = EnvironmentConfig(
    name="env",
    source_bucket="env-dags",
    execution_role_arn="arn:aws:iam::111122223333:role/mwaa-exec",
    pause_schedule="0 20 ? * MON-FRI *",
    resume_schedule="0 6 ? * MON-FRI *",
    timezone="Europe/London",
)


def _fleet(names: list[str], shared_folder: bool = False) -> list[EnvironmentConfig]:
    return [
        dataclasses.replace(
            BASE, name=n, source_bucket="shared-dags" if shared_folder else f"{n}-dags"
        )
        for n in names
    ]


def _placement(envs: list[EnvironmentConfig]) -> dict[str, int]:
    return {e.name: g.index for g in group_contents(envs, NESTED_GROUPS) for e in g.environments}


def test_groups_are_pinned_across_processes_and_versions() -> None:
    """A different hash (or Python's salted hash()) would move most environments to
    another nested stack on the next deploy: these values must never change."""
    assert NESTED_GROUPS == 32
    assert environment_group("analytics-dev", NESTED_GROUPS) == 16
    assert environment_group("analytics-dev", 4) == 0
    assert folder_group(("analytics-dags", "dags"), NESTED_GROUPS) == 15


def test_adding_or_removing_an_environment_moves_no_other() -> None:
    names = [f"team-{i:03d}" for i in range(200)]
    before = _placement(_fleet(names))
    added = _placement(_fleet([*names[:100], "newcomer", *names[100:]]))
    removed = _placement(_fleet(names[1:]))
    assert {n: added[n] for n in names} == before
    assert {n: before[n] for n in names[1:]} == removed


def test_every_environment_and_folder_is_in_exactly_one_nonempty_group() -> None:
    envs = _fleet([f"team-{i:03d}" for i in range(300)])
    envs += _fleet(["shared-a", "shared-b"], shared_folder=True)
    groups = group_contents(envs, NESTED_GROUPS)
    placed = [e.name for g in groups for e in g.environments]
    assert sorted(placed) == sorted(e.name for e in envs)
    folders = [f for g in groups for f, _ in g.folders]
    assert len(folders) == len(set(folders)) == 301  # the shared folder is deployed once
    assert all(g.environments or g.folders for g in groups)
    assert len(groups) == NESTED_GROUPS  # 300 environments fill every group
    # Spread: a group of the 1,000-environment target holds about 31; hashing keeps
    # the fullest within a small factor of the mean.
    assert max(len(g.environments) for g in groups) < 2 * 302 / NESTED_GROUPS


def test_schedule_group_names_fit_schedulers_rules_and_the_roles_pattern() -> None:
    allowed = re.compile(r"[0-9a-zA-Z_.-]{1,64}")
    for stack in ("mpr", "a" + "-b" * 63):  # CloudFormation allows 128-character names
        flat = schedule_group_name(stack)
        nested = [schedule_group_name(stack, i) for i in range(NESTED_GROUPS)]
        assert all(allowed.fullmatch(n) for n in (flat, *nested))
        assert len(set(nested)) == NESTED_GROUPS
        pattern = nested_schedule_groups(stack)
        assert all(fnmatch.fnmatchcase(n, pattern) for n in nested)
        # Stack names have no "_": no deployment's flat group matches another's pattern.
        assert not fnmatch.fnmatchcase(flat, pattern)
