"""Read a deployed stack's outputs (the backup bucket and key names ``policy`` prints)."""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.errors import UserError


def stack_outputs(session: Any, region: str, stack_name: str) -> dict[str, str]:
    import botocore.exceptions

    client = session.client("cloudformation", region_name=region)
    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except botocore.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            raise UserError(
                f"stack {stack_name} is not deployed in {region}",
                hint="run `mwaa-pause-resume deploy` first, or pass --bucket and --key-arn",
            ) from None
        raise UserError(f"cannot read stack {stack_name}: {exc}") from None
    except (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError):
        raise UserError(
            f"no AWS credentials to read stack {stack_name}'s outputs",
            hint="configure credentials (--profile), or pass --bucket and --key-arn",
        ) from None
    except botocore.exceptions.BotoCoreError as exc:
        raise UserError(
            f"cannot read stack {stack_name}'s outputs: {exc}",
            hint="check the network and credentials, or pass --bucket and --key-arn",
        ) from None
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
