"""Options several command modules share, declared once so their help reads the same."""

from __future__ import annotations

from typing import Annotated

import typer

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
