"""``keep-awake``, ``stay-paused`` and ``override clear|show``: operator overrides of the
schedules, read by the workflows' run gate (functions.run_gate)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from mwaa_pause_resume.cli.options import ConfigOption, JsonOption, ProfileOption, RegionOption
from mwaa_pause_resume.cli.output import console, handle_errors, print_json
from mwaa_pause_resume.functions.overrides import Kind, Override

EnvArgument = Annotated[str, typer.Argument(metavar="ENV", help="A configured environment.")]
UntilOption = Annotated[
    str | None,
    typer.Option(
        "--until",
        metavar="DATETIME",
        help="End time, e.g. 2026-12-24T18:00 (the environment's time zone unless an "
        "offset is given; a bare date is 00:00 that day).",
    ),
]
ForOption = Annotated[
    str | None,
    typer.Option("--for", metavar="DURATION", help="How long from now: 90m, 8h, 3d, 1d12h."),
]


def register(app: typer.Typer) -> None:
    """Add ``keep-awake``, ``stay-paused`` and the ``override`` group."""
    app.command("keep-awake")(keep_awake)
    app.command("stay-paused")(stay_paused)
    group = typer.Typer(help="Show or end an environment's override.", no_args_is_help=True)
    group.command("clear")(clear)
    group.command("show")(show)
    app.add_typer(group, name="override")


def _store(config: Any, profile: str | None, region: str | None, environment: str) -> Any:
    from mwaa_pause_resume.operations.overrides import OverrideStore
    from mwaa_pause_resume.operations.session import open_session

    session = open_session(config, profile, region)
    env = session.config.environment(environment)  # an unknown name: UserError, exit 2
    return env, OverrideStore(session.aws, session.config.deployment.stack_name)


def _set(  # noqa: PLR0917 - the commands' own options, passed on
    kind: Kind,
    environment: str,
    until: str | None,
    for_: str | None,
    config: Any,
    profile: str | None,
    region: str | None,
    as_json: bool,
) -> None:
    from mwaa_pause_resume.operations.overrides import override_end

    now = datetime.now(UTC)
    env, store = _store(config, profile, region, environment)
    end = override_end(until, for_, env.timezone, now)
    record = store.put(env.name, kind, end, now)
    _report(env.name, record, env.timezone, as_json, "set")


def _report(environment: str, record: Override | None, zone: str, as_json: bool, verb: str) -> None:
    if as_json:
        print_json({"environment": environment, "action": verb, "override": _json(record)})
        return
    if record is None:
        console().print(f"{environment}: no override is set.", highlight=False)
        return
    from zoneinfo import ZoneInfo

    local = record.until.astimezone(ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M %Z")
    skipped = "pauses" if record.skips == "pause" else "resumes"
    text = {
        "set": f"{environment}: {record.kind} until {local}: scheduled {skipped} are skipped. "
        f"A pause or resume you start with this CLI still runs.",
        "cleared": f"{environment}: override {record.kind} (until {local}) cleared: the "
        "schedules apply again.",
        "show": f"{environment}: {record.kind} until {local}, set by {record.set_by} at "
        f"{record.set_at:%Y-%m-%d %H:%M} UTC.",
    }[verb]
    console().print(text, highlight=False)


def _json(record: Override | None) -> dict[str, Any] | None:
    import json

    return None if record is None else json.loads(record.to_json())


@handle_errors
def keep_awake(
    environment: EnvArgument,
    until: UntilOption = None,
    for_: ForOption = None,
    *,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Skip the environment's scheduled pauses until a time.

    Examples:
    $ mwaa-pause-resume keep-awake analytics-dev --for 8h
    $ mwaa-pause-resume keep-awake analytics-dev --until 2026-12-24T18:00
    """
    _set("keep-awake", environment, until, for_, config, profile, region, as_json)


@handle_errors
def stay_paused(
    environment: EnvArgument,
    until: UntilOption = None,
    for_: ForOption = None,
    *,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Skip the environment's scheduled resumes until a time (it stays paused).

    Examples:
    $ mwaa-pause-resume stay-paused analytics-dev --for 3d
    $ mwaa-pause-resume stay-paused analytics-dev --until 2027-01-04
    """
    _set("stay-paused", environment, until, for_, config, profile, region, as_json)


@handle_errors
def clear(
    environment: EnvArgument,
    *,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """End the environment's override now.

    Example:
    $ mwaa-pause-resume override clear analytics-dev
    """
    env, store = _store(config, profile, region, environment)
    _report(env.name, store.clear(env.name), env.timezone, as_json, "cleared")


@handle_errors
def show(
    environment: EnvArgument,
    *,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the environment's override: kind, end, who set it and when.

    Example:
    $ mwaa-pause-resume override show analytics-dev
    """
    env, store = _store(config, profile, region, environment)
    _report(env.name, store.get(env.name), env.timezone, as_json, "show")
