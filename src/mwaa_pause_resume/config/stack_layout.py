"""Which CloudFormation stack holds each environment's own resources (pure, no CDK).

A deployment is one stack while everything fits in CloudFormation's 500 resources
(the *flat* layout, about 75 environments). Past that, the resources that grow with
the fleet (each environment's two schedules, access point and execution-role policy,
each DAGs folder's bundle deployment) move into :data:`NESTED_GROUPS` nested stacks, the
*groups*, and the main stack keeps what the deployment shares (workflows, functions,
bucket, keys, topic, alarms).

An environment's group is a hash of its name, a DAGs folder's a hash of its bucket and
path, modulo a group count that never changes: adding, removing or changing one
environment changes only its own group's template, and nothing ever moves from one
group to another. Groups that would hold nothing are not created.
docs/stack-layout.md explains the choice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from mwaa_pause_resume.config.model import EnvironmentConfig

# Fixed for good: changing it would move most environments to another nested stack.
# 32 groups of at most 500 resources hold several thousand environments; at the
# 1,000-environment target a group holds about 31 of them (some 160 resources), so
# its template stays small and its update quick.
NESTED_GROUPS = 32

DagsFolder = tuple[str, str]  # (source bucket, DAGs path without surrounding slashes)


def dags_folder(env: EnvironmentConfig) -> DagsFolder:
    return (env.source_bucket, env.dags_s3_path.strip("/"))


def group_index(key: str, groups: int) -> int:
    """A stable group for ``key``: the same in every process and version (not ``hash()``)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % groups


def environment_group(name: str, groups: int) -> int:
    return group_index(f"environment:{name}", groups)


def folder_group(folder: DagsFolder, groups: int) -> int:
    bucket, path = folder
    return group_index(f"dags:{bucket}/{path}", groups)


@dataclass(frozen=True)
class GroupContents:
    """What one nested stack holds: environments (schedules, policy) and DAGs folders.

    ``folders`` maps each DAGs folder to the first environment (in configuration order)
    that names it: the bundle deployment is built from that environment's settings.
    """

    index: int
    environments: tuple[EnvironmentConfig, ...]
    folders: tuple[tuple[DagsFolder, EnvironmentConfig], ...]


@dataclass(frozen=True)
class StackLayout:
    """``groups`` = 0: flat (one stack); otherwise the number of hash groups."""

    groups: int = 0

    @property
    def nested(self) -> bool:
        return self.groups > 0

    def describe(self) -> str:
        if not self.nested:
            return "one stack"
        return f"a main stack and up to {self.groups} nested stacks (hash groups)"


FLAT = StackLayout(0)
NESTED = StackLayout(NESTED_GROUPS)


def distinct_folders(
    environments: Sequence[EnvironmentConfig],
) -> dict[DagsFolder, EnvironmentConfig]:
    """Each DAGs folder and the first environment naming it (one deployment per folder)."""
    folders: dict[DagsFolder, EnvironmentConfig] = {}
    for env in environments:
        folders.setdefault(dags_folder(env), env)
    return folders


def group_contents(environments: Sequence[EnvironmentConfig], groups: int) -> list[GroupContents]:
    """The non-empty groups, by index; each keeps the configuration's order."""
    envs: dict[int, list[EnvironmentConfig]] = {}
    folders: dict[int, list[tuple[DagsFolder, EnvironmentConfig]]] = {}
    for env in environments:
        envs.setdefault(environment_group(env.name, groups), []).append(env)
    for folder, env in distinct_folders(environments).items():
        folders.setdefault(folder_group(folder, groups), []).append((folder, env))
    return [
        GroupContents(index, tuple(envs.get(index, ())), tuple(folders.get(index, ())))
        for index in sorted(set(envs) | set(folders))
    ]


def group_construct_id(index: int) -> str:
    """The nested stack's construct id (its logical id and template file derive from it)."""
    return f"Group{index:02d}"


def schedule_group_name(stack_name: str, index: int | None = None) -> str:
    """The EventBridge Scheduler group of the flat stack (``index`` None) or of a group.

    Scheduler group names allow 64 characters of ``[0-9a-zA-Z-_.]``; stack names allow
    no ``_``, so a nested group's name (``<stack>_gNN``) can never be another
    deployment's flat group, and the scheduler role can trust ``<stack>_g*``.
    """
    if index is None:
        return stack_name[:64]
    return f"{stack_name[:59]}_g{index:02d}"


def nested_schedule_groups(stack_name: str) -> str:
    """The pattern (``ArnLike``) matching every group of :func:`schedule_group_name`."""
    return f"{stack_name[:59]}_g*"
