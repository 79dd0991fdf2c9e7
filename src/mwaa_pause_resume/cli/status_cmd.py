"""``status [ENV]``: where each environment stands (state, running workflow, last runs,
next times, latest snapshot), for one environment or a fleet.

A fleet (filters ``--account``, ``--in-region``, ``--tag``: :mod:`..operations.fleet_filter`)
is read in bulk, not environment by environment: each workflow's executions are listed
once and grouped by environment, the executions and the per-environment objects are
read a bounded number at a time (:mod:`..operations.bounded`), and an environment in
another account is read through that account's spoke role
(:mod:`..operations.fleet_sessions`); a spoke that cannot be reached shows its
environments' live state as unavailable, with the reason and the fix.

Exit codes: 0 shown, 2 bad input or an AWS error the user can fix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mwaa_pause_resume.cli.options import (
    AccountFilterOption,
    ConfigOption,
    InRegionFilterOption,
    JsonOption,
    ProfileOption,
    RegionOption,
    TagFilterOption,
    pacing,
)
from mwaa_pause_resume.cli.output import console, handle_errors, print_json
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.operations.aws_gateway import AwsGateway, NotDeployed
from mwaa_pause_resume.operations.execution_records import collect_records
from mwaa_pause_resume.operations.session import Session, open_session
from mwaa_pause_resume.operations.snapshot_reads import latest_snapshot
from mwaa_pause_resume.operations.status import (
    ExecutionRecord,
    environment_status,
    last_finished,
)

if TYPE_CHECKING:
    from mwaa_pause_resume.config.fleet import Placement
    from mwaa_pause_resume.config.model import EnvironmentConfig
    from mwaa_pause_resume.functions.overrides import Override
    from mwaa_pause_resume.operations.fleet_sessions import Unreachable

UNAVAILABLE = "UNAVAILABLE"  # the environment's account could not be reached
# How many environments a "gave up" warning names before "and N more".
NAMED = 5
# Past this many environments, the overrides are listed at once (GetParametersByPath)
# rather than read one by one.
BULK_OVERRIDES = 10


def register(app: typer.Typer) -> None:
    app.command("status")(status)


@handle_errors
def status(
    context: typer.Context,
    environment: Annotated[
        str | None,
        typer.Argument(metavar="ENV", help="One configured environment (default: all)."),
    ] = None,
    *,
    accounts: AccountFilterOption = None,
    in_regions: InRegionFilterOption = None,
    tags: TagFilterOption = None,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Where environments stand: state, running workflow, last runs, next times, snapshot.

    Without ENV: every configured environment, or those --account, --in-region and
    --tag select. A configuration spanning several accounts or regions is shown
    grouped by account and region, after a summary of each.

    Examples:
    $ mwaa-pause-resume status
    $ mwaa-pause-resume status analytics-dev --json
    $ mwaa-pause-resume status --account 111122223333 --in-region eu-west-1
    $ mwaa-pause-resume status --tag team=data --tag stage
    """
    from mwaa_pause_resume.operations.bounded import DEFAULT_CONCURRENCY, map_bounded
    from mwaa_pause_resume.operations.fleet_filter import (
        parse_filter,
        placement_key,
        refuse_name_with_filter,
        select,
        spans_fleet,
        where,
    )
    from mwaa_pause_resume.operations.fleet_sessions import FleetSessions

    chosen = parse_filter(accounts, in_regions, tags)
    refuse_name_with_filter(environment, chosen)
    session = open_session(config, profile, region)
    cfg = session.config
    fleet = FleetSessions(session.aws, cfg.deployment)
    hub = fleet.hub_placement(cfg.environments)
    envs = (
        [cfg.environment(environment)]
        if environment
        else select(cfg.environments, cfg.deployment, chosen, hub)
    )
    concurrency = 1 if len(envs) == 1 else DEFAULT_CONCURRENCY
    now = datetime.now(UTC)
    warnings: list[str] = []
    records: list[ExecutionRecord] = []
    deployed = True
    not_found: set[str] = set()
    try:
        records = collect_records(
            session,
            {e.name for e in envs},
            page_size=pacing(context).executions_page,
            concurrency=concurrency,
            not_found=not_found,
        )
    except NotDeployed as exc:
        deployed = False
        warnings.append(exc.message)
    if not_found:
        warnings.append(_gave_up_warning(not_found))
    places = {env.name: where(env, cfg.deployment, hub) for env in envs}
    # Sessions first, one per place (a spoke's AssumeRole once), then the reads at once.
    gateways = {at: fleet.gateway_for(at) for at in dict.fromkeys(places.values())}
    overrides = _all_overrides(session) if len(envs) > BULK_OVERRIDES else None
    by_environment: dict[str | None, list[ExecutionRecord]] = {}
    for record in records:  # grouped once, not filtered again for each environment
        by_environment.setdefault(record.environment, []).append(record)

    def one(env: EnvironmentConfig) -> dict[str, Any]:
        at = places[env.name]
        return _environment_item(
            session,
            env,
            at,
            gateways[at],
            records=by_environment.get(env.name, []),
            now=now,
            deployed=deployed,
            warnings=warnings,
            overrides=overrides,
        )

    result = map_bounded(one, envs, concurrency)
    grouped = spans_fleet(cfg.environments, cfg.deployment, hub)
    if grouped:
        result.sort(key=lambda item: placement_key(places[item["environment"]]))
    if as_json:
        print_json({"environments": result})
        return
    from mwaa_pause_resume.cli.status_view import print_status

    print_status(console(), result, now, warnings=warnings, grouped=grouped)


