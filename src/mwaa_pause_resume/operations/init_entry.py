"""``init --from-environment``: GetEnvironment -> a commented ``[[environments]]`` entry,
added to a new or existing TOML configuration (pure: text in, text out).

The schedules cannot be read from AWS: the entry gets valid placeholders (weekday
nights, UTC) marked as such, so ``validate`` and ``plan`` work at once and the
user sees exactly what to change. The result is validated with the configuration
loader before anything is written.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from mwaa_pause_resume.config.build import build_config
from mwaa_pause_resume.config.model import Config
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.parsing import loads_toml

PLACEHOLDER_PAUSE = "0 20 ? * MON-FRI *"
PLACEHOLDER_RESUME = "0 6 ? * MON-FRI *"
PLACEHOLDER_TIMEZONE = "UTC"
_BUCKET_ARN = re.compile(r"^arn:aws[a-z-]*:s3:::(.+)$")
_HEADER = re.compile(r"^\s*\[")
_ENV_HEADER = re.compile(r"^\s*\[\[\s*environments\s*\]\]")


def _s(value: Any) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(str(value), ensure_ascii=False)


def _list(values: Any) -> str:
    return "[" + ", ".join(_s(v) for v in values or []) + "]"


def bucket_name(source_bucket_arn: str) -> str:
    match = _BUCKET_ARN.match(source_bucket_arn)
    return match.group(1) if match else source_bucket_arn


def entry_text(
    environment: Mapping[str, Any],
    *,
    region: str | None,
    vpc_id: str | None = None,
    vpc_problem: str | None = None,
    inherited: frozenset[str] = frozenset(),
) -> str:
    """The ``[[environments]]`` block for ``environment`` (GetEnvironment's Environment).

    Keys in ``inherited`` are set by the file's ``[defaults]``: they are written as
    comments so the entry keeps using the defaults. ``vpc_id`` is the subnets' VPC
    (EC2 DescribeSubnets); without it the network lines are written commented out,
    with ``vpc_problem`` saying why."""
    name = str(environment["Name"])

    def setting(key: str, value: str, comment: str = "") -> str:
        line = f"{key} = {value}"
        if key in inherited:
            line = f"# {line}  (set in [defaults])"
        return f"{line:<46}# {comment}" if comment else line

    lines = [
        f"# From GetEnvironment of {name}" + (f" in {region}" if region else "") + ".",
        "[[environments]]",
        f"name = {_s(name)}",
        f"source_bucket = {_s(bucket_name(str(environment.get('SourceBucketArn', ''))))}",
        f"execution_role_arn = {_s(environment.get('ExecutionRoleArn', ''))}",
    ]
    if environment.get("AirflowVersion"):
        lines.append(f"airflow_version = {_s(environment['AirflowVersion'])}")
    lines.append(f"dags_s3_path = {_s(environment.get('DagS3Path') or 'dags')}")
    lines += [
        "# TO DO: the schedules below are PLACEHOLDERS, not read from AWS: pause at 20:00 and",
        "# resume at 06:00 on weekdays (the environment also sleeps through the weekend).",
        "# Replace them with your team's hours and time zone; docs/schedules.md explains the",
        "# EventBridge cron syntax, and `mwaa-pause-resume plan` shows the next times.",
        setting("pause_schedule", _s(PLACEHOLDER_PAUSE), "PLACEHOLDER"),
        setting("resume_schedule", _s(PLACEHOLDER_RESUME), "PLACEHOLDER"),
        setting(
            "timezone", _s(PLACEHOLDER_TIMEZONE), "PLACEHOLDER: an IANA zone, e.g. Europe/Paris"
        ),
    ]
    lines += network_lines(environment, vpc_id, vpc_problem)
    lines.append("# Size of the environment, for the saving estimate of `plan`.")
    for key, field in (
        ("environment_class", "EnvironmentClass"),
        ("min_workers", "MinWorkers"),
        ("max_workers", "MaxWorkers"),
        ("schedulers", "Schedulers"),
    ):
        value = environment.get(field)
        if value is not None:
            lines.append(f"{key} = {_s(value) if isinstance(value, str) else int(value)}")
    lines.append('# notification_emails = ["you@example.com"]  # e-mail on failures')
    return "\n".join(lines) + "\n"


def network_lines(
    environment: Mapping[str, Any], vpc_id: str | None, vpc_problem: str | None
) -> list[str]:
    """The environment's network, which ``deploy`` uses to check (and with
    ``create_vpc_endpoints`` to create) the VPC endpoints the DAGs need. Set for a
    PRIVATE_ONLY webserver; commented for a public one, whose subnets usually route to
    AWS. The tool's functions join a VPC only through ``[deployment] lambda_subnet_ids``."""
    network = environment.get("NetworkConfiguration") or {}
    subnets, groups = network.get("SubnetIds") or [], network.get("SecurityGroupIds") or []
    if not subnets and not groups:
        return []
    settings = [
        f"vpc_id = {_s(vpc_id or 'vpc-...')}",
        f"subnet_ids = {_list(subnets)}",
        f"security_group_ids = {_list(groups)}",
    ]
    if environment.get("WebserverAccessMode") != "PRIVATE_ONLY":
        lines = [
            "# The environment's network. Its webserver is public; uncomment if its subnets",
            "# have no route to S3 and KMS, so that deploy checks the endpoints its DAGs need.",
        ]
        return lines + [f"# {line}" for line in settings]
    lines = [
        "# The webserver is PRIVATE_ONLY: deploy checks the VPC endpoints its DAGs need. To",
        "# call InvokeRestApi from inside this VPC, set [deployment] lambda_subnet_ids too.",
    ]
    if vpc_id:
        return lines + settings
    lines.append(f"# TO DO: init could not find the subnets' VPC ({vpc_problem or 'unknown'}).")
    lines.append("# Set vpc_id and uncomment these three lines (subnets need their VPC).")
    return lines + [f"# {line}" for line in settings]


