"""``snapshots list|show|prune ENV``: the metadata snapshots in the backup bucket.

``prune`` never deletes the snapshot ``latest.json`` points to, nor one a running
pause or resume uses.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mwaa_pause_resume.cli.options import (
    ConfigOption,
    JsonOption,
    ProfileOption,
    RegionOption,
)
from mwaa_pause_resume.cli.output import console, handle_errors, print_json
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.functions import layout
from mwaa_pause_resume.operations.execution_records import running_for
from mwaa_pause_resume.operations.session import Session, open_session
from mwaa_pause_resume.operations.snapshot_index import (
    PrunePlan,
    SnapshotInfo,
    human_bytes,
    index,
    keys_of,
    latest_id,
    manifest_summary,
    prune_plan,
    still_deletable,
)
from mwaa_pause_resume.operations.snapshot_reads import check_snapshot_id
from mwaa_pause_resume.operations.status import ExecutionRecord

app = typer.Typer(
    help="List, inspect and prune the metadata snapshots of an environment.",
    no_args_is_help=True,
)
EnvArgument = Annotated[
    str, typer.Argument(metavar="ENV", help="Name of a configured environment.")
]


def register(root: typer.Typer) -> None:
    """Add the ``snapshots`` command group to the application."""
    root.add_typer(app, name="snapshots")


def in_use(records: list[ExecutionRecord], latest: str | None) -> set[str]:
    """Snapshots a running workflow reads or writes: a resume's chosen one (the latest
    when it chose none), a pause's new one (its id is derived from the execution)."""
    used: set[str] = set()
    for record in records:
        if record.action == "resume":
            chosen = record.snapshot_id or latest
            if chosen:
                used.add(chosen)
        else:
            used.add(layout.stamp(record.started.isoformat(), record.name))
    return used


def _snapshots(session: Session, environment: str) -> tuple[list[SnapshotInfo], list[Any]]:
    bucket = session.deployment.bucket
    objects = session.aws.list_objects(bucket, f"{environment}/")
    latest = latest_id(session.aws.read_json(bucket, layout.latest_key(environment)))
    used = in_use(running_for(session, environment), latest)
    return index(environment, objects, latest, used), objects


