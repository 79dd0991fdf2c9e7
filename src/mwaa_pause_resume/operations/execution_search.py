"""Which executions of one workflow ``status`` (and the busy checks) must read (pure).

One pause and one resume state machine serve every environment, so the executions of
an environment are mixed with the others'; only DescribeExecution's input names the
environment. ListExecutions returns the newest first, a page per call. The search
describes what it must and says when it may stop asking for pages:

- every running execution is described (there are few);
- a finished one only while some environment still lacks its last finished run;
- once each environment has its last finished run, older pages can only add running
  executions: the caller reads those with ``statusFilter=RUNNING`` instead
  (:attr:`ExecutionSearch.stopped_early`), usually one short page. With one page of
  history in all (the common case) there is one call.
- an environment that never ran a workflow would make the search describe the whole
  history (90 days of every environment's runs, one DescribeExecution each): the search
  for finished runs gives up after ``max_pages`` pages and says so (``gave_up``).
  :func:`history_pages` scales that bound with the number of environments, so a fleet's
  last runs are found, not given up on after the first few hundred executions.
- a fleet's descriptions go out a batch at a time (``describe_many``: concurrently),
  the batch small enough that a search which completes in its middle describes little
  it did not need.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.operations.deployment import Action
from mwaa_pause_resume.operations.status import ExecutionRecord

Describe = Callable[[str], ExecutionRecord]
DescribeMany = Callable[[Sequence[str]], list[ExecutionRecord]]
# 300 executions with the default page size: the last pause and resume of any environment
# that runs daily are within that unless there are dozens of environments.
MAX_HISTORY_PAGES = 3
# For a fleet: executions read per environment before giving up, a week of daily runs
# (each state machine runs about once a day per environment).
HISTORY_PER_ENVIRONMENT = 7
LIST_PAGE_MAX = 1000  # ListExecutions' largest page


def history_pages(environments: int, page_size: int) -> int:
    """How many pages the search for last finished runs may read before giving up."""
    return max(MAX_HISTORY_PAGES, math.ceil(HISTORY_PER_ENVIRONMENT * environments / page_size))


def fleet_page_size(environments: int, default: int) -> int:
    """``default`` for a few environments (one short page answers), the largest page
    for a fleet, where each page is one call instead of ten."""
    return default if environments * 2 <= default else LIST_PAGE_MAX


@dataclass(frozen=True)
class ExecutionPage:
    """One ListExecutions answer: its ``executions`` and whether a ``nextToken`` followed."""

    executions: list[dict[str, Any]]
    more: bool


class ExecutionSearch:
    """The running executions of ``environments`` and, unless ``running_only``, the last
    finished execution of each, from one workflow's pages of ListExecutions."""

    def __init__(
        self,
        action: Action,
        environments: Collection[str],
        *,
        running_only: bool = False,
        max_pages: int = MAX_HISTORY_PAGES,
    ) -> None:
        self.action = action
        self.max_pages = max_pages
        self.environments = frozenset(environments)
        self.running_only = running_only
        self.running: dict[str, ExecutionRecord] = {}  # by execution ARN
        self.last_finished: dict[str, ExecutionRecord] = {}  # by environment
        self._described: set[str] = set()
        self.pages_read = 0
        # Pages were left unread: a running execution may be older than the last one
        # read (a run refused by the lock ends while the one holding it still runs).
        self.stopped_early = False
        self.gave_up = False  # some environment's last finished run may be further back

    @property
    def has_last_finished(self) -> bool:
        """Each environment's last finished run is known (or not wanted)."""
        return self.running_only or self.environments <= self.last_finished.keys()

    def wants(self, item: Mapping[str, Any]) -> bool:
        """Whether a listed execution must be described to know its environment."""
        if str(item.get("executionArn")) in self._described:
            return False
        return item.get("status") == "RUNNING" or not self.has_last_finished

    def add(self, record: ExecutionRecord) -> None:
        self._described.add(record.arn)
        environment = record.environment
        if environment not in self.environments:
            return
        if record.running:
            self.running[record.arn] = record
        elif not self.running_only:
            known = self.last_finished.get(environment)
            if known is None or record.started > known.started:
                self.last_finished[environment] = record

    def read(
        self,
        pages: Iterable[ExecutionPage],
        describe: Describe,
        *,
        to_the_end: bool,
        describe_many: DescribeMany | None = None,
        batch: int = 1,
    ) -> None:
        """Describe what is wanted, page by page (``pages`` asks AWS lazily). Unless
        ``to_the_end``, stop asking once each environment has its last finished run.

        With ``describe_many``, what is wanted among ``batch`` listed executions is
        described in one go (it may run the descriptions concurrently)."""
        for page in pages:
            self.pages_read += 1
            items = page.executions
            if describe_many is None or batch <= 1:
                for item in items:
                    if self.wants(item):
                        self.add(describe(str(item["executionArn"])))
            else:
                for start in range(0, len(items), batch):
                    wanted = [
                        str(item["executionArn"])
                        for item in items[start : start + batch]
                        if self.wants(item)
                    ]
                    for record in describe_many(wanted) if wanted else ():
                        self.add(record)
            if page.more and not to_the_end and self.has_last_finished:
                self.stopped_early = True
                return
            if page.more and not to_the_end and self.pages_read >= self.max_pages:
                self.stopped_early = self.gave_up = True
                return

    @property
    def records(self) -> list[ExecutionRecord]:
        """Running ones, then the last finished of each environment: newest first."""
        found = [*self.running.values(), *self.last_finished.values()]
        return sorted(found, key=lambda r: r.started, reverse=True)
