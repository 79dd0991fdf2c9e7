"""PassRole of many distinct execution roles (issue 17): their common prefix past 40."""

from __future__ import annotations

import pytest

from mwaa_pause_resume.infra.environment_create_grants import PASS_ROLE_LISTED_MAX, passed_roles
from tests.infra.policy_eval import allowed

HEAD = "arn:aws:iam::111122223333:role/"


def _roles(count: int, name: str) -> list[str]:
    return [f"{HEAD}{name}{i:03d}" for i in range(count)]


def test_up_to_forty_roles_are_named_one_by_one() -> None:
    roles = _roles(PASS_ROLE_LISTED_MAX, "service-role/AmazonMWAA-team-")
    assert passed_roles(roles) == roles


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("service-role/AmazonMWAA-team-", "service-role/AmazonMWAA-team-*"),
        ("mwaa/exec-", "mwaa/exec-*"),
    ],
)
def test_past_forty_the_common_prefix_is_passed(name: str, pattern: str) -> None:
    roles = _roles(300, name)
    (passed,) = passed_roles(roles)
    assert passed == f"{HEAD}{pattern}"
    statement = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": passed}
    assert all(
        allowed([statement], "arn:aws:iam::111122223333:role/x", "iam:PassRole", r) for r in roles
    )
    assert not allowed(
        [statement], "arn:aws:iam::111122223333:role/x", "iam:PassRole", f"{HEAD}Admin"
    )


def test_without_a_specific_common_prefix_the_list_stays() -> None:
    """Too short a prefix would pass nearly any role: validate then refuses the fleet by
    the role policy's size, naming the fix (a common path or prefix)."""
    roles = [f"{HEAD}{c}{i:03d}-exec" for i in range(50) for c in ("a", "b")]
    assert passed_roles(roles) == roles
    other_accounts = [
        *_roles(30, "mwaa/x-"),
        *[r.replace("1111", "2222") for r in _roles(30, "mwaa/x-")],
    ]
    assert passed_roles(other_accounts) == other_accounts
