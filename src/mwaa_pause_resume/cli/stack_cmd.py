"""``synth``, ``deploy`` and ``destroy``: the CDK app from the command line.

``synth`` works offline (no credentials, no CDK CLI or npm; aws-cdk-lib's jsii runtime
still needs ``node``). ``deploy``/``destroy``
resolve the account and region (configuration, ``--region``, the credential
chain), check private environments' VPC endpoints, synthesize in-process, then
run the pinned AWS CDK CLI on the cloud assembly.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from mwaa_pause_resume.cli.options import ConfigOption, JsonOption, ProfileOption, RegionOption
from mwaa_pause_resume.cli.output import console, error_console, handle_errors, print_json
from mwaa_pause_resume.config import Config, load_config
from mwaa_pause_resume.errors import OperationFailed, UserError
from mwaa_pause_resume.infra.app import STACK_ID  # the CLI selects stacks by construct id
from mwaa_pause_resume.infra.role_policy_size import refuse_oversized_roles

DEFAULT_OUT = Path("cdk.out")

OutOption = Annotated[
    Path,
    typer.Option("--out", "-o", help="Folder for the cloud assembly (templates and assets)."),
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (CI).")]


def register(app: typer.Typer) -> None:
    """Add ``synth``, ``deploy`` and ``destroy`` to the application (``policy``:
    :mod:`.policy_cmd`)."""
    app.command("synth")(synth)
    app.command("deploy")(deploy)
    app.command("destroy")(destroy)


@handle_errors
def synth(
    config: ConfigOption = None, out: OutOption = DEFAULT_OUT, as_json: JsonOption = False
) -> None:
    """Synthesize the CloudFormation template offline (no AWS credentials, no CDK CLI).

    Writes the cloud assembly to --out and runs the cdk-nag AwsSolutions checks:
    an unacknowledged finding fails the synthesis. Needs Node.js on PATH (the
    runtime of aws-cdk-lib), not npm.

    Examples:
    $ mwaa-pause-resume synth
    $ mwaa-pause-resume synth --config examples/seed.env --out /tmp/cdk.out
    """
    loaded = refuse_oversized_roles(load_config(config))
    _require_node()
    from mwaa_pause_resume.infra.app import synth as synthesize

    started = time.monotonic()
    result = synthesize(loaded, out)
    seconds = time.monotonic() - started
    summary = _summary(loaded, result.stack_name, result.template_path, result.template, seconds)
    summary["nested_stacks"] = {
        name: {"template": str(path), "resources": len(template.get("Resources", {}))}
        for name, (path, template) in result.nested.items()
    }
    if as_json:
        print_json(summary)
        return
    out_console = console()
    out_console.print(
        f"[green]Synthesized[/] stack {summary['stack_name']} ({summary['resources']} resources, "
        f"{seconds:.1f} s): {summary['template']}",
        highlight=False,
    )
    if nested := summary["nested_stacks"]:
        counts = [n["resources"] for n in nested.values()]
        out_console.print(
            f"  {len(nested)} nested stacks (docs/stack-layout.md): {sum(counts)} resources, "
            f"the largest {max(counts)}; templates beside it (*.nested.template.json)",
            highlight=False,
        )
    for item in summary["schedules"]:
        out_console.print(
            f"  {item['environment']}: {item['action']} {item['expression']} ({item['timezone']})",
            highlight=False,
        )
    out_console.print("  cdk-nag AwsSolutions: no unacknowledged finding", highlight=False)


@handle_errors
def deploy(  # noqa: PLR0917 (Typer maps parameters to options)
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    out: OutOption = DEFAULT_OUT,
    yes: YesOption = False,
    bootstrap: Annotated[
        bool, typer.Option("--bootstrap", help="Run `cdk bootstrap` for the account/region first.")
    ] = False,
) -> None:
    """Deploy the stack with the pinned AWS CDK CLI (synthesizes first).

    Needs Node.js 18+ and npm. Shows IAM and security-group changes and asks
    before applying them, unless --yes.

    Examples:
    $ mwaa-pause-resume deploy --bootstrap    # first time per account/region
    $ mwaa-pause-resume deploy --profile ops --yes
    """
    from mwaa_pause_resume.infra import cdk_cli

    loaded = refuse_oversized_roles(load_config(config))
    tools = cdk_cli.find_tools()
    concrete, target = _target(loaded, profile, region)
    context = _endpoint_context(concrete, target)
    assembly = _synth_for_cli(concrete, out, context)
    project = cdk_cli.ensure_cli(tools)
    if bootstrap:
        _run(
            cdk_cli.cdk_command(
                tools,
                "bootstrap",
                assembly=assembly,
                stack_name=STACK_ID,
                profile=profile,
                environment=f"aws://{target.account}/{target.region}",
            ),
            project,
            target.region,
        )
    _run(
        cdk_cli.cdk_command(
            tools,
            "deploy",
            assembly=assembly,
            stack_name=STACK_ID,
            profile=profile,
            yes=yes,
        ),
        project,
        target.region,
    )
    err = error_console()
    emails = sorted({e for env in concrete.environments for e in env.notification_emails})
    if emails:
        err.print(f"Confirm the SNS subscription e-mail sent to: {', '.join(emails)}")
    for env in concrete.environments:
        if not env.update_execution_role:
            err.print(
                f"{env.name}: update_execution_role is off; add the policy printed by "
                f"`mwaa-pause-resume policy {env.name}` to {env.execution_role_arn}",
                highlight=False,
            )


@handle_errors
def destroy(
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    out: OutOption = DEFAULT_OUT,
    yes: YesOption = False,
) -> None:
    """Delete the stack. Snapshots (bucket + key) and the deployed DAG files are kept."""
    from mwaa_pause_resume.infra import cdk_cli

    loaded = load_config(config)
    tools = cdk_cli.find_tools()
    concrete, target = _target(loaded, profile, region)
    assembly = _synth_for_cli(concrete, out, context=None)
    project = cdk_cli.ensure_cli(tools)
    _run(
        cdk_cli.cdk_command(
            tools,
            "destroy",
            assembly=assembly,
            stack_name=STACK_ID,
            profile=profile,
            yes=yes,
        ),
        project,
        target.region,
    )
    error_console().print(
        "Kept: the backup bucket and its KMS key (snapshots of paused environments), and the "
        "DAG files in each source bucket. Delete them yourself once no snapshot is needed."
    )


def _require_node() -> None:
    # aws-cdk-lib runs its jsii kernel as a node process; without one it fails with a
    # FileNotFoundError traceback deep inside jsii. JSII_NODE names another binary.
    if os.environ.get("JSII_NODE") or shutil.which("node"):
        return
    raise UserError(
        "node not found on PATH: synth needs Node.js, the runtime aws-cdk-lib runs on "
        "(it needs no npm, CDK CLI or AWS credentials)",
        hint="install Node.js 18 or newer (Debian: apt-get install nodejs; in a checkout "
        "scripts/bootstrap does it), or set JSII_NODE to a node binary",
    )


def _summary(
    config: Config, stack_name: str, template_path: Path, template: dict[str, Any], seconds: float
) -> dict[str, Any]:
    from mwaa_pause_resume.infra.names import schedule_expression

    schedules = [
        {
            "environment": env.name,
            "action": action,
            "expression": schedule_expression(cron),
            "timezone": env.timezone,
        }
        for env in config.environments
        for action, cron in (("pause", env.pause_schedule), ("resume", env.resume_schedule))
    ]
    return {
        "stack_name": stack_name,
        "template": str(template_path),
        "resources": len(template.get("Resources", {})),
        "seconds": round(seconds, 2),
        "environments": [env.name for env in config.environments],
        "schedules": schedules,
    }


def _target(config: Config, profile: str | None, region: str | None) -> tuple[Config, Any]:
    from mwaa_pause_resume.operations.deploy_target import resolve_target

    target = resolve_target(config, profile, region)
    deployment = dataclasses.replace(
        config.deployment, account=target.account, region=target.region
    )
    return dataclasses.replace(config, deployment=deployment), target


def _endpoint_context(config: Config, target: Any) -> dict[str, Any]:
    """Check private environments' VPC endpoints; what exists decides what the stack creates."""
    from mwaa_pause_resume.infra.vpc_endpoints import CONTEXT_PREFIX, endpoint_needs
    from mwaa_pause_resume.operations.vpc_endpoint_lookup import lookup_plans

    envs = [e for e in config.environments if e.vpc_id]
    if not envs and not config.deployment.lambdas_in_vpc:
        return {}
    err = error_console()
    creating = set(endpoint_needs(config.environments, config.deployment))
    try:
        plans = lookup_plans(target.session, target.region, envs, config.deployment)
    except Exception as exc:
        if creating:
            # Guessing would create interface endpoints a private VPC often has already;
            # their private DNS names clash and the whole deploy rolls back.
            raise UserError(
                f"could not check the VPC endpoints of {', '.join(sorted(creating))}, which "
                f"the configuration asks this stack to create: {exc}",
                hint="allow ec2:DescribeVpcEndpoints and ec2:DescribeRouteTables to the "
                "identity that deploys, or set create_vpc_endpoints = false and create "
                "the endpoints yourself (docs/deploy.md, private environments)",
            ) from exc
        # Nothing to create: the check only gives advice, so it never blocks a deploy.
        err.print(f"[yellow]Warning:[/] could not check the VPC endpoints: {exc}", highlight=False)
        return {}
    context: dict[str, Any] = {}
    for plan in plans:
        missing = plan.missing()
        if plan.vpc_id in creating:
            context[CONTEXT_PREFIX + plan.vpc_id] = plan.as_context()
            if missing:
                err.print(f"{plan.vpc_id}: creating the {' and '.join(missing)} endpoint(s)")
        elif missing:
            err.print(
                f"[yellow]Warning:[/] {plan.vpc_id} has no {' or '.join(missing)} endpoint: "
                "the DAGs of a private environment without internet cannot reach the backup "
                "bucket/key. Set create_vpc_endpoints = true or add them.",
                highlight=False,
            )
        for problem in plan.problems:
            err.print(f"[yellow]Warning:[/] {problem}", highlight=False)
    return context


def _synth_for_cli(config: Config, out: Path, context: dict[str, Any] | None) -> Path:
    from mwaa_pause_resume.infra.app import synth as synthesize

    result = synthesize(config, out, context=context)
    return result.outdir.resolve()


def _run(command: list[str], project: Path, region: str) -> None:
    from mwaa_pause_resume.infra.cdk_cli import run_cdk

    env = {"AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    if "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION" in os.environ:
        env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = os.environ[
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"
        ]
    code = run_cdk(command, project, env)
    if code != 0:
        action = command[3] if len(command) > 3 else "cdk"
        raise OperationFailed(f"`cdk {action}` failed (exit {code}); see its output above")
