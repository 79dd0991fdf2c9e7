"""``keep-awake``, ``stay-paused`` and ``override clear``: when an override ends (pure) and
its SSM parameter (through the operator's own AWS session).

``--until`` takes a date-time in the environment's time zone unless it carries an offset;
a bare date means 00:00 that day. ``--for`` takes a duration such as ``90m``, ``8h``,
``3d`` or ``1d12h``. The record format is the workflows' (functions.overrides).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.functions.overrides import (
    Kind,
    Override,
    from_json,
    parameter_name,
    parameter_prefix,
)
from mwaa_pause_resume.operations.aws_errors import translated
from mwaa_pause_resume.operations.aws_gateway import AwsGateway
from mwaa_pause_resume.shared.aws_error_fields import error_code

MAX_OVERRIDE = timedelta(days=366)  # an override meant forever is a configuration change
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")
DURATION_EXAMPLES = "90m, 8h, 3d or 1d12h"


def parse_duration(text: str) -> timedelta:
    match = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None:
        raise UserError(
            f"--for {text!r} is not a duration",
            hint=f"write days, hours, minutes: {DURATION_EXAMPLES}",
        )
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def parse_until(text: str, zone: str) -> datetime:
    """``text`` as an aware UTC time; naive times are on ``zone``'s wall clock."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(
            f"--until {text!r} is not a date or date-time",
            hint=f"write e.g. 2026-12-24T18:00 (in {zone}) or 2026-12-24T18:00+01:00",
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(zone))
    return when.astimezone(UTC)


def override_end(until: str | None, for_: str | None, zone: str, now: datetime) -> datetime:
    """When the override ends: exactly one of ``until`` and ``for_``; in the future; at
    most :data:`MAX_OVERRIDE` ahead."""
    if (until is None) == (for_ is None):
        raise UserError(
            "say how long the override lasts: give --until or --for (one of them)",
            hint="e.g. --for 8h, or --until 2026-12-24T18:00",
        )
    end = parse_until(until, zone) if until is not None else now + parse_duration(str(for_))
    if end <= now:
        raise UserError(
            f"the override would end at {end:%Y-%m-%d %H:%M} UTC, which is not in the future",
            hint="give a later --until or a positive --for; `override clear ENV` ends one now",
        )
    if end - now > MAX_OVERRIDE:
        raise UserError(
            f"the override would last {(end - now).days} days; at most {MAX_OVERRIDE.days}",
            hint="for a lasting change, edit the environment's schedules or skip_dates",
        )
    return end


class OverrideStore:
    """One deployment's override parameters in SSM, with the caller's identity."""

    def __init__(self, aws: AwsGateway, deployment: str) -> None:
        self.aws = aws
        self.deployment = deployment

    def caller(self) -> str:
        with translated("find who you are (sts:GetCallerIdentity)"):
            return str(self.aws.client("sts").get_caller_identity()["Arn"])

    def put(self, environment: str, kind: Kind, until: datetime, now: datetime) -> Override:
        record = Override(kind, until, self.caller(), now)
        name = parameter_name(self.deployment, environment)
        with translated(f"write the override parameter {name}"):
            self.aws.client("ssm").put_parameter(
                Name=name,
                Value=record.to_json(),
                Type="String",
                Overwrite=True,
                Description=f"mwaa-pause-resume override of {environment}",
            )
        return record

    def get(self, environment: str) -> Override | None:
        name = parameter_name(self.deployment, environment)
        client = self.aws.client("ssm")
        try:
            answer: Any = client.get_parameter(Name=name)
        except Exception as exc:
            if error_code(exc) == "ParameterNotFound":
                return None
            with translated(f"read the override parameter {name}"):
                raise
        return from_json(str(answer["Parameter"]["Value"]))

    def all(self) -> dict[str, Override | None]:
        """Every override parameter of the deployment, by environment: one
        GetParametersByPath page per 10 overrides, instead of one GetParameter per
        environment (overrides are few; a fleet's environments are many)."""
        prefix = parameter_prefix(self.deployment)
        found: dict[str, Override | None] = {}
        with translated(f"list the override parameters under {prefix}"):
            pages = self.aws.client("ssm").get_paginator("get_parameters_by_path")
            for page in pages.paginate(Path=prefix.rstrip("/"), Recursive=False):
                for parameter in page.get("Parameters") or []:
                    name = str(parameter["Name"])
                    found[name[len(prefix) :]] = from_json(str(parameter["Value"]))
        return found

    def clear(self, environment: str) -> Override | None:
        """Delete the override; the one that was set (None: there was none)."""
        current = self.get(environment)
        if current is None:
            return None
        name = parameter_name(self.deployment, environment)
        with translated(f"delete the override parameter {name}"):
            self.aws.client("ssm").delete_parameter(Name=name)
        return current
