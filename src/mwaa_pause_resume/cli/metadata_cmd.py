"""``mwaa-pause-resume metadata``: export, import and verify Airflow metadata snapshots.

Useful on its own with any PostgreSQL-backed Airflow 2.10/2.11/3.0 (self-managed
Airflow, migrations between environments). psycopg2 and boto3 load lazily.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer

from mwaa_pause_resume.cli.output import console, error_console, handle_errors, print_json
from mwaa_pause_resume.errors import UserError

if TYPE_CHECKING:
    from rich.table import Table

    from mwaa_pause_resume.metadata.restore import RestoreReport

app = typer.Typer(
    help="Export, import and verify Airflow metadata snapshots (works with any "
    "PostgreSQL-backed Airflow).",
    no_args_is_help=True,
)


def register(root: typer.Typer) -> None:
    """Add the ``metadata`` command group to the application."""
    root.add_typer(app, name="metadata")


DbUrl = Annotated[
    str,
    typer.Option(
        "--db-url",
        envvar="AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        help="postgresql://USER:PASSWORD@HOST:PORT/DB of the Airflow metadata database.",
        show_default=False,
    ),
]
FernetKey = Annotated[
    str | None,
    typer.Option(
        "--fernet-key",
        envvar="AIRFLOW__CORE__FERNET_KEY",
        help="This database's core.fernet_key (a comma-separated list is allowed). Omit "
        "only if Airflow runs without encryption.",
        show_default=False,
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]
MacKey = Annotated[
    str | None,
    typer.Option(
        "--mac-key",
        envvar="MWAA_PR_MAC_KEY",
        help="The deployment's HMAC key (stack output MacKeyArn): the snapshot's "
        "manifest.mac.json must be a valid MAC of it (snapshots made by the pause workflow).",
        show_default=False,
    ),
]
AllowUnsigned = Annotated[
    bool,
    typer.Option(
        "--allow-unsigned",
        help="Skip the MAC check: only for a snapshot you made yourself (`metadata export`) "
        "and kept where nobody else can write.",
    ),
]

P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def _aws_errors(action: str) -> Iterator[None]:
    """S3/KMS failures (no credentials, access denied, no network) as user errors."""
    try:
        yield
    except Exception as exc:
        from mwaa_pause_resume.operations.aws_errors import explain

        translated = explain(exc, action)
        if translated is None:
            raise
        raise translated from None


def _snapshot_errors(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with _aws_errors(action):
                return func(*args, **kwargs)

        return wrapper

    return decorate


def _authenticated(store: Any, mac_key: str | None, allow_unsigned: bool) -> Any:
    """The store to read: pinned to its MAC-checked manifest with ``--mac-key``; as is with
    ``--allow-unsigned`` (a warning on stderr); otherwise refused, saying which to give."""
    from mwaa_pause_resume.metadata.snapshot_mac import MAC_NAME, authenticated_store

    if mac_key and allow_unsigned:
        raise UserError(
            "--mac-key and --allow-unsigned exclude each other",
            hint="give --mac-key to check a snapshot of the workflows, --allow-unsigned only "
            "for one you made yourself",
        )
    if allow_unsigned:
        error_console().print(
            f"[yellow]Not authenticated:[/] {store.location} is used without checking its "
            "MAC (--allow-unsigned).",
            highlight=False,
        )
        return store
    if not mac_key:
        signed = store.exists(MAC_NAME)
        raise UserError(
            f"{store.location} is not checked: "
            + ("it carries a MAC, give the key" if signed else "it carries no MAC"),
            hint="give --mac-key (the stack output MacKeyArn) for a snapshot of the pause "
            "workflow; --allow-unsigned only for a snapshot you made yourself with "
            "`metadata export` and kept where nobody else can write",
        )
    # Where the snapshot came from is not known here (a local copy may sit anywhere):
    # the MAC's own environment and snapshot id are printed instead.
    pinned = authenticated_store(
        store, store.kms_client(), mac_key, environment=None, snapshot_id=None
    )
    error_console().print(
        f"[green]Authenticated:[/] snapshot {pinned.signed.get('snapshot_id')} of environment "
        f"{pinned.signed.get('environment')}, signed by the pause workflow.",
        highlight=False,
    )
    return pinned


def _progress(quiet: bool) -> Any:
    if quiet:
        return None
    err = error_console()
    return lambda table, rows: err.print(f"  {table}: {rows} rows", highlight=False)


def _parse_runs(values: list[str]) -> list[tuple[str, str]]:
    runs = []
    for value in values:
        dag_id, sep, run_id = value.partition("/")
        if not (sep and dag_id and run_id):
            raise UserError(
                f"--exclude-run {value!r} is not DAG_ID/RUN_ID",
                hint="e.g. --exclude-run mwaa_pause_resume_export/manual__2026-01-01T00:00:00",
            )
        runs.append((dag_id, run_id))
    return runs


@app.command("export")
@handle_errors
@_snapshot_errors("write the snapshot")
def export_cmd(  # noqa: PLR0917  (Typer maps parameters to options)
    db_url: DbUrl,
    to: Annotated[
        str, typer.Option("--to", help="Snapshot folder: a local directory or s3://bucket/prefix/.")
    ],
    fernet_key: FernetKey = None,
    kms_key_id: Annotated[
        str | None,
        typer.Option(
            "--kms-key-id",
            help="KMS key for S3 SSE-KMS and envelope encryption of "
            "the secrets (then import needs kms:Decrypt, not the source key).",
        ),
    ] = None,
    environment: Annotated[
        str | None,
        typer.Option(
            "--environment",
            help="With --kms-key-id: the environment the data key is bound to (KMS "
            "encryption context mwaa-pause-resume:environment; only that environment's "
            "execution role may decrypt it). Default: ENV of --to s3://BUCKET/ENV/SNAPSHOT/.",
        ),
    ] = None,
    exclude_run: Annotated[
        list[str] | None,
        typer.Option("--exclude-run", help="DAG_ID/RUN_ID of a run to leave out (repeatable)."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Export the metadata database into a snapshot (gzip CSV per table + manifest)."""
    from mwaa_pause_resume.metadata import connect, export_snapshot, open_store

    runs = _parse_runs(exclude_run or [])
    store = open_store(to, kms_key_id=kms_key_id)
    conn = connect(db_url)
    try:
        manifest = export_snapshot(
            conn,
            store,
            fernet_key=fernet_key or None,
            exclude_dag_runs=runs,
            progress=_progress(as_json),
            environment=environment or None,
            connect=lambda: connect(db_url),  # a second reader in the same snapshot
        )
    finally:
        conn.close()
    rows = {name: t.rows for name, t in manifest.tables.items()}
    if as_json:
        print_json(
            {
                "location": store.location,
                "alembic_revision": manifest.alembic_revision,
                "created_at": manifest.created_at,
                "secrets": manifest.secrets.scheme,
                "bytes": sum(t.bytes for t in manifest.tables.values()),
                "interrupted": manifest.interrupted,
                "rows": rows,
            }
        )
        return
    out = console()
    out.print(_rows_table("Exported", rows))
    out.print(
        f"[green]Snapshot written to[/] {store.location} "
        f"(secrets: {manifest.secrets.scheme}, {len(manifest.interrupted)} interrupted "
        "task instances recorded)",
        highlight=False,
    )
    if manifest.secrets.scheme == "source-fernet-key":
        out.print(
            "[yellow]Import needs this Fernet key again:[/] --source-fernet-key", highlight=False
        )


