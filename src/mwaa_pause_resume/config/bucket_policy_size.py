"""How large the backup bucket's policy gets for a configuration (pure, no CDK).

S3 refuses a bucket policy over :data:`BUCKET_POLICY_LIMIT` bytes, and only at deploy
time. The policy (infra.bucket_guard) is a fixed part (the TLS deny, the group denies
naming the Lambda roles and the break-glass role, the fence on the execution roles'
writes) plus, per distinct execution role, its ARN in three exemption lists and its own
fence listing its environments' ``<env>/*`` prefixes. ``validate`` (and therefore
``synth`` and ``deploy``) estimates the size with the longest names AWS allows for what
is only known at deploy time (the bucket's name, the Lambda roles' names, the
partition) and refuses a configuration past the limit, with the fix.

The constants were measured on the statements bucket_guard builds;
``tests/infra/test_bucket_policy_size.py`` rebuilds those statements and compares,
and checks they bound the synthesized policy, so the estimate cannot drift silently.
"""

from __future__ import annotations

from collections.abc import Sequence

from mwaa_pause_resume.config.model import Config, EnvironmentConfig

BUCKET_POLICY_LIMIT = 20 * 1024  # S3: a bucket policy may be at most 20 KB
# Worst cases of the names CloudFormation makes at deploy time.
LONGEST_PARTITION = "aws-us-gov"
LONGEST_BUCKET_ARN = f"arn:{LONGEST_PARTITION}:s3:::{'b' * 63}"  # bucket names: 63 chars
LONGEST_ROLE_NAME = 64  # IAM role names (the Lambda roles' names CloudFormation makes)
# Compact JSON bytes: everything but the execution roles' parts.
FIXED_BYTES = 3952
# Per distinct execution role: its fence without the ARN, prefixes and number, and the
# quotes and commas of its ARN in the three exemption lists and the fence.
PER_ROLE_BYTES = 261
ROLE_ARN_COPIES = 4
# Per environment: "<bucket ARN>/<env>/*", in its role's fence.
PER_PREFIX_BYTES = len(LONGEST_BUCKET_ARN) + len('"//*",')
# Hub and spoke (infra.spoke_access): execution roles in other accounts are also allowed
# by the policy: one statement naming them all, and per role a listing of its prefixes.
SPOKE_FIXED_BYTES = 322
PER_SPOKE_ROLE_BYTES = 279  # plus its ARN twice and its number
PER_SPOKE_PREFIX_BYTES = 9  # plus the environment's name twice ("<env>/", "<env>/*")


def roles_environments(environments: Sequence[EnvironmentConfig]) -> dict[str, list[str]]:
    """Execution role ARN -> the names of the environments it serves, both sorted."""
    out: dict[str, list[str]] = {}
    for env in environments:
        out.setdefault(env.execution_role_arn, []).append(env.name)
    return {role: sorted(set(names)) for role, names in sorted(out.items())}


def estimated_bucket_policy_bytes(
    environments: Sequence[EnvironmentConfig],
    spoke_environments: Sequence[EnvironmentConfig] = (),
) -> int:
    """Bytes of the backup bucket's policy (compact JSON, as CloudFormation sends it);
    ``spoke_environments``: those of ``environments`` in other accounts than the hub's."""
    total = FIXED_BYTES
    for number, (role, names) in enumerate(roles_environments(environments).items(), 1):
        total += PER_ROLE_BYTES + ROLE_ARN_COPIES * len(role) + len(str(number))
        total += sum(PER_PREFIX_BYTES + len(name) for name in names)
    spokes = roles_environments(spoke_environments)
    if spokes:
        total += SPOKE_FIXED_BYTES
    for number, (role, names) in enumerate(spokes.items(), 1):
        total += PER_SPOKE_ROLE_BYTES + 2 * len(role) + len(str(number))
        total += sum(PER_SPOKE_PREFIX_BYTES + 2 * len(name) for name in names)
    return total


def bucket_policy_too_large(config: Config) -> str | None:
    """Why the backup bucket's policy would exceed S3's limit, or None when it fits."""
    from mwaa_pause_resume.config.fleet import is_remote_account

    spokes = [e for e in config.environments if is_remote_account(e, config.deployment)]
    size = estimated_bucket_policy_bytes(config.environments, spokes)
    if size <= BUCKET_POLICY_LIMIT:
        return None
    roles = len(roles_environments(config.environments))
    return (
        f"the backup bucket's policy would be about {size} bytes for "
        f"{len(config.environments)} environments with {roles} distinct execution roles, "
        f"more than S3's limit of {BUCKET_POLICY_LIMIT} bytes (20 KB)"
    )


BUCKET_POLICY_FIX = (
    "split the environments over two deployments (two configuration files, each with its "
    "own [deployment] stack_name and part of the [[environments]]), or let environments "
    "share execution roles (the policy grows with each distinct execution_role_arn)"
)
