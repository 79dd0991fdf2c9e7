"""How a pause or resume being followed is shown: a live step list on a terminal, a line
per step elsewhere, the JSON of the finished run, and what Ctrl-C leaves running.
``pause``/``resume --wait`` and ``sandbox`` use it; the reads are
:func:`..operations.workflow_run.watch`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from mwaa_pause_resume.cli.output import EXIT_INTERRUPTED, error_console
from mwaa_pause_resume.operations.progress import Progress, Step
from mwaa_pause_resume.operations.session import POLL_SECONDS
from mwaa_pause_resume.operations.status import duration_text

if TYPE_CHECKING:
    from mwaa_pause_resume.operations.aws_gateway import AwsGateway
    from mwaa_pause_resume.operations.deployment import Action


def follow(
    aws: AwsGateway,
    execution_arn: str,
    environment: str,
    action: Action,
    *,
    out: Console | None,
    poll_seconds: float = POLL_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> Progress:
    """Poll the execution until it ends, showing its steps on ``out`` (None: silently).

    On a terminal the steps redraw in place (Rich Live); elsewhere (CI logs, pipes)
    one line is printed per step and per change of its detail. ``sleep`` waits between
    polls. Ctrl-C stops following, not the workflow: exit 130 after saying how to
    follow it."""
    from rich.live import Live

    from mwaa_pause_resume.operations.workflow_run import watch

    title = f"{'Pausing' if action == 'pause' else 'Resuming'} {environment}"
    printed: dict[int, tuple[str, ...]] = {}
    reads = watch(aws, execution_arn, poll_seconds=poll_seconds, sleep=sleep)
    try:
        if out is not None and out.is_terminal:
            with Live(console=out, refresh_per_second=4, transient=False) as live:
                for progress, started in reads:
                    live.update(render(progress, title, started, datetime.now(UTC)))
                return progress
        for progress, started in reads:
            if out is not None:
                _print_new_lines(out, progress, started, printed)
        return progress
    except KeyboardInterrupt:
        _report_interrupted(aws, execution_arn, environment, action)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _report_interrupted(
    aws: AwsGateway, execution_arn: str, environment: str, action: Action
) -> None:
    """On stderr, so that ``--json`` keeps stdout to JSON."""
    from mwaa_pause_resume.operations.workflow_run import console_url

    name = execution_arn.rsplit(":", 1)[-1]
    err = error_console()
    err.print(
        f"Stopped following. The {action} of {escape(environment)} goes on in AWS "
        f"(execution {escape(name)}).",
        highlight=False,
    )
    err.print(
        f"Follow it with `mwaa-pause-resume status {escape(environment)}` or in the console:",
        highlight=False,
    )
    err.print(console_url(aws.region, execution_arn), markup=False, highlight=False)


def _offset(started: datetime, when: datetime) -> str:
    return f"+{duration_text(max(0.0, (when - started).total_seconds()))}"


def _print_new_lines(
    out: Console, progress: Progress, started: datetime, printed: dict[int, tuple[str, ...]]
) -> None:
    """Append-only output: a line when a step starts, an indented line when its detail
    changes, and a line naming the step that failed."""
    for index, step in enumerate(progress.steps):
        seen = printed.setdefault(index, ())
        lines: list[str] = []
        if "start" not in seen:
            lines.append(f"[{_offset(started, step.started)}] {step.label}")
        if step.detail and f"detail:{step.detail}" not in seen:
            lines.append(f"{'':8}{step.detail}")
        if step.failed and "failed" not in seen:
            lines.append(f"[{_offset(started, step.ended or step.started)}] Failed: {step.label}")
        printed[index] = (
            *seen,
            "start",
            *([f"detail:{step.detail}"] if step.detail else []),
            *(["failed"] if step.failed else []),
        )
        for line in lines:
            out.print(line, markup=False, highlight=False)


def _step_row(step: Step, now: datetime) -> tuple[Text, Text, Text]:
    if step.failed:
        icon = Text("✗", style="bold red")
    elif step.ended is None:
        icon = Text("…", style="bold yellow")
    else:
        icon = Text("✓", style="green")
    label = Text(step.label)
    if step.detail:
        label.append(f"  {step.detail}", style="dim")
    if step.polls > 1:
        label.append(f" (poll {step.polls})", style="dim")
    took = ((step.ended or now) - step.started).total_seconds()
    return icon, label, Text(duration_text(took), style="dim")


def render(progress: Progress, title: str, started: datetime, now: datetime) -> Group:
    """The live view: a title with the elapsed time, then one row per step."""
    elapsed = duration_text(((now if not progress.finished else _end(progress, now)) - started)
                            .total_seconds())  # fmt: skip
    state = "" if progress.status == "RUNNING" else f" · {progress.status}"
    header = Text(f"{title} · {elapsed}{state}", style="bold")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=1)
    grid.add_column()
    grid.add_column(justify="right")
    for step in progress.steps:
        grid.add_row(*_step_row(step, now))
    return Group(header, grid)


def _end(progress: Progress, now: datetime) -> datetime:
    ends = [s.ended for s in progress.steps if s.ended is not None]
    return max(ends) if ends else now


def print_restore(out: Console, progress: Progress) -> None:
    """A finished resume's restore summary (the import run's note, in the output)."""
    from mwaa_pause_resume.metadata.restore_summary import summary_of_note

    summary = summary_of_note((progress.output or {}).get("import"))
    if summary is None:
        return
    for line in summary.lines():
        out.print(f"  {line}", markup=False, highlight=False)


def progress_json(
    progress: Progress, environment: str, action: Action, execution_arn: str
) -> dict[str, Any]:
    """A finished run as ``pause``/``resume --wait --json`` print it."""
    from mwaa_pause_resume.metadata.restore_summary import summary_of_note

    output = progress.output or {}
    restore = summary_of_note(output.get("import"))
    return {
        "action": action,
        "environment": environment,
        "execution_arn": execution_arn,
        "status": progress.status,
        "outcome": output.get("outcome"),
        "snapshot_id": output.get("snapshot_id"),
        "restore": restore.to_json() if restore is not None else None,
        "error": progress.error,
        "cause": progress.cause,
        "steps": [
            {
                "step": s.key,
                "label": s.label,
                "started": s.started.isoformat(),
                "ended": s.ended.isoformat() if s.ended else None,
                "detail": s.detail,
                "failed": s.failed,
            }
            for s in progress.steps
        ],
    }
