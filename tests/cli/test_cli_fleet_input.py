"""Fleet filters of ``status``, ``report`` and ``plan``: bad syntax, a name with filters,
and a filter that selects nothing end in exit 2 and the fix, before any AWS call (no
credentials here at all)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.cli_ops_helpers import ENV
from tests.cli.test_cli_fleet import FLEET, HUB, SPOKE_A, SPOKE_B
from tests.cli.test_cli_input_errors import assert_user_error, no_aws, run

__all__ = ["no_aws"]  # the autouse fixture: no credentials, a configuration in the cwd

COMMANDS = ["status", "report", "plan"]


@pytest.fixture(autouse=True)
def fleet_config(no_aws: None, tmp_path: Path) -> None:
    (tmp_path / "mwaa-pause-resume.toml").write_text(FLEET, encoding="utf-8")


@pytest.mark.parametrize(
    ("option", "value", "needle", "fix"),
    [
        ("--account", "12345", "--account: '12345' is not an AWS account id", "12 digits"),
        ("--in-region", "Europe", "--in-region: 'Europe' is not an AWS region", "Hint:"),
        ("--tag", "=data", "--tag '=data' is not a tag filter", "--tag key=value"),
        ("--tag", "te am", "--tag 'te am' is not a tag filter", "--tag key"),
    ],
)
@pytest.mark.parametrize("command", COMMANDS)
def test_bad_filter_syntax_names_the_fix(
    command: str, option: str, value: str, needle: str, fix: str
) -> None:
    assert_user_error(run(command, option, value), needle, fix)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_filter_matching_nothing_names_what_there_is(command: str) -> None:
    result = run(command, "--in-region", "ap-south-1", "--tag", "team")

    assert_user_error(
        result,
        "No configured environment matches --in-region ap-south-1 --tag team.",
        "accounts 111111111111, 123456789012, 222222222222",
        "regions eu-west-1, us-east-1",
        "tags stage=dev, stage=prod, team=data, team=ml",
    )


@pytest.mark.parametrize("command", ["status", "report"])  # plan has no ENV
def test_a_name_and_filters_are_refused(command: str) -> None:
    result = run(command, ENV, "--account", HUB)

    assert_user_error(result, f"ENV ({ENV}) and --account {HUB} both choose environments")


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["--account", SPOKE_A], ["spoke-a"]),
        (["--account", SPOKE_A, "--account", SPOKE_B], ["spoke-a", "spoke-b"]),
        (["--in-region", "eu-west-1"], ["spoke-b"]),
        (
            ["--in-region", "eu-west-1", "--in-region", "us-east-1"],
            ["spoke-a", "dev-env", "spoke-b"],
        ),
        (["--tag", "team=data"], ["dev-env", "spoke-b"]),
        (["--tag", "team=data", "--tag", "stage=prod"], ["spoke-b"]),
        (["--tag", "stage"], ["dev-env", "spoke-b"]),
        (["--account", HUB, "--in-region", "us-east-1"], ["dev-env"]),
        (["--account", SPOKE_A, "--tag", "team=data"], None),
    ],
)
def test_filters_select_by_account_region_and_tags(
    filters: list[str], expected: list[str] | None
) -> None:
    result = run("plan", *filters, "--json")

    if expected is None:  # accounts OR'ed, tags AND'ed with them: nothing left
        assert_user_error(result, "No configured environment matches")
        return
    assert result.exit_code == 0, result.output
    environments = json.loads(result.stdout)["environments"]
    assert [e["name"] for e in environments] == expected  # grouped: account, then region


def test_plan_sums_savings_per_account_and_region() -> None:
    result = run("plan", "--json", "--now", "2026-11-25T12:00+00:00")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    savings = [e["estimated_monthly_saving_usd"] for e in document["environments"]]
    totals = document["totals"]
    assert totals["all"]["environments"] == 3
    assert totals["all"]["estimated_monthly_saving_usd"] == pytest.approx(sum(savings))
    assert [(t["account"], t["region"]) for t in totals["by_account_region"]] == [
        (SPOKE_A, "us-east-1"),
        (HUB, "us-east-1"),
        (SPOKE_B, "eu-west-1"),
    ]
    assert [(t["region"], t["environments"]) for t in totals["by_region"]] == [
        ("eu-west-1", 1),
        ("us-east-1", 2),
    ]

    human = run("plan", "--now", "2026-11-25T12:00+00:00")

    assert human.exit_code == 0, human.output
    assert f"{SPOKE_B} eu-west-1" in human.stdout  # a group heading
    assert "Totals by account and region" in human.stdout
    assert "Totals by region" in human.stdout  # us-east-1 holds two accounts
    assert "Totals by account\n" not in human.stdout  # each account is in one region


def test_plan_of_one_place_has_no_fleet_totals(tmp_path: Path) -> None:
    from tests.cli.cli_ops_helpers import CONFIG

    (tmp_path / "mwaa-pause-resume.toml").write_text(CONFIG, encoding="utf-8")

    result = run("plan", "--now", "2026-11-25T12:00+00:00")

    assert result.exit_code == 0, result.output
    assert "Totals" not in result.stdout
    assert "us-east-1" not in result.stdout.split("Prices:")[0]  # no placement heading
