"""The missed-runs policy: which position each policy sets, and how a DAG's tags choose it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mwaa_pause_resume.metadata.missed_runs import (
    CATCHUP,
    DEFAULT_POLICY,
    LATEST,
    SKIP,
    HeldDag,
    PolicyError,
    marker_date,
    parse_policy,
    policy_for_dag,
)

HOUR = timedelta(hours=1)
L = datetime(2026, 6, 1, 5, tzinfo=UTC)  # the last automated run before the pause
DUE = [L + 4 * HOUR, L + 5 * HOUR]  # the two newest complete intervals at resume time


def test_default_is_airflows_own_rule() -> None:
    assert DEFAULT_POLICY == CATCHUP


@pytest.mark.parametrize(
    ("policy", "expected"),
    [(CATCHUP, L), (LATEST, L + 4 * HOUR), (SKIP, L + 5 * HOUR)],
)
def test_each_policy_sets_the_position_its_table_row_says(policy: str, expected: datetime) -> None:
    assert marker_date(policy, L, DUE) == expected


@pytest.mark.parametrize("policy", [CATCHUP, LATEST, SKIP])
def test_nothing_missed_keeps_the_last_run_as_position(policy: str) -> None:
    assert marker_date(policy, L, [L - HOUR, L]) == L


def test_latest_with_one_missed_interval_lets_it_run() -> None:
    assert marker_date(LATEST, L, [L, L + HOUR]) == L


def test_a_dag_that_never_ran_automatically() -> None:
    assert marker_date(CATCHUP, None, DUE) is None  # Airflow starts from start_date
    assert marker_date(LATEST, None, DUE) == DUE[0]
    assert marker_date(SKIP, None, DUE) == DUE[1]
    assert marker_date(LATEST, None, DUE[1:]) is None  # one interval due: it runs
    assert marker_date(SKIP, None, []) is None


def test_order_of_due_dates_does_not_matter() -> None:
    assert marker_date(LATEST, L, list(reversed(DUE))) == L + 4 * HOUR


@pytest.mark.parametrize("value", ["Skip", " latest ", "CATCHUP"])
def test_policy_values_are_case_and_space_insensitive(value: str) -> None:
    assert parse_policy(value, "config") == value.strip().lower()


@pytest.mark.parametrize("value", ["", "never", None, 3, "skip-all"])
def test_an_unknown_policy_names_the_place_and_the_choices(value: object) -> None:
    with pytest.raises(PolicyError, match=r"env 'a'.*catchup, latest, skip"):
        parse_policy(value, "env 'a'")


def test_a_tag_overrides_the_environment() -> None:
    tags = [{"name": "sample"}, {"name": "mwaa-pause-resume:missed_runs=skip"}]
    assert policy_for_dag(tags, LATEST).policy == SKIP
    assert policy_for_dag(tags, LATEST).source == "tag"
    assert policy_for_dag(["other"], LATEST).policy == LATEST
    assert policy_for_dag([], LATEST).source == "environment"


def test_bad_or_contradictory_tags_are_problems_not_guesses() -> None:
    bad = policy_for_dag(["mwaa-pause-resume:missed_runs=skipp"], CATCHUP)
    assert bad.policy is None and bad.problem and "skipp" in bad.problem
    two = policy_for_dag(
        ["mwaa-pause-resume:missed_runs=skip", "mwaa-pause-resume:missed_runs=latest"], CATCHUP
    )
    assert two.policy is None and two.problem and "keep one" in two.problem


def test_held_dag_round_trips() -> None:
    held = HeldDag("d", "no backfill allowed", "unpause it after checking its next run")
    assert HeldDag.from_json(held.to_json()) == held