@app.command("import")
@handle_errors
@_snapshot_errors("read the snapshot")
def import_cmd(  # noqa: PLR0917
    db_url: DbUrl,
    source: Annotated[str, typer.Option("--from", help="Snapshot folder (directory or s3://).")],
    fernet_key: FernetKey = None,
    source_fernet_key: Annotated[
        str | None,
        typer.Option(
            "--source-fernet-key",
            envvar="MWAA_PR_SOURCE_FERNET_KEY",
            help="The exported environment's Fernet key, for snapshots written without KMS.",
            show_default=False,
        ),
    ] = None,
    interrupted: Annotated[
        str,
        typer.Option(
            "--interrupted",
            help="What to do with work that was running at "
            "export: rerun (clear and re-run) or fail.",
        ),
    ] = "rerun",
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Restore even if this database already restored this snapshot (its jobs "
            "and audit-log rows are then added a second time).",
        ),
    ] = False,
    mac_key: MacKey = None,
    allow_unsigned: AllowUnsigned = False,
    target_airflow_python: Annotated[
        str | None,
        typer.Option(
            "--target-airflow-python",
            help="The python of the target's Airflow installation: a snapshot of an older "
            "Airflow is then brought forward by that Airflow's own migrations "
            "(docs/metadata.md). Without it, only a snapshot of the target's schema imports.",
            show_default=False,
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Restore a snapshot into the database in one transaction, checking every file as it
    streams (sizes, sha256, row counts); a damaged snapshot changes nothing. The snapshot
    must carry a valid MAC of --mac-key (or --allow-unsigned for one you made yourself)."""
    from mwaa_pause_resume.metadata import connect, open_store, restore_snapshot
    from mwaa_pause_resume.metadata.forward.subprocess_migrations import SubprocessMigrations

    store = _authenticated(open_store(source), mac_key, allow_unsigned)
    migrations = (
        SubprocessMigrations(target_airflow_python, db_url) if target_airflow_python else None
    )
    conn = connect(db_url)
    try:
        report = restore_snapshot(
            conn,
            store,
            fernet_key=fernet_key or None,
            snapshot_key=source_fernet_key or None,
            interrupted_policy=interrupted,
            progress=_progress(as_json),
            force=force,
            migrations=migrations,
        )
    finally:
        conn.close()
    if as_json:
        print_json(report.to_dict())
        return
    _print_restore(report)


def _print_restore(report: RestoreReport) -> None:
    from rich.table import Table

    out = console()
    table = Table(
        "table", "snapshot", "inserted", "updated", "matched", "skipped", title="Restored"
    )
    for name, t in report.tables.items():
        skipped = t.kept_target + t.skipped_with_parent + t.skipped_conflict
        table.add_row(
            name,
            str(t.snapshot_rows),
            str(t.inserted),
            str(t.updated),
            str(t.matched),
            str(skipped),
        )
    out.print(table)
    if report.brought_forward:
        out.print(
            f"Brought forward from schema revision {report.brought_forward['from']} to "
            f"{report.brought_forward['to']} by the target's Airflow migrations; not restored "
            f"(the target's Airflow no longer has them): "
            f"{', '.join(report.brought_forward.get('left_behind') or []) or 'nothing'}",
            highlight=False,
        )
    out.print(
        f"Paused states applied: {report.paused_states_applied}; interrupted work "
        f"({report.interrupted_policy}): {report.interrupted_runs} runs, "
        f"{report.interrupted_task_instances} task instances; jobs running at export "
        f"marked failed: {report.jobs_ended}",
        highlight=False,
    )
    if report.forced:
        out.print(
            f"[yellow]Snapshot {report.snapshot_id} had been restored into this database "
            "before:[/] restored again (--force)",
            highlight=False,
        )
    if report.paused_states_pending:
        out.print(
            f"[yellow]DAGs not in the database:[/] {', '.join(report.paused_states_pending)}",
            highlight=False,
        )


@app.command("verify")
@handle_errors
@_snapshot_errors("read the snapshot")
def verify_cmd(
    source: Annotated[str, typer.Option("--from", help="Snapshot folder (directory or s3://).")],
    mac_key: MacKey = None,
    allow_unsigned: AllowUnsigned = False,
    as_json: AsJson = False,
) -> None:
    """Check a snapshot: its MAC (--mac-key; or --allow-unsigned), every table it must
    hold, each file's size, sha256, gzip and rows."""
    from mwaa_pause_resume.metadata import open_store, verify_snapshot

    report = verify_snapshot(_authenticated(open_store(source), mac_key, allow_unsigned))
    if as_json:
        print_json(report.to_dict())
        return
    out = console()
    out.print(_rows_table("Verified", report.rows))
    out.print(
        f"[green]OK[/] {report.files} files, {report.bytes} bytes, schema revision "
        f"{report.manifest.alembic_revision}",
        highlight=False,
    )


def _rows_table(title: str, rows: dict[str, int]) -> Table:
    from rich.table import Table

    table = Table("table", "rows", title=title)
    for name, count in rows.items():
        table.add_row(name, str(count))
    return table
