"""Read a deployed stack's outputs (the backup bucket and key names ``policy`` prints)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mwaa_pause_resume.errors import UserError

if TYPE_CHECKING:
    from mwaa_pause_resume.config.model import Config

_BYPASS = "or pass --bucket and --key-arn"


def stack_outputs(session: Any, region: str, stack_name: str) -> dict[str, str]:
    # The operator commands' error mapping, so both explain AWS failures alike.
    from mwaa_pause_resume.operations.aws_errors import explain
    from mwaa_pause_resume.shared.aws_error_fields import error_code

    client = session.client("cloudformation", region_name=region)
    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except Exception as exc:
        if error_code(exc) == "ValidationError" and "does not exist" in str(exc):
            raise UserError(
                f"stack {stack_name} is not deployed in {region}",
                hint=f"run `mwaa-pause-resume deploy` first, {_BYPASS}",
            ) from None
        mapped = explain(exc, f"read stack {stack_name}'s outputs", region=region)
        if mapped is None:
            raise
        hint = f"{mapped.hint}; {_BYPASS}" if mapped.hint else _BYPASS
        raise type(mapped)(mapped.message, hint=hint) from None
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def backup_outputs(config: Config, profile: str | None, region: str | None) -> dict[str, str]:
    """The deployed stack's backup ``bucket``, ``key`` and (when output) ``mac_key``,
    read with ``profile`` in ``region`` (else the deployment's, else the profile's)."""
    import boto3

    from mwaa_pause_resume.infra.names import OUTPUT_BUCKET, OUTPUT_KEY, OUTPUT_MAC_KEY

    session = boto3.Session(profile_name=profile, region_name=region)
    chosen = region or config.deployment.region or session.region_name
    if not chosen:
        raise UserError(
            "no AWS region to look up the deployed stack",
            hint="pass --region, set [deployment] region, or pass --bucket and --key-arn",
        )
    outputs = stack_outputs(session, chosen, config.deployment.stack_name)
    if OUTPUT_BUCKET not in outputs or OUTPUT_KEY not in outputs:
        raise UserError(
            f"stack {config.deployment.stack_name} has no {OUTPUT_BUCKET}/{OUTPUT_KEY} outputs",
            hint="deploy this version of mwaa-pause-resume, or pass --bucket and --key-arn",
        )
    found = {"bucket": outputs[OUTPUT_BUCKET], "key": outputs[OUTPUT_KEY]}
    if outputs.get(OUTPUT_MAC_KEY):
        found["mac_key"] = outputs[OUTPUT_MAC_KEY]
    return found
