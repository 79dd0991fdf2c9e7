"""``mwaa-pause-resume sandbox``: the whole pause/resume cycle on this machine.

Progress (setup steps, each workflow step with elapsed time) goes to stderr; the
result (a table, or ``--json``) to stdout. Exit 0 only if everything was restored
equal; 1 otherwise, naming what differs.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.cli.options import JsonOption
from mwaa_pause_resume.cli.output import console, error_console, handle_errors, print_json

if TYPE_CHECKING:
    from rich.live import Live

    from mwaa_pause_resume.operations.progress import Progress
    from mwaa_pause_resume.sandbox.result import SandboxResult

VERSIONS = airflow_versions.SUPPORTED


class OverrideScenarioKind(StrEnum):
    """``--override``: the scenarios of sandbox.override_scenario."""

    KEEP_AWAKE = "keep-awake"
    STAY_PAUSED = "stay-paused"


class RichReporter:
    """Setup steps as lines; a workflow as a live step list (a line per step off a terminal)."""

    def __init__(self, out: Console) -> None:
        self.out = out
        self.started = time.monotonic()
        self._live: Live | None = None
        self._printed: set[tuple[str, int, str]] = set()

    def _stamp(self) -> str:
        return f"[{time.monotonic() - self.started:6.1f}s]"

    def phase(self, text: str) -> None:
        self.out.print(f"{self._stamp()} {escape(text)}", highlight=False)

    def workflow(self, workflow: str, progress: Progress, started: datetime) -> None:
        from mwaa_pause_resume.cli.follow_view import render

        title = f"{workflow.capitalize()} workflow (real ASL in moto, real handlers and DAGs)"
        if self.out.is_terminal:
            if self._live is None:
                from rich.live import Live

                self._live = Live(console=self.out, refresh_per_second=4, transient=False)
                self._live.start()
            self._live.update(render(progress, title, started, datetime.now(UTC)))
            return
        for index, step in enumerate(progress.steps):
            key = (workflow, index, step.label)
            if key not in self._printed:
                self._printed.add(key)
                offset = (step.started - started).total_seconds()
                self.out.print(
                    f"{self._stamp()} {workflow} +{offset:.0f}s {escape(step.label)}",
                    highlight=False,
                )

    def workflow_done(self, workflow: str, progress: Progress, seconds: float) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        style = "green" if progress.status == "SUCCEEDED" else "bold red"
        line = (
            f"{self._stamp()} {workflow} workflow [{style}]{progress.status}[/] in {seconds:.1f}s"
        )
        if progress.status != "SUCCEEDED":
            line += f": {escape(str(progress.error))} {escape(str(progress.cause or ''))}"
        self.out.print(line, highlight=False)


def result_table(result: SandboxResult) -> Table:
    table = Table(title=f"Restored after pause + resume (Airflow {result.airflow_version})")
    comp = result.comparison
    # Off a terminal Rich lays tables out in 80 columns: table names must never be cut
    # (rendered_task_instance_fields), the short numeric columns wrap their headers instead.
    widest = max((len(name) for name in comp.tables), default=0) if comp else 0
    table.add_column("kept table", no_wrap=True, min_width=widest)
    table.add_column("before pause", justify="right")
    table.add_column("after resume", justify="right")
    table.add_column("rows matching", justify="right")
    table.add_column("equal", justify="center")
    for name, row in comp.tables.items() if comp else ():
        mark = "[green]yes[/]" if row.equal else "[bold red]NO[/]"
        table.add_row(name, str(row.before), str(row.after), str(row.matching), mark)
    return table


def _channel(result: SandboxResult) -> str:
    if result.scope == "full" and result.through_rest:
        return "a full snapshot through the REST API: no task database access"
    return f"{result.scope} scope"


def print_result(out: Console, result: SandboxResult) -> None:
    comp = result.comparison
    if comp is not None:
        out.print(result_table(result))
        ok = "[green]equal[/]"
        bad = "[bold red]differ[/]"
        out.print(
            f"Secrets ({comp.secrets_checked} variable values, connection passwords and "
            f"extras) decrypted with the new environment's Fernet key: "
            f"{ok if comp.secrets_equal else bad}"
            + ("" if result.fernet_key_changed else " [bold red](the key did not change)[/]"),
            highlight=False,
        )
        out.print(f"DAG paused states: {ok if comp.paused_equal else bad}", highlight=False)
    for run_name, run in (("pause", result.pause), ("resume", result.resume)):
        if run is not None:
            out.print(f"{run_name}: {run.status} in {run.seconds:.1f}s", highlight=False)
    for note in result.keep_notes:
        out.print(f"Kept: {escape(note)}", highlight=False)
    if result.kept:
        out.print(f"Kept: work directory {escape(str(result.work_dir))}", highlight=False)
    if result.rest_history is not None:
        check = result.rest_history
        out.print(
            f"Run history through the REST API (docs/airflow3.md): {check.runs_checked} runs "
            f"and {check.task_instances_checked} task instances checked row by row, "
            f"{check.runs_absent_as_documented} absent as documented (path limit): "
            + ("[green]as promised[/]" if check.passed else "[bold red]differ[/]"),
            highlight=False,
        )
    for item, why in result.not_restored.items():
        out.print(f"[bold yellow]Not restored[/] ({_channel(result)}): {item}: {escape(why)}")
    for error in result.import_errors:
        out.print(
            f"[bold yellow]DAG file failed to import[/]: {escape(error['filename'])}: "
            f"{escape(error['error'].strip().splitlines()[-1] if error['error'].strip() else '')}",
            highlight=False,
        )
    print_liveness(out, result)
    if result.restored_equal:
        what = "Everything in the snapshot's scope" if result.not_restored else "Everything"
        out.print(
            f"[bold green]{what} was restored equal[/] ({result.total_seconds:.0f}s in all).",
            highlight=False,
        )
    else:
        out.print("[bold red]Not restored equal:[/]", highlight=False)
        for diff in result.differences:
            out.print(f"  - {escape(diff)}", highlight=False)


def print_liveness(out: Console, result: SandboxResult) -> None:
    live = result.liveness
    if live is None:
        return
    marks = {"passed": "[green]passed[/]", "failed": "[bold red]FAILED[/]"}
    out.print(f"After the resume ({live.settle_seconds:.0f}s watched):", highlight=False)
    for check in live.checks:
        mark = marks.get(check.status, f"[yellow]{check.status}[/]")
        out.print(f"  {mark} {escape(check.name)}: {escape(check.detail)}", highlight=False)
    for dag in live.scheduled:
        created = dag.created_after_resume
        span = f"{created[0]} .. {created[-1]}" if created else "none yet"
        out.print(
            f"  {dag.dag_id}: last run before the pause {dag.last_before_pause}; "
            f"{dag.restored_runs} runs restored; {len(created)} created after the resume "
            f"({span})",
            highlight=False,
        )
    out.print(f"Peak memory of the environments' processes: {result.peak_rss_bytes / 2**20:.0f} MB")


@handle_errors
def sandbox(  # noqa: PLR0917 (Typer maps parameters to options)
    airflow_version: Annotated[
        str,
        typer.Option(
            "--airflow-version",
            help=f"Airflow of the emulated environment: {', '.join(VERSIONS)}.",
        ),
    ] = airflow_versions.DEFAULT,
    resume_version: Annotated[
        str | None,
        typer.Option(
            "--resume-version",
            help="Resume on this newer Airflow: the snapshot is brought forward and compared "
            "with Airflow's own upgrade of the paused database.",
        ),
    ] = None,
    worker_db_access: Annotated[
        bool,
        typer.Option(
            "--worker-db-access",
            help="Give Airflow 3 tasks the metadata database's coordinates (MWAA 3.x does "
            "not: by default the DAGs fall back to the rest-only scope there).",
        ),
    ] = False,
    dags: Annotated[
        Path | None,
        typer.Option(
            "--dags",
            help="A folder of your own DAGs to add to the environment: their history takes "
            "part in the comparison; files that fail to import are reported, by name.",
            exists=True,
            file_okay=False,
            dir_okay=True,
            resolve_path=True,
        ),
    ] = None,
    settle: Annotated[
        float,
        typer.Option(
            "--settle",
            min=0,
            help="Seconds to watch the resumed environment at least (liveness).",
        ),
    ] = 30.0,
    keep: Annotated[
        bool,
        typer.Option("--keep", help="Keep the work directory and PostgreSQL, and say where."),
    ] = False,
    as_json: JsonOption = False,
    override: Annotated[
        OverrideScenarioKind | None,
        typer.Option(
            "--override",
            help="Instead of the cycle, show an override at work: keep-awake (a scheduled "
            "pause is skipped, the environment untouched) or stay-paused (after a pause, a "
            "scheduled resume is skipped, the environment stays absent).",
        ),
    ] = None,
) -> None:
    """Run the real pause and resume workflows on this machine, no AWS account needed.

    Sets itself up (an Airflow virtualenv on first use, a throwaway
    PostgreSQL, moto and the MWAA emulator), creates an environment running
    Airflow's own scheduler, triggerer, DAG processor and web/API server, makes
    history through its REST API, pauses it, resumes it, compares what was
    restored and watches the resumed environment work on. Exit 0 only if
    everything in the snapshot's scope was restored equal and liveness passed.
    """
    from mwaa_pause_resume.sandbox.cycle import run_sandbox
    from mwaa_pause_resume.sandbox.result import SandboxOptions

    out = error_console()
    if override is not None:
        _override_scenario(override.value, airflow_version, keep, as_json)
        return
    with sigterm_as_interrupt():
        result = run_sandbox(
            SandboxOptions(
                airflow_version=airflow_version,
                resume_version=resume_version,
                keep=keep,
                worker_db_access=worker_db_access,
                dags=dags,
                settle_seconds=settle,
            ),
            RichReporter(out),
        )
    if as_json:
        print_json(result.to_json())
    else:
        print_result(console(), result)
    if not result.passed:
        raise typer.Exit(1)


def _override_scenario(kind: Any, airflow_version: str, keep: bool, as_json: bool) -> None:
    from mwaa_pause_resume.sandbox.override_scenario import run_override_scenario
    from mwaa_pause_resume.sandbox.result import SandboxOptions

    with sigterm_as_interrupt():
        scenario = run_override_scenario(
            SandboxOptions(airflow_version=airflow_version, keep=keep),
            kind,
            RichReporter(error_console()),
        )
    if as_json:
        print_json(scenario.to_json())
    else:
        data = scenario.to_json()
        console().print(
            f"{'PASSED' if scenario.passed else 'FAILED'}: {kind}, scheduled "
            f"{data['skipped_workflow']} outcome {data['outcome']!s} ({data['reason']!s}); "
            f"environment {data['environment_state']} (expected {data['expected_state']})",
            highlight=False,
        )
        if scenario.error:
            console().print(f"Error: {scenario.error}", highlight=False)
    if not scenario.passed:
        raise typer.Exit(1)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, a CI job's timeout) stops the sandbox as Ctrl-C does: through
    its clean-up, so no Airflow process or PostgreSQL server is left running."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def register(app: typer.Typer) -> None:
    """Add ``sandbox`` to the application."""
    app.command("sandbox")(sandbox)
