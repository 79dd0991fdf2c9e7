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
