"""``mwaa-pause-resume plan``: next pause/resume times, schedule warnings, estimated saving;
for a fleet grouped by account and region, with the savings summed per account and
region and over all (filters: ``--account``, ``--in-region``, ``--tag``).

Must stay quick: only the config loader and the pure schedule package are
imported, never boto3 or aws-cdk-lib.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mwaa_pause_resume.cli.options import (
    AccountFilterOption,
    InRegionFilterOption,
    TagFilterOption,
)
from mwaa_pause_resume.cli.output import console, handle_errors, print_json
from mwaa_pause_resume.errors import UserError

if TYPE_CHECKING:
    from mwaa_pause_resume.config.fleet import Placement
    from mwaa_pause_resume.config.model import Config, EnvironmentConfig
    from mwaa_pause_resume.operations.plan import EnvironmentPlan
    from mwaa_pause_resume.operations.prices import PriceTable


# Where the figures under the plan are explained (the output cites it, with the table's
# public source).
PRICES_EXPLAINED = "docs/schedules.md#where-prices-come-from-and-how-to-override-them"


def register(app: typer.Typer) -> None:
    """Add the ``plan`` command to the root app."""
    app.command("plan")(plan)


@handle_errors
def plan(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Configuration file (TOML, or a .env file with the AWS sample's variables). "
            "Default: ./mwaa-pause-resume.toml, else the MWAA_* variables and ./.env.",
        ),
    ] = None,
    count: Annotated[
        int, typer.Option("--count", "-n", min=1, max=100, help="Fire times to show per schedule.")
    ] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    *,
    accounts: AccountFilterOption = None,
    in_regions: InRegionFilterOption = None,
    tags: TagFilterOption = None,
    now: Annotated[
        str | None,
        typer.Option("--now", hidden=True, help="Pretend it is this ISO-8601 instant."),
    ] = None,
) -> None:
    """Next pause/resume times (local and UTC), warnings, paused hours and saving.

    Per environment: the next pause and resume times in its time zone and in UTC
    (daylight-saving aware), schedule warnings, paused hours per week and the
    estimated monthly saving. Works offline: no AWS call, no credentials.

    --account, --in-region and --tag select environments by where the configuration
    places them and by their tags. A configuration spanning several accounts or regions
    is grouped by them and ends with the savings per account and region and in all.

    Examples:
    $ mwaa-pause-resume plan
    $ mwaa-pause-resume plan --config examples/seed.env --count 10
    $ mwaa-pause-resume plan --json | jq '.environments[].paused_hours_per_week'
    $ mwaa-pause-resume plan --in-region eu-west-1 --tag team=data
    """
    from mwaa_pause_resume.config import load_config
    from mwaa_pause_resume.config.fleet import Placement
    from mwaa_pause_resume.operations.fleet_filter import (
        parse_filter,
        placement_key,
        select,
        spans_fleet,
        where,
    )
    from mwaa_pause_resume.operations.plan import plan_environment
    from mwaa_pause_resume.operations.prices import price_table

    instant = _parse_now(now)
    chosen = parse_filter(accounts, in_regions, tags)
    cfg = load_config(config)
    # Offline: the hub is where [deployment] says, or unknown.
    hub = Placement(cfg.deployment.account, cfg.deployment.region)
    envs = select(cfg.environments, cfg.deployment, chosen, hub)
    places = {env.name: where(env, cfg.deployment, hub) for env in envs}
    grouped = spans_fleet(cfg.environments, cfg.deployment, hub)
    if grouped:
        envs.sort(key=lambda env: placement_key(places[env.name]))
    prices = price_table(cfg.prices)
    plans = [plan_environment(env, instant, count, prices) for env in envs]
    fleet = [(plan_, env, places[env.name]) for plan_, env in zip(plans, envs, strict=True)]
    if as_json:
        print_json(plan_document(cfg, fleet, prices, instant))
    else:
        _print_tables(cfg, fleet, prices, instant, grouped=grouped)


# One environment's plan, its configuration and where it lives.
Planned = tuple["EnvironmentPlan", "EnvironmentConfig", "Placement"]
TOTALLED = ("estimated_monthly_saving_usd", "paused_hours_per_week")


def plan_document(
    cfg: Config, fleet: list[Planned], prices: PriceTable, now: datetime
) -> dict[str, Any]:
    """The ``--json`` document."""
    from mwaa_pause_resume.operations.fleet_totals import totals

    document: dict[str, Any] = {
        "now": now.isoformat(),
        "config": cfg.source,
        "price_table": {
            "currency": prices.currency,
            "region": prices.region,
            "as_of": prices.as_of,
            "source": prices.source,
            "note": _region_note(cfg, prices),
        },
        "environments": [
            # The version the resume creates (None: the snapshot's); plan is offline, so
            # `status` compares it with the snapshot's (version_change).
            {
                **p.as_dict(),
                "resume_airflow_version": env.airflow_version,
                "account": at.account,
                "region": at.region,
            }
            for p, env, at in fleet
        ],
    }
    document["totals"] = totals(document["environments"], TOTALLED)
    if cfg.notifications.configured:  # where each environment's notification_types also go
        document["notifications"] = cfg.notifications.describe()
    return document


def _region_note(cfg: Config, prices: PriceTable) -> str | None:
    """Bundled prices are for one region: say so when the deployment targets another."""
    region = cfg.deployment.region
    bundled = {env.environment_class for env in cfg.environments} - set(cfg.prices)
    if region and region != prices.region and bundled:
        return (
            f"the deployment region is {region} but the bundled prices are for {prices.region}; "
            f'add [prices."<class>"] entries with {region}\'s prices for exact figures'
        )
    return None


def _parse_now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise UserError(
            f"--now {text!r} is not an ISO-8601 instant with a UTC offset",
            hint="e.g. --now 2026-11-25T17:00:00+00:00 or 2026-11-25T12:00-05:00",
        )
    return value


def _print_tables(
    cfg: Config,
    fleet: list[Planned],
    prices: PriceTable,
    now: datetime,
    *,
    grouped: bool = False,
) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from mwaa_pause_resume.operations.fleet_totals import place_label
    from mwaa_pause_resume.operations.plan import POLICY_MEANING, POLICY_OVERRIDE

    out = console()
    out.print(f"Plan from {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC, config {escape(cfg.source)}")
    place = None
    for env_plan, env, at in fleet:
        if grouped and at != place:
            place = at
            out.print(f"[bold reverse]{escape(place_label(at.account, at.region))}[/]")
        out.print(f"[bold]{escape(env_plan.name)}[/] ({env_plan.timezone})")
        out.print(f"  pause  {escape(env_plan.pause.expression)}")
        out.print(f"  resume {escape(env_plan.resume.expression)}")
        if env_plan.ready_by:
            out.print(
                f"  ready by {escape(env_plan.ready_by.expression)} (the resume fires the lead "
                "cap before and starts at ready-by minus the learned lead: `status` shows it)"
            )
        if env_plan.window_minutes:
            out.print(
                f"  window {env_plan.window_minutes} min (schedule_window_minutes): each pause "
                f"starts up to {env_plan.window_minutes} min after its time; the resume fires "
                f"{env_plan.window_minutes} min earlier than configured (shown above) and "
                f"starts within the {env_plan.window_minutes} min that follow, never after the "
                "configured time",
                highlight=False,
            )
        if env.airflow_version:
            out.print(
                f"  resume creates Airflow {env.airflow_version} (airflow_version): a snapshot "
                "of an older version is upgraded, of a newer one refused; "
                f"`mwaa-pause-resume status {env.name}` compares it with the latest snapshot "
                "and lists what to check first",
                highlight=False,
                markup=False,
            )
        out.print(
            f"  missed runs {env_plan.missed_runs}: {POLICY_MEANING[env_plan.missed_runs]} "
            f"({POLICY_OVERRIDE})",
            highlight=False,
        )
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("next")
        table.add_column("local time")
        table.add_column("UTC")
        ready_by = env_plan.ready_by.next if env_plan.ready_by else ()
        events = sorted(
            [(fire, "pause") for fire in env_plan.pause.next]
            + [(fire, "resume") for fire in env_plan.resume.next]
            + [(fire, "ready by") for fire in ready_by],
            key=lambda event: event[0].astimezone(UTC),
        )
        for fire, kind in events:
            table.add_row(
                kind,
                fire.strftime("%a %Y-%m-%d %H:%M %Z"),
                fire.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            )
        out.print(table)
        if env_plan.skipped_resumes:  # skip_dates: the run gate skips these resumes
            days = [f"{fire:%a %Y-%m-%d %H:%M}" for fire in env_plan.skipped_resumes]
            shown = ", ".join(days[:6]) + (f", ... ({len(days)} in all)" if len(days) > 6 else "")
            out.print(f"  skipped resumes (skip_dates): {shown}", highlight=False)
        out.print(f"Paused hours per week (next 4 weeks): {env_plan.paused_hours_per_week}")
        if env_plan.estimated_monthly_saving_usd is None:
            out.print("Estimated monthly saving: unknown (no price, see warnings)")
        else:
            out.print(
                f"Estimated monthly saving: {env_plan.estimated_monthly_saving_usd:,.2f} "
                f"{prices.currency} at {escape(env_plan.price.basis)}"
            )
        for warning in env_plan.warnings:
            out.print(f"[yellow]Warning:[/] {escape(warning)}", style="yellow")
        out.print()
    if grouped:
        _print_fleet_totals(out, fleet)
    for line in cfg.notifications.describe():
        out.print(f"Chat notifications: {escape(line)}", highlight=False)
    out.print(
        f"[dim]Prices: {escape(prices.source)}. How the saving is computed and how to "
        f"override a price: {PRICES_EXPLAINED}.[/]"
    )
    note = _region_note(cfg, prices)
    if note:
        out.print(f"[yellow]Note:[/] {escape(note)}")


def _print_fleet_totals(out: Any, fleet: list[Planned]) -> None:
    from mwaa_pause_resume.cli.fleet_view import print_totals
    from mwaa_pause_resume.operations.fleet_totals import totals

    items = [{**p.as_dict(), "account": at.account, "region": at.region} for p, _, at in fleet]
    print_totals(
        out,
        totals(items, TOTALLED),
        (
            ("estimated_monthly_saving_usd", "saving / month", lambda v: f"{v:,.2f}"),
            ("paused_hours_per_week", "paused h / week", lambda v: f"{v:,.2f}"),
        ),
    )
    out.print()
