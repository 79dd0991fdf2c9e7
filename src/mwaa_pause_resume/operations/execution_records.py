"""The executions ``status`` and the busy checks read: each environment's running
workflows and last finished pause and resume, found page by page
(:mod:`.execution_search` decides what to read, this module reads it)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from mwaa_pause_resume.operations.aws_gateway import EXECUTIONS_PAGE
from mwaa_pause_resume.operations.deployment import ACTIONS
from mwaa_pause_resume.operations.execution_search import (
    ExecutionPage,
    ExecutionSearch,
    fleet_page_size,
    history_pages,
)
from mwaa_pause_resume.operations.session import Session
from mwaa_pause_resume.operations.status import ExecutionRecord, record_from


def collect_records(
    session: Session,
    environments: set[str],
    *,
    running_only: bool = False,
    page_size: int = EXECUTIONS_PAGE,
    concurrency: int = 1,
    not_found: set[str] | None = None,
) -> list[ExecutionRecord]:
    """Running executions of ``environments``, plus (unless ``running_only``) the last
    finished pause and resume of each: newest first, described only as far as needed.

    Pages through ListExecutions until each environment has its last finished run (or
    the list ends, or the search gives up: the environments it gave up on are added to
    ``not_found``); when that leaves pages unread, one ``RUNNING`` listing finds the
    running executions further back. A fleet reads larger pages than ``page_size``,
    further back, and describes up to ``concurrency`` executions at once."""
    size = fleet_page_size(len(environments), page_size)
    records: list[ExecutionRecord] = []
    for action in ACTIONS:
        search = ExecutionSearch(
            action,
            environments,
            running_only=running_only,
            max_pages=history_pages(len(environments), size),
        )
        _search_workflow(session, search, size, concurrency)
        if search.gave_up and not_found is not None:
            not_found.update(environments - search.last_finished.keys())
        records += search.records
    return records


def _search_workflow(
    session: Session, search: ExecutionSearch, size: int, concurrency: int
) -> None:
    from mwaa_pause_resume.operations.bounded import map_bounded

    machine = session.deployment.state_machine(search.action)

    def describe(arn: str) -> ExecutionRecord:
        return record_from(search.action, session.aws.describe_execution(arn))

    def describe_many(arns: Sequence[str]) -> list[ExecutionRecord]:
        return map_bounded(describe, arns, concurrency)

    def read(pages: Iterator[ExecutionPage], *, to_the_end: bool) -> None:
        many = describe_many if concurrency > 1 else None
        search.read(pages, describe, to_the_end=to_the_end, describe_many=many,
                    batch=concurrency * 4)  # fmt: skip

    running_only = search.running_only
    read(session.aws.execution_pages(machine, running_only=running_only, page_size=size),
         to_the_end=running_only)  # fmt: skip
    if search.stopped_early:
        read(session.aws.execution_pages(machine, running_only=True, page_size=size),
             to_the_end=True)  # fmt: skip


def running_for(
    session: Session, environment: str, *, page_size: int = EXECUTIONS_PAGE
) -> list[ExecutionRecord]:
    """The pauses and resumes of ``environment`` running now."""
    found = collect_records(session, {environment}, running_only=True, page_size=page_size)
    return [r for r in found if r.running]
