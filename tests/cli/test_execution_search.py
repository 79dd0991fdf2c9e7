"""The pure parts behind status' pagination and prune's confirmation: which listed
executions to describe and when to stop asking for pages; what a confirmed prune
still deletes after a fresh listing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from mwaa_pause_resume.operations.execution_search import ExecutionPage, ExecutionSearch
from mwaa_pause_resume.operations.snapshot_index import PrunePlan, still_deletable
from mwaa_pause_resume.operations.status import ExecutionRecord

T0 = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


def listed(index: int, status: str) -> dict[str, Any]:
    return {"executionArn": f"arn:x:{index}", "status": status}


class History:
    """Executions numbered newest first; ``environment`` and ``status`` per number."""

    def __init__(self, *executions: tuple[str, str]) -> None:
        self.executions = executions
        self.described: list[str] = []
        self.pages_served = 0

    def pages(self, size: int) -> Iterator[ExecutionPage]:
        items = [listed(i, status) for i, (_, status) in enumerate(self.executions)]
        for start in range(0, len(items), size):
            self.pages_served += 1
            yield ExecutionPage(items[start : start + size], more=start + size < len(items))

    def describe(self, arn: str) -> ExecutionRecord:
        self.described.append(arn)
        index = int(arn.rsplit(":", 1)[1])
        environment, status = self.executions[index]
        return ExecutionRecord(
            action="pause",
            arn=arn,
            name=f"run-{index}",
            environment=environment,
            status=status,
            started=T0 - timedelta(minutes=index),
            stopped=None,
            outcome=None,
            snapshot_id=None,
            error=None,
        )


def test_stops_after_the_page_that_completes_the_search() -> None:
    history = History(("b", "SUCCEEDED"), ("a", "RUNNING"), ("a", "FAILED"), ("b", "FAILED"))
    search = ExecutionSearch("pause", {"a", "b"})

    search.read(history.pages(3), history.describe, to_the_end=False)

    assert history.pages_served == 1  # the second page was never asked for
    assert search.stopped_early
    assert search.last_finished["a"].arn == "arn:x:2"
    assert search.last_finished["b"].arn == "arn:x:0"
    assert list(search.running) == ["arn:x:1"]


def test_finished_runs_are_described_only_while_one_is_missing() -> None:
    history = History(("a", "SUCCEEDED"), ("a", "FAILED"), ("z", "RUNNING"), ("a", "FAILED"))
    search = ExecutionSearch("pause", {"a"})

    search.read(history.pages(10), history.describe, to_the_end=False)

    assert history.described == ["arn:x:0", "arn:x:2"]  # running ones always, any env
    assert not search.stopped_early  # one page, and it was the last
    assert [r.arn for r in search.records] == ["arn:x:0"]  # z is not asked about


def test_reads_to_the_end_when_an_environment_never_ran() -> None:
    history = History(("a", "SUCCEEDED"), ("b", "SUCCEEDED"), ("b", "FAILED"))
    search = ExecutionSearch("pause", {"a", "c"})

    search.read(history.pages(1), history.describe, to_the_end=False)

    assert history.pages_served == 3
    assert not search.stopped_early
    assert search.last_finished.keys() == {"a"}


def test_gives_up_after_max_pages_when_an_environment_never_ran() -> None:
    history = History(*[("a", "SUCCEEDED")] * 10)
    search = ExecutionSearch("pause", {"a", "never"}, max_pages=2)

    search.read(history.pages(2), history.describe, to_the_end=False)

    assert history.pages_served == 2  # not the whole history, one describe per run
    assert search.stopped_early and search.gave_up  # the caller still lists RUNNING ones
    assert search.last_finished.keys() == {"a"}


def test_running_pass_adds_only_what_was_not_described() -> None:
    history = History(("a", "FAILED"), ("a", "RUNNING"), ("b", "SUCCEEDED"), ("a", "RUNNING"))
    search = ExecutionSearch("pause", {"a"})
    search.read(history.pages(2), history.describe, to_the_end=False)
    assert search.stopped_early

    running = History(*history.executions)
    only_running = [
        ExecutionPage([item for item in page.executions if item["status"] == "RUNNING"], False)
        for page in running.pages(10)
    ]
    search.read(only_running, history.describe, to_the_end=True)

    assert history.described == ["arn:x:0", "arn:x:1", "arn:x:3"]  # 1 once only
    assert [r.arn for r in search.records] == ["arn:x:0", "arn:x:1", "arn:x:3"]


def test_running_only_ignores_finished_runs() -> None:
    history = History(("a", "SUCCEEDED"), ("a", "RUNNING"))
    search = ExecutionSearch("pause", {"a"}, running_only=True)

    search.read(history.pages(1), history.describe, to_the_end=True)

    assert history.described == ["arn:x:1"]
    assert [r.arn for r in search.records] == ["arn:x:1"]


def test_a_confirmed_prune_deletes_only_what_is_still_deletable() -> None:
    confirmed = PrunePlan(keep=["s5", "s4"], delete=["s3", "s2", "s1"], protected={"s5": "latest"})
    # While the question was open, a resume started from s2 and a pause added s6.
    fresh = PrunePlan(
        keep=["s6", "s5", "s2"],
        delete=["s4", "s3", "s1"],
        protected={"s6": "latest", "s2": "a running pause or resume uses it"},
    )

    plan = still_deletable(confirmed, fresh)

    assert plan.delete == ["s3", "s1"]
    assert plan.keep == ["s6", "s5", "s4", "s2"]  # s4 was never confirmed
    assert plan.protected == fresh.protected
