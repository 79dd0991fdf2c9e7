"""``init --from-environment NAME``: write a configuration entry from GetEnvironment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from mwaa_pause_resume.cli.options import ConfigOption, ProfileOption, RegionOption
from mwaa_pause_resume.cli.output import console, handle_errors
from mwaa_pause_resume.config import DEFAULT_FILE_NAME
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.operations.init_entry import merged_text, validated


def _read_existing(path: Path) -> str | None:
    """The file init extends (None: it creates it). A byte-order mark is dropped, as the
    loader does; anything that is not UTF-8 text is refused before AWS is called."""
    if not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}).",
            hint="save it with UTF-8 encoding, or pass another --config",
        ) from None
    except OSError as exc:
        raise UserError(f"{path} cannot be read: {exc}", hint="check its permissions") from None


def _check_name(name: str) -> None:
    """A name MWAA would reject is a typo: say so before any AWS call."""
    from mwaa_pause_resume.config.problems import Invalid
    from mwaa_pause_resume.config.rules import environment_name

    try:
        environment_name(name)
    except Invalid as exc:
        raise UserError(f"--from-environment: {exc.message}.", hint=exc.fix) from None


def _configured_region(existing: str | None) -> str | None:
    """``[deployment] region`` of the file being extended, as --region's help promises.
    A file that does not parse is reported later, when the merged text is validated."""
    import tomllib

    from mwaa_pause_resume.config.aws_rules import region as region_rule
    from mwaa_pause_resume.config.problems import Invalid
    from mwaa_pause_resume.parsing import loads_toml

    if existing is None:
        return None
    try:
        deployment = loads_toml(existing).get("deployment")
    except tomllib.TOMLDecodeError:
        return None
    value = deployment.get("region") if isinstance(deployment, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return region_rule(value.strip())
    except Invalid:  # reported with the file's other problems
        return None


def register(app: typer.Typer) -> None:
    """Add ``init`` to the application."""
    app.command("init")(init)


@handle_errors
def init(
    from_environment: Annotated[
        str,
        typer.Option("--from-environment", metavar="NAME", help="The MWAA environment to read."),
    ],
    config: ConfigOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing entry for the environment.")
    ] = False,
    profile: ProfileOption = None,
    region: RegionOption = None,
) -> None:
    """Read an MWAA environment and add it to the configuration file (created if absent).

    The schedules are placeholders (weekday nights, UTC), marked in the file: edit them.

    Examples:
    $ mwaa-pause-resume init --from-environment analytics-dev --region us-east-1
    $ mwaa-pause-resume init --from-environment staging --config team.toml --force
    """
    from mwaa_pause_resume.operations.aws_gateway import AwsGateway

    _check_name(from_environment)
    path = config or Path(DEFAULT_FILE_NAME)
    if path.name.endswith(".env"):
        raise UserError(
            f"init writes TOML, and {path} is a .env file.",
            hint=f"pass --config {DEFAULT_FILE_NAME} (a .toml path) instead",
        )
    if path.is_dir():
        raise UserError(f"{path} is a directory.", hint="pass the path of a .toml file")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():  # found out before reading AWS, not when writing
        raise UserError(
            f"cannot write {path}: the folder {folder} does not exist.",
            hint="create the folder first, or pass another --config",
        )
    existing = _read_existing(path)
    aws = AwsGateway(profile, region or _configured_region(existing))
    environment = aws.require_environment(from_environment)
    network = environment.get("NetworkConfiguration") or {}
    vpc_id, vpc_problem = aws.subnets_vpc(list(network.get("SubnetIds") or []))
    text = merged_text(
        existing,
        environment,
        region=aws.region,
        source=str(path),
        force=force,
        vpc_id=vpc_id,
        vpc_problem=vpc_problem,
    )
    loaded = validated(text, str(path))  # nothing is written if this raises
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(
            f"cannot write {path}: {exc.strerror}.", hint="check its permissions"
        ) from None
    out = console()
    verb = "Added" if existing is not None else "Wrote"
    out.print(
        f"{verb} environment {escape(from_environment)} to {escape(str(path))} "
        f"({len(loaded.environments)} environment(s) configured).",
        highlight=False,
    )
    if vpc_problem and network.get("SubnetIds"):
        out.print(
            f"[yellow]Note:[/] the network lines are commented out: {escape(vpc_problem)}",
            highlight=False,
        )
    out.print(
        "[yellow]Next:[/] replace the PLACEHOLDER schedules and time zone in that file, then "
        "run `mwaa-pause-resume plan`.",
        highlight=False,
    )
