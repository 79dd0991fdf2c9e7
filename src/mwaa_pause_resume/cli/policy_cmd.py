"""``policy [ENV]``: print the IAM policy an environment's execution role needs for the
DAGs, or (``--spoke-role``) the spoke role of each spoke account."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from mwaa_pause_resume.cli.options import ConfigOption, JsonOption, ProfileOption, RegionOption
from mwaa_pause_resume.cli.output import error_console, handle_errors, print_json
from mwaa_pause_resume.config import Config, load_config
from mwaa_pause_resume.errors import UserError


def register(app: typer.Typer) -> None:
    """Add ``policy`` to the application."""
    app.command("policy")(policy)


@handle_errors
def policy(  # noqa: PLR0917 (Typer maps parameters to options)
    environment: Annotated[
        str | None, typer.Argument(metavar="ENV", help="Name of a configured environment.")
    ] = None,
    config: ConfigOption = None,
    spoke_role: Annotated[
        bool,
        typer.Option(
            "--spoke-role",
            help="Print the spoke role's policy for each spoke account instead (hub and "
            "spoke, docs/fleet.md); no AWS call.",
        ),
    ] = False,
    bucket: Annotated[
        str | None, typer.Option("--bucket", help="Backup bucket (default: the stack output).")
    ] = None,
    key_arn: Annotated[
        str | None,
        typer.Option("--key-arn", help="Backup KMS key ARN (default: the stack output)."),
    ] = None,
    mac_key_arn: Annotated[
        str | None,
        typer.Option(
            "--mac-key-arn",
            help="The HMAC key ARN (stack output MacKeyArn; default: the stack output when "
            "the outputs are read).",
        ),
    ] = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print the IAM policy an environment's execution role needs for the DAGs.

    The policy goes to stdout (JSON), the note on what to do with it to stderr.
    The bucket and key come from the deployed stack's outputs (credentials
    needed); --bucket and --key-arn give both without any AWS call.

    Examples:
    $ mwaa-pause-resume policy analytics-dev > analytics-dev-policy.json
    $ mwaa-pause-resume policy analytics-dev --bucket BUCKET --key-arn KEY_ARN \\
        --mac-key-arn MAC_KEY_ARN
    $ mwaa-pause-resume policy --spoke-role
    """
    from mwaa_pause_resume.infra.execution_role_policy import execution_role_policy
    from mwaa_pause_resume.infra.names import partition_for

    loaded = load_config(config)
    if spoke_role:
        _print_spoke_policies(loaded, region)
        return
    if environment is None:
        raise UserError(
            "policy needs ENV (the environment whose execution role gets the policy)",
            hint="run `mwaa-pause-resume policy ENV`, or `policy --spoke-role` for the spoke "
            "accounts' role",
        )
    env = loaded.environment(environment)
    # Checked before any AWS call: a typo would otherwise be printed into the policy.
    bucket = _checked_bucket(bucket)
    _check_key_arn(key_arn)
    _check_key_arn(mac_key_arn, "--mac-key-arn", "MacKeyArn")
    if not (bucket and key_arn):
        from mwaa_pause_resume.operations.stack_outputs import backup_outputs

        outputs = backup_outputs(loaded, profile, region)
        bucket = bucket or outputs["bucket"]
        key_arn = key_arn or outputs["key"]
        mac_key_arn = mac_key_arn or outputs.get("mac_key")
    partition = key_arn.split(":")[1] if key_arn.startswith("arn:") else partition_for(region)
    # The environment lives in the key's region and the execution role's account.
    key_parts = key_arn.split(":")
    key_region = key_parts[3] if key_arn.startswith("arn:") and len(key_parts) > 4 else ""
    env_region = key_region or region or loaded.deployment.region or "*"
    role_parts = env.execution_role_arn.split(":")
    account = role_parts[4] if len(role_parts) > 4 and role_parts[4] else "*"
    # The access point is the bucket's: in the hub's account, the key's.
    hub_account = key_parts[4] if key_arn.startswith("arn:") and len(key_parts) > 4 else ""
    document = execution_role_policy(
        env.name,
        bucket,
        key_arn,
        partition,
        deployment=loaded.deployment.stack_name,
        region=env_region,
        account=account,
        hub_account=hub_account or loaded.deployment.account or "*",
        mac_key_arn=mac_key_arn or None,
        environment_region=env.region,
    )
    if as_json:
        print_json(
            {
                "environment": env.name,
                "execution_role_arn": env.execution_role_arn,
                "attached_by_stack": env.update_execution_role,
                "policy": document,
            }
        )
        return
    print_json(document)
    note = (
        "The stack already attaches this policy (update_execution_role = true)."
        if env.update_execution_role
        else f"Add it to the execution role {env.execution_role_arn} (inline or managed policy)."
    )
    if not mac_key_arn:
        note += (
            " Without --mac-key-arn (stack output MacKeyArn) the policy lacks kms:VerifyMac "
            "and the DAGs refuse every run: they cannot check the workflows' authorization."
        )
    error_console().print(note, highlight=False)


