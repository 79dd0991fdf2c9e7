"""``init --from-environment NAME``: write a configuration entry from GetEnvironment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from mwaa_pause_resume.cli.config_cmd import ConfigOption
from mwaa_pause_resume.cli.ops import ProfileOption, RegionOption
from mwaa_pause_resume.cli.output import console, handle_errors
from mwaa_pause_resume.config import DEFAULT_FILE_NAME
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.operations.init_entry import merged_text, validated


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
    """
    from mwaa_pause_resume.operations.aws_gateway import AwsGateway

    path = config or Path(DEFAULT_FILE_NAME)
    if path.name.endswith(".env"):
        raise UserError(
            f"init writes TOML, and {path} is a .env file.",
            hint=f"pass --config {DEFAULT_FILE_NAME} (a .toml path) instead",
        )
    if path.is_dir():
        raise UserError(f"{path} is a directory.", hint="pass the path of a .toml file")
    existing = path.read_text(encoding="utf-8") if path.is_file() else None
    aws = AwsGateway(profile, region)
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
    path.write_text(text, encoding="utf-8")
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
