"""The CLI's AWS session for each place a fleet's environments live in.

The hub's own credentials (``--profile``, the standard chain) reach the hub's account
in any region. Another account is reached through its read-only spoke role
(:func:`mwaa_pause_resume.config.fleet.spoke_reader_role_arn`: GetEnvironment only, so an
operator reading status never holds the hub functions' powers), assumed once per account and
used in each of its regions. A spoke that cannot be reached (the role is not deployed
there, or the hub's credentials may not assume it) is :class:`Unreachable`, with the
reason and the fix: ``status`` shows those environments' live state as unavailable and
goes on with the rest instead of failing the whole command.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.config.fleet import Placement, spoke_reader_role_arn
from mwaa_pause_resume.config.model import DeploymentConfig, EnvironmentConfig
from mwaa_pause_resume.operations.aws_errors import ACCESS_DENIED_CODES, explain
from mwaa_pause_resume.operations.aws_gateway import AwsGateway
from mwaa_pause_resume.shared.aws_error_fields import error_code

SESSION_NAME = "mwaa-pause-resume-cli"


@dataclass(frozen=True)
class Unreachable:
    """Why a spoke's live state cannot be read, and what fixes it."""

    reason: str
    fix: str

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason, "fix": self.fix}


def partition_of(region: str | None) -> str:
    """The ARN partition of a region (the spoke role's ARN depends on it)."""
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class FleetSessions:
    """One gateway per (account, region), made on first use from the hub's gateway."""

    def __init__(self, hub: AwsGateway, deployment: DeploymentConfig) -> None:
        self.hub = hub
        self.deployment = deployment
        self._account: str | None = deployment.account
        self._assumed: dict[str, Any] = {}  # account -> STS credentials, or Unreachable
        self._gateways: dict[tuple[str | None, str | None], AwsGateway | Unreachable] = {}

    def hub_placement(self, environments: Iterable[EnvironmentConfig] = ()) -> Placement:
        """Where the hub runs. Its account is only asked of STS (one call) when the
        configuration does not name it and some environment names an account, since
        only then does it decide which environments are remote."""
        if self._account is None and any(e.account for e in environments):
            self._account = self.caller_account()
        return Placement(self._account, self.hub.region)

    def caller_account(self) -> str:
        try:
            answer = self.hub.client("sts").get_caller_identity()
        except Exception as exc:
            raise explain(exc, "find the hub's account (sts:GetCallerIdentity)") or exc from exc
        return str(answer["Account"])

    def gateway_for(self, at: Placement) -> AwsGateway | Unreachable:
        """The gateway reaching ``at`` (None parts: the hub's own)."""
        hub = Placement(self._account, self.hub.region)
        account = at.account or hub.account
        region = at.region or hub.region
        key = (account, region)
        if key not in self._gateways:
            self._gateways[key] = self._open(account, region, hub)
        return self._gateways[key]

    def _open(
        self, account: str | None, region: str | None, hub: Placement
    ) -> AwsGateway | Unreachable:
        if account is None or account == hub.account:
            if region == hub.region:
                return self.hub
            return AwsGateway(self.hub.profile, region)
        credentials = self._credentials(account, region)
        if isinstance(credentials, Unreachable):
            return credentials
        return AwsGateway(region=region, credentials=credentials)

    def _credentials(self, account: str, region: str | None) -> Any:
        if account not in self._assumed:
            self._assumed[account] = self._assume(account, region)
        return self._assumed[account]

    def _assume(self, account: str, region: str | None) -> Any:
        arn = spoke_reader_role_arn(self.deployment.stack_name, account, partition_of(region))
        try:
            answer = self.hub.client("sts").assume_role(RoleArn=arn, RoleSessionName=SESSION_NAME)
        except Exception as exc:
            mapped = explain(exc, f"assume the read-only spoke role {arn}")
            if mapped is None:
                raise
            fix = mapped.hint or "try again once AWS answers"
            if error_code(exc) in ACCESS_DENIED_CODES:
                fix = (
                    f"deploy the spoke roles to account {account} (docs/fleet.md: the "
                    f"StackSet), and let the hub's credentials call sts:AssumeRole on {arn}"
                )
            return Unreachable(reason=mapped.message, fix=fix)
        credentials: dict[str, Any] = answer["Credentials"]
        return credentials