def _print_spoke_policies(config: Config, region: str | None) -> None:
    """The spoke role's trust and permissions in each spoke account (stdout, JSON)."""
    from mwaa_pause_resume.config.fleet import spoke_reader_role_name, spoke_role_name
    from mwaa_pause_resume.infra.names import partition_for
    from mwaa_pause_resume.infra.spoke import (
        reader_policy,
        reader_trust_policy,
        source_bucket_statements,
        spoke_policy,
        spoke_summary,
        trust_policy,
    )

    spokes = spoke_summary(config)
    hub = config.deployment.account
    if not spokes or hub is None:
        raise UserError(
            f"{config.source} configures no environment in another account than the "
            "deployment's: no spoke role is needed",
            hint="set account (and region) on environments in other accounts and [deployment] "
            "account to the hub's (docs/fleet.md)",
        )
    partition = partition_for(region or config.deployment.region)
    stack = config.deployment.stack_name
    print_json(
        {
            "role_name": spoke_role_name(stack),
            # The read-only role `status` assumes to read the spokes' environments live.
            "reader_role_name": spoke_reader_role_name(stack),
            "hub_account": hub,
            "spokes": [
                {
                    "account": account,
                    "environments": list(names),
                    "trust_policy": trust_policy(hub, stack, partition),
                    "policy": spoke_policy(config, account, partition),
                    "reader_trust_policy": reader_trust_policy(hub, partition),
                    "reader_policy": reader_policy(partition, account),
                    # One statement per DAGs bucket, for that bucket's policy.
                    "source_bucket_statements": source_bucket_statements(
                        config, account, partition
                    ),
                }
                for account, names in spokes
            ],
        }
    )
    error_console().print(
        "Deploy these roles with `mwaa-pause-resume spoke-template` and a StackSet "
        "(docs/fleet.md); the hub's functions assume the first, `status` the read-only one.",
        highlight=False,
    )


_KEY_ARN = re.compile(r"arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+")


def _checked_bucket(bucket: str | None) -> str | None:
    from mwaa_pause_resume.config.aws_rules import bucket as bucket_rule
    from mwaa_pause_resume.config.problems import Invalid

    if bucket is None:
        return None
    try:
        return bucket_rule(bucket)
    except Invalid as exc:
        raise UserError(
            f"--bucket: {exc.message}.",
            hint=f"{exc.fix}; the stack output BackupBucketName holds it",
        ) from None


def _check_key_arn(
    key_arn: str | None, option: str = "--key-arn", output: str = "BackupKeyArn"
) -> None:
    if key_arn is not None and not _KEY_ARN.fullmatch(key_arn):
        raise UserError(
            f"{option}: {key_arn!r} is not a KMS key ARN.",
            hint=(
                "give the full ARN, arn:aws:kms:REGION:ACCOUNT:key/KEY-ID (the stack output "
                f"{output}), not a key id or alias"
            ),
        )