def new_file_text(region: str | None, entry: str, stack_name: str = "mwaa-pause-resume") -> str:
    region_line = (
        f"region = {_s(region)}" if region else '# region = "us-east-1"  # default: your profile\'s'
    )
    return (
        "# mwaa-pause-resume configuration, written by `mwaa-pause-resume init`.\n"
        "# Every key is described in docs/configuration.md; check the file with\n"
        "#   mwaa-pause-resume validate\n\n"
        "[deployment]\n"
        f"stack_name = {_s(stack_name)}  # CloudFormation stack of the tool itself\n"
        f"{region_line}\n\n"
        f"{entry}"
    )


def defaults_keys(existing: Mapping[str, Any]) -> frozenset[str]:
    defaults = existing.get("defaults")
    return frozenset(defaults) if isinstance(defaults, Mapping) else frozenset()


def entry_names(existing: Mapping[str, Any]) -> list[str]:
    envs = existing.get("environments")
    if not isinstance(envs, list):
        return []
    return [str(e.get("name")) for e in envs if isinstance(e, Mapping) and "name" in e]


def parse_existing(text: str, source: str) -> dict[str, Any]:
    try:
        return loads_toml(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(
            f"{source} is not valid TOML ({exc}); init does not change it.",
            hint="fix the file (mwaa-pause-resume validate), or write to another one with --config",
        ) from None


def remove_entry(text: str, name: str, source: str) -> str:
    """``text`` without the ``[[environments]]`` block named ``name`` (and the comment
    lines right above it)."""
    lines = text.splitlines(keepends=True)
    headers = [i for i, line in enumerate(lines) if _HEADER.match(line)]
    for position, start in enumerate(headers):
        if not _ENV_HEADER.match(lines[start]):
            continue
        end = headers[position + 1] if position + 1 < len(headers) else len(lines)
        while end > start + 1 and _comment_or_blank(lines[end - 1]) and end < len(lines):
            end -= 1  # comments right above the next header belong to it
        block = "".join(lines[start:end])
        try:
            parsed = loads_toml(block)
        except tomllib.TOMLDecodeError:
            continue
        envs = parsed.get("environments") or [{}]
        if envs and envs[0].get("name") == name:
            first = start
            while first > 0 and lines[first - 1].lstrip().startswith("#"):
                first -= 1
            return "".join(lines[:first] + lines[end:])
    raise UserError(
        f"{source} defines environment {name} in a form init cannot replace "
        "(not an [[environments]] block).",
        hint=f"delete the entry of {name} by hand, then run init again",
    )


def _comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def merged_text(
    existing_text: str | None,
    environment: Mapping[str, Any],
    *,
    region: str | None,
    source: str,
    force: bool,
    vpc_id: str | None = None,
    vpc_problem: str | None = None,
) -> str:
    """The configuration file's new text; UserError if the entry exists and not ``force``."""
    name = str(environment["Name"])
    if existing_text is None:
        entry = entry_text(environment, region=region, vpc_id=vpc_id, vpc_problem=vpc_problem)
        return new_file_text(region, entry)
    existing = parse_existing(existing_text, source)
    if name in entry_names(existing):
        if not force:
            raise UserError(
                f"{source} already has an entry for environment {name}; init leaves it as is.",
                hint="pass --force to replace that entry (its comments and edits are lost)",
            )
        existing_text = remove_entry(existing_text, name, source)
    entry = entry_text(
        environment,
        region=region,
        vpc_id=vpc_id,
        vpc_problem=vpc_problem,
        inherited=defaults_keys(existing),
    )
    return existing_text.rstrip("\n") + "\n\n" + entry


def validated(text: str, source: str) -> Config:
    """Load ``text`` like the CLI would; ConfigError (exit 2) lists the problems."""
    return build_config(loads_toml(text), source=source)
