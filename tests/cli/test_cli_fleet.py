"""``status`` and ``report`` across a fleet: environments placed by the configuration in
the hub's account and in two spoke accounts (two regions), the filters, the placement
fields, and a spoke the hub cannot reach.

moto derives the account of assumed-role credentials from the role's ARN, so the spoke
sessions really are other accounts' (checked with GetCallerIdentity). The MWAA emulator
is one endpoint for every account: the live state of a spoke's environment comes from
it, read with that spoke's credentials."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import botocore.client
import pytest
from moto.sts.models import sts_backends

from mwaa_pause_resume.cli import status_cmd
from mwaa_pause_resume.config import load_config
from mwaa_pause_resume.config.fleet import Placement
from mwaa_pause_resume.operations.aws_gateway import AwsGateway
from mwaa_pause_resume.operations.fleet_sessions import FleetSessions
from tests.cli.cli_ops_helpers import (
    CONFIG,
    ENV,
    Deployed,
    MakeDeployed,
    assert_exit,
    environment_request,
)

HUB = "123456789012"  # moto's default account: the hub's credentials
SPOKE_A, SPOKE_B = "111111111111", "222222222222"


def spoke_entry(name: str, account: str, region: str, tags: str) -> str:
    entry = CONFIG[CONFIG.index("[[environments]]") :].replace(ENV, name)
    entry = entry.replace("arn:aws:iam::123456789012:", f"arn:aws:iam::{account}:")
    return entry + f'account = "{account}"\nregion = "{region}"\ntags = [{tags}]\n'


FLEET = (
    CONFIG.replace('region = "us-east-1"\n', f'region = "us-east-1"\naccount = "{HUB}"\n', 1)
    + 'tags = ["team=data", "stage=dev"]\n'
    + spoke_entry("spoke-a", SPOKE_A, "us-east-1", '"team=ml"')
    + spoke_entry("spoke-b", SPOKE_B, "eu-west-1", '"team=data", "stage=prod"')
)


@pytest.fixture
def fleet(make_deployed: MakeDeployed) -> Deployed:
    deployed = make_deployed()
    # spoke-a runs in its own account and region (the emulator serves each apart, as MWAA
    # does); spoke-b is paused (absent).
    deployed.mwaa.at(SPOKE_A, "us-east-1").seed(environment_request("spoke-a"))
    deployed.config.write_text(FLEET, encoding="utf-8")
    return deployed


def statuses(deployed: Deployed, *args: str) -> dict[str, dict[str, Any]]:
    result = deployed.cli("status", *args, "--json")
    assert_exit(result, 0)
    return {item["environment"]: item for item in json.loads(result.stdout)["environments"]}


def assumed(account: str) -> list[str]:
    return [role.role_arn for role in sts_backends[account]["aws"].assumed_roles]


@pytest.fixture
def deny_spoke_b(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Spoke B's role cannot be assumed: AWS answers AccessDenied (the role is not
    deployed there, or does not trust the hub)."""
    real = botocore.client.BaseClient._make_api_call

    def call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "AssumeRole" and f"::{SPOKE_B}:" in params["RoleArn"]:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "not authorized to assume"}},
                operation,
            )
        return real(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    yield


def test_status_reads_each_spoke_through_its_role(fleet: Deployed) -> None:
    found = statuses(fleet)

    assert [(name, item["account"], item["region"]) for name, item in found.items()] == [
        ("spoke-a", SPOKE_A, "us-east-1"),
        ("dev-env", HUB, "us-east-1"),
        ("spoke-b", SPOKE_B, "eu-west-1"),
    ]  # grouped by account, then region
    assert [found[n]["state"] for n in ("spoke-a", "dev-env", "spoke-b")] == [
        "AVAILABLE",
        "AVAILABLE",
        "PAUSED",
    ]
    role = "role/mwaa-pause-resume-spoke-read"  # the read-only role, not the hub's
    assert assumed(SPOKE_A) == [f"arn:aws:iam::{SPOKE_A}:{role}"]  # once per account
    assert assumed(SPOKE_B) == [f"arn:aws:iam::{SPOKE_B}:{role}"]

    # The sessions status used: the hub's own, the hub's account elsewhere, a spoke's.
    config = load_config(fleet.config)
    sessions = FleetSessions(AwsGateway(region="us-east-1"), config.deployment)
    hub = sessions.hub_placement(config.environments)

    same = sessions.gateway_for(Placement(None, None))
    other_region = sessions.gateway_for(Placement(HUB, "eu-west-1"))
    spoke = sessions.gateway_for(Placement(SPOKE_B, "eu-west-1"))

    assert hub == Placement(HUB, "us-east-1")
    assert same is sessions.hub
    assert isinstance(other_region, AwsGateway) and other_region.region == "eu-west-1"
    assert isinstance(spoke, AwsGateway) and spoke.region == "eu-west-1"
    assert spoke.client("sts").get_caller_identity()["Account"] == SPOKE_B
    assert sessions.gateway_for(Placement(SPOKE_B, "eu-west-1")) is spoke  # cached


@pytest.mark.usefixtures("deny_spoke_b")
def test_an_unreachable_spoke_is_shown_unavailable_and_the_rest_is_read(fleet: Deployed) -> None:
    found = statuses(fleet)

    spoke_b = found["spoke-b"]
    assert spoke_b["state"] == "UNAVAILABLE"
    assert "access denied" in spoke_b["unavailable"]["reason"]
    assert f"deploy the spoke roles to account {SPOKE_B}" in spoke_b["unavailable"]["fix"]
    assert spoke_b["next"]["pause"]  # what the hub knows is still there
    assert (found["spoke-a"]["state"], found["dev-env"]["state"]) == ("AVAILABLE", "AVAILABLE")

    human = fleet.cli("status")

    assert_exit(human, 0)
    assert "UNAVAILABLE" in human.stdout and "Fix" in human.stdout
    assert f"{SPOKE_B} eu-west-1" in human.stdout  # the group heading
    summary = human.stdout.split("\n\n")[0]  # the fleet summary, before the groups
    assert "unavail." in summary and "…" not in summary, summary  # fits 80 columns
    assert [line.split()[2:] for line in summary.splitlines() if SPOKE_B in line] == [
        ["1", "0", "0", "1", "0", "0"]  # environments, available, paused, unavailable, ...
    ]


FILTERS = [  # every kind is tested offline on plan (test_cli_fleet_input); status's wiring:
    (["--account", SPOKE_A, "--account", SPOKE_B], ["spoke-a", "spoke-b"]),
    (["--account", HUB, "--in-region", "us-east-1"], ["dev-env"]),
]


def test_status_filters_and_bulk_overrides(
    fleet: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    for filters, expected in FILTERS:
        assert sorted(statuses(fleet, *filters)) == expected, filters

    assert_exit(fleet.cli("keep-awake", "spoke-a", "--for", "2h"), 0)
    one_by_one = statuses(fleet)
    monkeypatch.setattr(status_cmd, "BULK_OVERRIDES", 0)  # a fleet's: one listing
    listed = statuses(fleet)

    assert listed["spoke-a"]["override"]["kind"] == "keep-awake"
    assert {n: i["override"] for n, i in listed.items()} == {
        n: i["override"] for n, i in one_by_one.items()
    }


def test_report_filters_and_totals(fleet: Deployed) -> None:
    result = fleet.cli("report", "--tag", "team=data", "--json")

    assert_exit(result, 0)
    document = json.loads(result.stdout)
    assert [(e["environment"], e["account"], e["region"]) for e in document["environments"]] == [
        ("dev-env", HUB, "us-east-1"),
        ("spoke-b", SPOKE_B, "eu-west-1"),
    ]
    totals = document["totals"]
    assert totals["all"]["environments"] == 2
    assert [(t["account"], t["environments"]) for t in totals["by_account"]] == [
        (HUB, 1),
        (SPOKE_B, 1),
    ]
    assert [t["region"] for t in totals["by_region"]] == ["eu-west-1", "us-east-1"]

    human = fleet.cli("report")

    assert_exit(human, 0)
    assert "Totals by account and region" in human.stdout
    assert f"{SPOKE_A} us-east-1" in human.stdout


def test_a_single_place_configuration_is_not_grouped(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed()

    result = deployed.cli("status")

    assert_exit(result, 0)
    assert "Fleet" not in result.stdout
    assert "us-east-1" not in result.stdout  # no placement heading
    assert not assumed(HUB)  # no spoke role assumed for the hub's own environments
