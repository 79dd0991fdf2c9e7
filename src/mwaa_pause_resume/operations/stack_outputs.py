"""Read a deployed stack's outputs (the backup bucket and key names ``policy`` prints)."""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.errors import UserError

_BYPASS = "or pass --bucket and --key-arn"


def stack_outputs(session: Any, region: str, stack_name: str) -> dict[str, str]:
    # The operator commands' error mapping, so both explain AWS failures alike.
    from mwaa_pause_resume.operations.aws_errors import error_code, explain

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
