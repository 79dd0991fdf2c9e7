"""Which account and region a deploy goes to: config, ``--region``, the credential chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.config.model import Config
from mwaa_pause_resume.errors import UserError


@dataclass(frozen=True)
class Target:
    account: str
    region: str
    profile: str | None
    session: Any  # boto3.Session


def resolve_target(config: Config, profile: str | None, region: str | None) -> Target:
    """Credentials from the standard chain; refuse a mismatch with the configured account."""
    import boto3
    import botocore.exceptions

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except botocore.exceptions.ProfileNotFound:
        raise UserError(
            f"AWS profile {profile!r} does not exist",
            hint="list profiles with `aws configure list-profiles`, or omit --profile",
        ) from None
    chosen = region or config.deployment.region or session.region_name
    if not chosen:
        raise UserError(
            "no AWS region: none in the configuration, --region or the AWS profile",
            hint="set [deployment] region (CDK_DEFAULT_REGION), pass --region, or set AWS_REGION",
        )
    from mwaa_pause_resume.operations.aws_errors import translated

    # The operator commands' error mapping: no credentials, expired SSO, refused keys...
    with translated("check the AWS credentials for the deploy", region=chosen):
        identity = session.client("sts", region_name=chosen).get_caller_identity()
    account = str(identity["Account"])
    configured = config.deployment.account
    if configured and configured != account:
        raise UserError(
            f"the configuration deploys to account {configured} but the credentials belong to "
            f"account {account}",
            hint="use credentials for the configured account (--profile), or fix "
            "[deployment] account (CDK_DEFAULT_ACCOUNT)",
        )
    return Target(account=account, region=chosen, profile=profile, session=session)
