"""Helpers shared by the configuration tests (tests/config is on sys.path under pytest)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

BASE_ENVIRONMENT: dict[str, Any] = {
    "name": "dev",
    "source_bucket": "dev-dags-bucket",
    "execution_role_arn": "arn:aws:iam::111122223333:role/service-role/dev-role",
    "pause_schedule": "0 20 ? * MON-FRI *",
    "resume_schedule": "0 6 ? * MON-FRI *",
    "timezone": "America/New_York",
}
BASE_DEPLOYMENT: dict[str, Any] = {"account": "111122223333", "region": "us-east-1"}


def toml_value(value: Any) -> str:
    # JSON strings, numbers, booleans and arrays are valid TOML values.
    return json.dumps(value)


def render_toml(
    deployment: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
    environments: list[Mapping[str, Any]] | None = None,
    extra: str = "",
) -> str:
    lines: list[str] = []
    for header, table in (("[deployment]", deployment), ("[defaults]", defaults)):
        if table:
            lines.append(header)
            lines += [f"{k} = {toml_value(v)}" for k, v in table.items()]
            lines.append("")
    for env in environments or []:
        lines.append("[[environments]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in env.items()]
        lines.append("")
    return "\n".join(lines) + "\n" + extra


def environment(**changes: Any) -> dict[str, Any]:
    """BASE_ENVIRONMENT with changes applied; a change to None removes the key."""
    env = {**BASE_ENVIRONMENT, **changes}
    return {k: v for k, v in env.items() if v is not None}
