"""The pure parts of a fleet's status, plan and report: which environments the filters
select, the totals per account and region, how far the execution search reads for a
fleet and its batched descriptions, and the bounded pool."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from mwaa_pause_resume.config.fleet import Placement
from mwaa_pause_resume.config.model import DeploymentConfig, EnvironmentConfig
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.operations.bounded import map_bounded
from mwaa_pause_resume.operations.execution_search import (
    LIST_PAGE_MAX,
    MAX_HISTORY_PAGES,
    ExecutionSearch,
    fleet_page_size,
    history_pages,
)
from mwaa_pause_resume.operations.fleet_filter import FleetFilter, parse_filter, select, spans_fleet
from mwaa_pause_resume.operations.fleet_sessions import partition_of
from mwaa_pause_resume.operations.fleet_totals import totals
from tests.cli.test_execution_search import History

BASE = EnvironmentConfig(
    name="base",
    source_bucket="dags",
    execution_role_arn="arn:aws:iam::123456789012:role/x",
    pause_schedule="0 20 ? * * *",
    resume_schedule="0 6 ? * * *",
    timezone="UTC",
)
NO_PLACE = DeploymentConfig(stack_name="mwaa-pause-resume")


def env(name: str, account: str | None = None, region: str | None = None) -> EnvironmentConfig:
    return replace(BASE, name=name, account=account, region=region)


def test_unplaced_environments_live_where_the_hub_does() -> None:
    envs = [env("hub"), env("far", "111111111111", "eu-west-1")]
    hub = Placement("123456789012", "us-east-1")

    by_region = select(envs, NO_PLACE, FleetFilter(regions=("us-east-1",)), hub)
    by_account = select(envs, NO_PLACE, FleetFilter(accounts=("123456789012",)), hub)

    assert [e.name for e in by_region] == [e.name for e in by_account] == ["hub"]
    assert spans_fleet(envs, NO_PLACE, hub)
    assert not spans_fleet([env("hub"), env("same", "123456789012", "us-east-1")], NO_PLACE, hub)


def test_offline_an_unplaced_environment_cannot_match_a_place_and_the_hint_says_why() -> None:
    with pytest.raises(UserError) as raised:
        select([env("hub")], NO_PLACE, FleetFilter(regions=("us-east-1",)), Placement(None, None))

    assert "set [deployment] account and region" in str(raised.value.hint)


def test_repeated_filters_are_kept_once() -> None:
    chosen = parse_filter(["111111111111", "111111111111"], None, ["team", "team"])

    assert chosen == FleetFilter(accounts=("111111111111",), tags=("team",))
    assert chosen.text() == "--account 111111111111 --tag team"
    assert not parse_filter(None, [], None).active


def test_totals_per_place_and_unpriced_environments() -> None:
    items = [
        {"account": "a", "region": "r1", "saving_usd": 10.0, "paused_hours": 5.0},
        {"account": "a", "region": "r2", "saving_usd": None, "paused_hours": 7.5},
        {"account": "b", "region": "r1", "saving_usd": 2.25, "paused_hours": 1.0},
    ]

    summed = totals(items, ("saving_usd", "paused_hours"))

    assert summed["all"] == {
        "environments": 3, "unpriced": 1, "saving_usd": 12.25, "paused_hours": 13.5,
    }  # fmt: skip
    assert [(t["account"], t["saving_usd"], t["unpriced"]) for t in summed["by_account"]] == [
        ("a", 10.0, 1),
        ("b", 2.25, 0),
    ]
    assert [(t["region"], t["environments"]) for t in summed["by_region"]] == [("r1", 2), ("r2", 1)]
    assert len(summed["by_account_region"]) == 3


def test_a_fleet_reads_larger_pages_and_further_back() -> None:
    assert fleet_page_size(2, 100) == 100
    assert fleet_page_size(1000, 100) == LIST_PAGE_MAX
    assert history_pages(2, 100) == MAX_HISTORY_PAGES
    assert history_pages(1000, LIST_PAGE_MAX) == 7  # a week of daily runs of each


def test_batched_descriptions_find_what_one_by_one_finds() -> None:
    executions = [(f"e{i % 7}", "RUNNING" if i in (3, 40) else "SUCCEEDED") for i in range(60)]
    one_by_one, batched = History(*executions), History(*executions)
    first = ExecutionSearch("pause", {f"e{i}" for i in range(7)})
    second = ExecutionSearch("pause", {f"e{i}" for i in range(7)})

    first.read(one_by_one.pages(20), one_by_one.describe, to_the_end=False)
    second.read(
        batched.pages(20),
        batched.describe,
        to_the_end=False,
        describe_many=lambda arns: map_bounded(batched.describe, arns, 4),
        batch=5,
    )

    assert [r.arn for r in second.records] == [r.arn for r in first.records]
    # a batch may describe what the search no longer needs, never more than one batch
    assert len(one_by_one.described) <= len(batched.described) <= len(one_by_one.described) + 5


def test_map_bounded_keeps_order_and_the_bound() -> None:
    in_flight, peak, lock = [0], [0], threading.Lock()

    def work(item: int) -> int:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.005)
        with lock:
            in_flight[0] -= 1
        return item * 2

    assert map_bounded(work, list(range(40)), 4) == [i * 2 for i in range(40)]
    assert 1 < peak[0] <= 4


def test_partition_of_the_spoke_role() -> None:
    assert [partition_of(r) for r in ("eu-west-1", "cn-north-1", "us-gov-west-1", None)] == [
        "aws", "aws-cn", "aws-us-gov", "aws",
    ]  # fmt: skip
