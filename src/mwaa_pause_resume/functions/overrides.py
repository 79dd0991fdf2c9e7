"""Operator overrides: ``keep-awake`` (skip scheduled pauses) and ``stay-paused`` (skip
scheduled resumes) until a time, one per environment.

Stored as an SSM parameter (standard tier, free) named by :func:`parameter_name`: written
by the CLI with the operator's own credentials, read by the run gate. Not in the stack's
template nor in the backup bucket (whose policy keeps writes to the workflows), so it
survives a redeploy and needs no bucket exemption; SSM keeps every version of a parameter
with the IAM identity that wrote it, and the value records who set it and when (the
caller's ARN from STS). The record format and its checks are pure; :func:`read` calls SSM.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

Kind = Literal["keep-awake", "stay-paused"]
KINDS: dict[str, str] = {"keep-awake": "pause", "stay-paused": "resume"}  # kind -> skipped run
PARAMETER_ROOT = "/mwaa-pause-resume"
DEFAULT_DEPLOYMENT = "mwaa-pause-resume"  # DeploymentConfig.stack_name's default


def parameter_prefix(deployment: str | None) -> str:
    """Every override parameter of one deployment (stack name) starts with this."""
    return f"{PARAMETER_ROOT}/{deployment or DEFAULT_DEPLOYMENT}/overrides/"


def parameter_name(deployment: str | None, environment: str) -> str:
    return parameter_prefix(deployment) + environment


@dataclass(frozen=True)
class Override:
    kind: Kind
    until: datetime  # aware, UTC
    set_by: str
    set_at: datetime

    @property
    def skips(self) -> str:
        """The workflow whose scheduled runs it skips."""
        return KINDS[self.kind]

    def active(self, now: datetime) -> bool:
        return now < self.until

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": self.kind,
                "until": _iso(self.until),
                "set_by": self.set_by,
                "set_at": _iso(self.set_at),
            },
            sort_keys=True,
        )

    def describe(self) -> str:
        return f"{self.kind} until {_iso(self.until)} (set by {self.set_by} at {_iso(self.set_at)})"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: Any) -> datetime:
    when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError("naive time")
    return when.astimezone(UTC)


def from_json(text: str) -> Override | None:
    """The stored override, or None when the value is not one (never raises: a hand-edited
    parameter must not stop the workflows; the run proceeds as if none were set)."""
    try:
        raw = json.loads(text)
        kind = raw["kind"]
        if kind not in KINDS:
            return None
        return Override(
            kind, _parse_time(raw["until"]), str(raw["set_by"]), _parse_time(raw["set_at"])
        )
    except (ValueError, KeyError, TypeError):
        return None


def read(environment: str, deployment: str | None) -> Override | None:
    """The environment's override from SSM (None when there is none)."""
    from mwaa_pause_resume.functions import aws

    name = parameter_name(deployment, environment)
    try:
        answer = aws.client("ssm").get_parameter(Name=name)
    except Exception as exc:
        if aws.error_code(exc) == "ParameterNotFound":
            return None
        raise aws.translate(exc, f"GetParameter {name}") from exc
    return from_json(str(answer["Parameter"]["Value"]))