@app.command("list")
@handle_errors
def list_snapshots(
    environment: EnvArgument,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """The snapshots of ENV, newest first: complete or not, size, which one is the latest.

    Examples:
    $ mwaa-pause-resume snapshots list analytics-dev
    $ mwaa-pause-resume snapshots list analytics-dev --json
    """
    session = open_session(config, profile, region)
    env = session.config.environment(environment)
    snapshots, _ = _snapshots(session, env.name)
    if as_json:
        print_json(
            {
                "environment": env.name,
                "bucket": session.deployment.bucket,
                "snapshots": [s.to_dict() for s in snapshots],
            }
        )
        return
    out = console()
    if not snapshots:
        out.print(
            f"No snapshots of {escape(env.name)} in s3://{escape(session.deployment.bucket)}/"
            f"{escape(env.name)}/ (it has not been paused yet)."
        )
        return
    table = Table("Snapshot", "Taken (UTC)", "State", "Size", "Objects", box=None)
    for s in snapshots:
        marks = ["complete" if s.complete else "incomplete"]
        if s.latest:
            marks.append("latest")
        if s.in_use:
            marks.append("in use")
        taken = s.taken_at.strftime("%Y-%m-%d %H:%M") if s.taken_at else "-"
        table.add_row(s.snapshot_id, taken, ", ".join(marks), human_bytes(s.bytes), str(s.objects))
    out.print(table)


@app.command("show")
@handle_errors
def show(
    environment: EnvArgument,
    snapshot_id: Annotated[str, typer.Argument(metavar="ID", help="Snapshot id (see list).")],
    *,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """What snapshot ID of ENV holds: tables, rows, bytes, Airflow version, interrupted work.

    Examples:
    $ mwaa-pause-resume snapshots show analytics-dev 20261125T170200Z-1a2b
    $ mwaa-pause-resume snapshots show analytics-dev 20261125T170200Z-1a2b --json
    """
    from mwaa_pause_resume.metadata.manifest import Manifest

    session = open_session(config, profile, region)
    env = session.config.environment(environment)
    check_snapshot_id(snapshot_id, env.name)  # a typo is reported before any AWS call
    bucket = session.deployment.bucket
    raw = session.aws.read_json(bucket, layout.key(env.name, snapshot_id, layout.MANIFEST_FILE))
    if raw is None:
        raise UserError(
            f"Snapshot {snapshot_id} of {env.name} has no manifest in s3://{bucket}/"
            f"{layout.snapshot_prefix(env.name, snapshot_id)}: it does not exist, or its "
            "export did not finish.",
            hint=f"list the snapshots with `mwaa-pause-resume snapshots list {env.name}`",
        )
    summary = manifest_summary(Manifest.from_dict(raw).to_dict())
    complete = session.aws.read_json(bucket, layout.key(env.name, snapshot_id, "complete.json"))
    latest = latest_id(session.aws.read_json(bucket, layout.latest_key(env.name)))
    result = {
        "environment": env.name,
        "snapshot_id": snapshot_id,
        "location": layout.snapshot_url(bucket, env.name, snapshot_id),
        "complete": complete is not None,
        "latest": latest == snapshot_id,
        **summary,
    }
    if as_json:
        print_json(result)
        return
    _print_show(result)


def _size(size: int) -> str:
    return f"{human_bytes(size)} compressed"


def _scope_text(result: dict[str, Any]) -> str:
    """``rest-only (variables, connections, pools, paused states)``: the items a rest-only
    manifest lists (older ones list none)."""
    items = result.get("items")
    listed = f" ({', '.join(i.replace('_', ' ') for i in items)})" if items else ""
    return f"{result['scope']}{listed}"


def _print_show(result: dict[str, Any]) -> None:
    out = console()
    state = "complete" if result["complete"] else "incomplete (not verified; cannot be resumed)"
    if result["latest"]:
        state += ", latest"
    out.print(f"[bold]{escape(result['snapshot_id'])}[/] of {escape(result['environment'])}: "
              f"{state}", highlight=False)  # fmt: skip
    facts = [
        ("Location", result["location"]),
        ("Created", result["created_at"]),
        ("Airflow", f"{result['airflow_version']} (alembic {result['alembic_revision']})"),
        ("Scope", _scope_text(result)),
        ("Totals", f"{result['tables']} tables, {result['rows']} rows, {_size(result['bytes'])}"),
        ("DAGs", f"{result['dags']} ({result['dags_active']} active before the pause)"),
        ("Secrets", result["secrets"]),
        ("Interrupted", f"{len(result['interrupted'])} task/run(s) were running at the export"),
    ]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in facts:
        grid.add_row(label, escape(str(value)))
    out.print(grid)
    for item in result["interrupted"][:20]:
        task = f" task {item['task_id']}" if item.get("task_id") else ""
        out.print(f"  - {escape(item['dag_id'])} run {escape(item['run_id'])}{escape(task)}"
                  f" ({escape(str(item.get('state') or '?'))})", highlight=False)  # fmt: skip
    table = Table("Table", "Rows", "Bytes", box=None)
    for row in result["per_table"]:
        table.add_row(row["table"], str(row["rows"]), human_bytes(row["bytes"]))
    out.print(table)


def stdin_is_terminal() -> bool:
    """Whether someone can answer a prompt (CliRunner, pipes and a closed stdin: no)."""
    return sys.stdin is not None and sys.stdin.isatty()


def ask(question: str) -> bool:
    """Ask on the terminal; no unless the answer is yes. End of input: "Aborted!", exit 1.

    Ctrl-C exits 130, as anywhere else (``handle_errors``): Click turns it into the same
    Abort as the end of input, with the interrupt as the Abort's context.
    """
    try:
        return typer.confirm(question, default=False)
    except typer.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        raise


def _refuse_unconfirmed(environment: str, keep: int, as_json: bool) -> None:
    """Prune without --yes needs someone to answer; say so before any AWS call."""
    preview = f"`mwaa-pause-resume snapshots prune {environment} --keep {keep} --dry-run`"
    if as_json:
        raise UserError(
            "snapshots prune --json cannot ask for confirmation (stdout is JSON only).",
            hint=f"add --yes to delete without asking; {preview} shows what would go",
        )
    if not stdin_is_terminal():
        raise UserError(
            "snapshots prune deletes snapshots and stdin is not a terminal, so it cannot "
            "ask for confirmation.",
            hint=f"add --yes to delete without asking (scripts, CI); {preview} shows what would go",
        )


@app.command("prune")
@handle_errors
def prune(
    environment: EnvArgument,
    *,
    keep: Annotated[
        int, typer.Option("--keep", min=1, help="Complete snapshots to keep (newest first).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be deleted; delete nothing.")
    ] = False,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            "-y",
            help="Delete without asking. Required when stdin is not a terminal, and with --json.",
        ),
    ] = False,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete all but the KEEP newest complete snapshots of ENV, and abandoned ones older than them.

    The snapshot latest.json points to and any in use by a running workflow
    are always kept. It shows what it would delete and asks first; --yes
    skips the question (scripts).

    Examples:
    $ mwaa-pause-resume snapshots prune analytics-dev --keep 3 --dry-run
    $ mwaa-pause-resume snapshots prune analytics-dev --keep 3
    $ mwaa-pause-resume snapshots prune analytics-dev --keep 3 --yes --json
    """
    session = open_session(config, profile, region)
    env = session.config.environment(environment)
    confirm = not (dry_run or yes)
    if confirm:  # after the typo checks, before any AWS call
        _refuse_unconfirmed(env.name, keep, as_json)
    snapshots, objects = _snapshots(session, env.name)
    plan = prune_plan(snapshots, keep)
    out = console()
    if confirm and plan.delete:
        _print_plan(out, plan, snapshots, "Would delete")
        count = len(plan.delete)
        if not ask(f"Delete {count} snapshot{'s' if count != 1 else ''} of {env.name}?"):
            out.print("Nothing deleted.")
            return
        # The answer may have taken a while: a workflow started meanwhile keeps its snapshot.
        snapshots, objects = _snapshots(session, env.name)
        fresh = still_deletable(plan, prune_plan(snapshots, keep))
        for snapshot_id in sorted(set(plan.delete) & fresh.protected.keys()):
            out.print(f"Kept {snapshot_id} after all: {fresh.protected[snapshot_id]}")
        plan = fresh
    if not dry_run:
        for snapshot_id in plan.delete:
            session.aws.delete_keys(
                session.deployment.bucket, keys_of(env.name, snapshot_id, objects)
            )
    if as_json:
        print_json({"environment": env.name, "dry_run": dry_run, **plan.to_dict()})
        return
    if not plan.delete:
        out.print(f"Nothing to delete: {len(plan.keep)} snapshot(s) of {escape(env.name)} kept.")
    if confirm:  # the plan was shown before the question
        for snapshot_id in plan.delete:
            out.print(f"Deleted {snapshot_id}")
    else:
        _print_plan(out, plan, snapshots, "Would delete" if dry_run else "Deleted")
    stamp = datetime.now(UTC).strftime("%H:%M:%S UTC")
    deleted = "would be deleted (dry run)" if dry_run else "deleted"
    out.print(f"{len(plan.delete)} {deleted}, {len(plan.keep)} kept ({stamp}).", highlight=False)


def _print_plan(out: Console, plan: PrunePlan, snapshots: list[SnapshotInfo], verb: str) -> None:
    by_id = {s.snapshot_id: s for s in snapshots}
    for snapshot_id in plan.delete:
        info = by_id.get(snapshot_id)
        what = (
            f" ({'complete' if info.complete else 'incomplete'}, {human_bytes(info.bytes)})"
            if info
            else ""
        )
        out.print(f"{verb} {snapshot_id}{what}", highlight=False)
    for snapshot_id, why in sorted(plan.protected.items()):
        out.print(f"Kept {snapshot_id}: {why}", highlight=False)
