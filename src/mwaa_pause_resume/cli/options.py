"""Options several command modules share, declared once so their help reads the same."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from mwaa_pause_resume.operations.session import Pacing

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help=(
            "Configuration file (TOML, or a .env file with the AWS sample's variables). "
            "Default: ./mwaa-pause-resume.toml, else the MWAA_* variables and ./.env."
        ),
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]

ProfileOption = Annotated[
    str | None,
    typer.Option("--profile", help="AWS profile to use (default: the standard credential chain)."),
]
RegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="AWS region (default: the configuration's deployment region, else the profile's).",
    ),
]

# Fleet filters of status, plan and report (operations.fleet_filter). The region filter
# is --in-region because --region already names the AWS region the CLI calls.
AccountFilterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--account",
        metavar="ACCOUNT",
        help="Only environments in this AWS account (repeat for several).",
        show_default=False,
    ),
]
InRegionFilterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--in-region",
        metavar="REGION",
        help="Only environments in this region (repeat for several).",
        show_default=False,
    ),
]
TagFilterOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tag",
        metavar="KEY[=VALUE]",
        help="Only environments with this tag; KEY alone matches any value. Repeated: "
        "every tag must match.",
        show_default=False,
    ),
]


def pacing(context: typer.Context) -> Pacing:
    """The command's :class:`..operations.session.Pacing`: the context's ``obj`` when it
    is one (a test passes it to ``CliRunner.invoke(app, args, obj=...)``), else the
    defaults."""
    from mwaa_pause_resume.operations.session import Pacing

    found = context.find_object(Pacing)
    return found if found is not None else Pacing()