def _all_overrides(session: Session) -> dict[str, Override | None] | None:
    """Every override of the deployment in one listing; None (read them one by one)
    when it is refused: an operator policy from before fleets grants ssm:GetParameter
    only."""
    from mwaa_pause_resume.operations.overrides import OverrideStore

    try:
        return OverrideStore(session.aws, session.config.deployment.stack_name).all()
    except UserError:
        return None


def _gave_up_warning(environments: set[str]) -> str:
    names = sorted(environments)
    shown = ", ".join(names[:NAMED]) + (
        f" and {len(names) - NAMED} more" if len(names) > NAMED else ""
    )
    return (
        f"The last finished runs of {len(names)} environment(s) ({shown}) are older than "
        "the executions read, or they never ran: shown as none recorded. "
        "`mwaa-pause-resume status ENV` reads further back for one environment."
    )


def _environment_item(
    session: Session,
    env: EnvironmentConfig,
    at: Placement,
    gateway: AwsGateway | Unreachable,
    *,
    records: list[ExecutionRecord],
    now: datetime,
    deployed: bool,
    warnings: list[str],
    overrides: Mapping[str, Override | None] | None,
) -> dict[str, Any]:
    """One environment's status: the live state through its own account's gateway, the
    rest (executions, snapshots, overrides, timing) from the hub's."""
    from mwaa_pause_resume.operations.fleet_sessions import Unreachable

    own: list[str] = []
    unreachable = gateway if isinstance(gateway, Unreachable) else None
    live = None
    if isinstance(gateway, AwsGateway):
        live, unreachable = _live(session, env, gateway)
    latest = latest_snapshot(session, env.name) if deployed else None
    item = environment_status(
        env,
        live,
        records,
        latest,
        now,
        deployed=deployed,
        warnings=warnings,
        resume_report=_restore_report(session, env.name, records),
    )
    if unreachable is not None:
        item["state"] = UNAVAILABLE
        item["unavailable"] = unreachable.to_json()
    item["account"], item["region"] = at.account, at.region
    item["resume_airflow"] = _resume_airflow(env, item)
    if overrides is None:
        item["override"] = _override(session, env.name, own)
    else:
        found = overrides.get(env.name)
        item["override"] = None if found is None else json.loads(found.to_json())
    item["timing"] = _timing(session, env) if deployed else None
    item["warnings"] += own
    return item


def _live(
    session: Session, env: EnvironmentConfig, gateway: AwsGateway
) -> tuple[dict[str, Any] | None, Unreachable | None]:
    """GetEnvironment in the environment's account. Refused in a spoke (the spoke role
    lacks the permission, say): unavailable with the reason; refused in the hub: the
    error, as before fleets."""
    from mwaa_pause_resume.operations.fleet_sessions import Unreachable

    try:
        return gateway.get_environment(env.name), None
    except UserError as exc:
        if gateway is session.aws:
            raise
        fix = exc.hint or "check the spoke role's permissions (docs/fleet.md)"
        return None, Unreachable(exc.message, fix)


def _resume_airflow(env: EnvironmentConfig, item: dict[str, Any]) -> dict[str, object] | None:
    """What the next resume does to the Airflow version (configured airflow_version vs
    the snapshot's, or the running environment's, which the next pause snapshots)."""
    from mwaa_pause_resume.version_change import pending_change

    if item["state"] == "PAUSED":
        source = (item["latest_snapshot"] or {}).get("airflow_version")
    else:
        source = (item["details"] or {}).get("AirflowVersion")
    return pending_change(
        source if isinstance(source, str) else None, env.airflow_version, environment=env.name
    )


def _restore_report(session: Session, environment: str, records: list[ExecutionRecord]) -> Any:
    """The last resume's ``import-report.json`` (every held DAG with its action), when its
    note carried a restore summary; None when there is none or it cannot be read (the
    note's compact summary is shown then)."""
    from mwaa_pause_resume.functions import layout
    from mwaa_pause_resume.metadata.restore_summary import REPORT_FILE

    mine = [r for r in records if r.environment == environment]
    last = last_finished(mine, "resume")
    if last is None or last.restore is None or not last.snapshot_id:
        return None
    if not layout.is_snapshot_id(last.snapshot_id):
        return None
    key = layout.key(environment, last.snapshot_id, REPORT_FILE)
    try:
        return session.aws.read_json(session.deployment.bucket, key)
    except UserError:
        return None


def _override(session: Session, environment: str, warnings: list[str]) -> Any:
    """The environment's keep-awake / stay-paused override (``override show``), if any."""

    from mwaa_pause_resume.operations.overrides import OverrideStore

    try:
        record = OverrideStore(session.aws, session.config.deployment.stack_name).get(environment)
    except UserError as exc:  # e.g. no ssm:GetParameter: the rest of status still helps
        warnings.append(f"override of {environment} not read: {exc.message}")
        return None
    return None if record is None else json.loads(record.to_json())


def _timing(session: Session, env: EnvironmentConfig) -> dict[str, Any]:
    """The learned lead and the last resumes' durations (the workflows' timing.json)."""
    from mwaa_pause_resume.operations.timing_status import timing_status
    from mwaa_pause_resume.schedule.timing_history import timing_key

    document = session.aws.read_json(session.deployment.bucket, timing_key(env.name))
    return timing_status(env, document)
