"""The spoke role, the hub functions' AssumeRole and the spoke execution roles' access
to the hub's bucket and keys, evaluated as IAM would (policy_eval), without AWS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.config.fleet import spoke_role_arn, spoke_role_name
from mwaa_pause_resume.config.model import Config, DeploymentConfig, EnvironmentConfig
from mwaa_pause_resume.infra import spoke_access
from mwaa_pause_resume.infra.bucket_guard import break_glass_role_arn, guard_statements
from mwaa_pause_resume.infra.capabilities import HANDLERS
from mwaa_pause_resume.infra.permission_scope import Scope
from mwaa_pause_resume.infra.permissions import handler_statements
from mwaa_pause_resume.infra.snapshot_access_points import (
    access_point_policy,
    delegation_statement,
)
from mwaa_pause_resume.infra.spoke import (
    HUB_TAG,
    ROLE_LOGICAL_ID,
    resolve_template_strings,
    spoke_policy,
    spoke_template,
    trust_policy,
)
from mwaa_pause_resume.metadata.key_context import ENVIRONMENT_CONTEXT_KEY
from mwaa_pause_resume.shared.snapshot_access_point import access_point_arn, arn_prefix
from tests.infra.cfn_lint_helper import cfn_lint
from tests.infra.policy_eval import allowed

HUB, A, B = "111122223333", "222222222222", "333333333333"
STACK = "mpr-hub"
BUCKET = "arn:aws:s3:::mpr-hub-backups"
KEY = f"arn:aws:kms:us-east-1:{HUB}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def env(name: str, account: str | None, region: str | None = None) -> EnvironmentConfig:
    return EnvironmentConfig(
        name=name,
        source_bucket=f"{name}-dags",
        execution_role_arn=f"arn:aws:iam::{account or HUB}:role/{name}-exec",
        pause_schedule="0 20 ? * MON-FRI *",
        resume_schedule="0 6 ? * MON-FRI *",
        account=account,
        region=region,
    )


CONFIG = Config(
    deployment=DeploymentConfig(stack_name=STACK, account=HUB, region="us-east-1"),
    environments=(
        env("hub-env", None),
        env("team-a", A, "eu-west-1"),
        env("team-a2", A, "eu-central-1"),
        env("team-b", B, "ap-southeast-2"),
    ),
)


def mwaa(account: str, region: str, resource: str) -> str:
    return f"arn:aws:airflow:{region}:{account}:{resource}"


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document["Statement"])


def test_the_spoke_role_reaches_only_its_accounts_environments() -> None:
    policy = statements(spoke_policy(CONFIG, A))
    role = spoke_role_arn(STACK, A)
    for action in (
        "airflow:GetEnvironment",
        "airflow:CreateEnvironment",
        "airflow:DeleteEnvironment",
        "airflow:UpdateEnvironment",
    ):
        assert allowed(policy, role, action, mwaa(A, "eu-west-1", "environment/team-a"))
        assert allowed(policy, role, action, mwaa(A, "eu-central-1", "environment/team-a2"))
        # Not another environment, nor this one's name in another region or account.
        assert not allowed(policy, role, action, mwaa(A, "eu-west-1", "environment/other"))
        assert not allowed(policy, role, action, mwaa(A, "us-east-1", "environment/team-a"))
        assert not allowed(policy, role, action, mwaa(A, "eu-west-1", "environment/team-b"))
    assert allowed(policy, role, "airflow:InvokeRestApi", mwaa(A, "eu-west-1", "role/team-a/User"))
    assert not allowed(
        policy, role, "airflow:InvokeRestApi", mwaa(A, "eu-west-1", "role/team-a/Admin")
    )
    # The ownership tag only.
    tag = mwaa(A, "eu-west-1", "environment/team-a")
    owner = {"aws:TagKeys": ["mwaa-pause-resume:deployment"]}
    assert allowed(policy, role, "airflow:TagResource", tag, owner)
    # PassRole: its environments' execution roles, to MWAA only.
    exec_role = f"arn:aws:iam::{A}:role/team-a-exec"
    to_mwaa = {"iam:PassedToService": "airflow.amazonaws.com"}
    assert allowed(policy, role, "iam:PassRole", exec_role, to_mwaa)
    assert not allowed(policy, role, "iam:PassRole", exec_role, {"iam:PassedToService": "x"})
    assert not allowed(policy, role, "iam:PassRole", f"arn:aws:iam::{A}:role/admin", to_mwaa)
    # No snapshot, no key: those stay in the hub.
    assert not allowed(policy, role, "s3:GetObject", f"{BUCKET}/team-a/x")
    assert not allowed(policy, role, "kms:Decrypt", KEY)
    assert not any("team-b" in json.dumps(s) for s in policy), (
        "another spoke's environment in A's policy"
    )


def test_only_the_hubs_tagged_function_roles_may_assume_the_spoke_role() -> None:
    trust = statements(trust_policy(HUB, STACK))
    role = spoke_role_arn(STACK, A)
    tagged = {f"aws:PrincipalTag/{HUB_TAG}": STACK}
    function = f"arn:aws:iam::{HUB}:role/{STACK}-FunctionsBeginRole1A2B3C"
    assert allowed(trust, function, "sts:AssumeRole", role, tagged)
    assert not allowed(trust, function, "sts:AssumeRole", role)  # untagged
    assert not allowed(trust, function, "sts:AssumeRole", role, {"aws:PrincipalTag/x": STACK})
    other_hub = {f"aws:PrincipalTag/{HUB_TAG}": "another-stack"}
    assert not allowed(trust, function, "sts:AssumeRole", role, other_hub)
    elsewhere = f"arn:aws:iam::{B}:role/{STACK}-FunctionsBeginRole1A2B3C"
    assert not allowed(trust, elsewhere, "sts:AssumeRole", role, tagged)
    user = f"arn:aws:iam::{HUB}:user/alice"
    assert not allowed(trust, user, "sts:AssumeRole", role, tagged)


def account_policies(template: dict[str, Any], account: str) -> list[dict[str, Any]]:
    """The statements of the managed policies the template creates in ``account``."""
    resolved = resolve_template_strings(template, account)
    return [
        s
        for r in resolved["Resources"].values()
        if r["Type"] == "AWS::IAM::ManagedPolicy" and r["Condition"] == f"InAccount{account}"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_stackset_template_is_valid_and_gives_each_account_its_policy(
    tmp_path: Path,
) -> None:
    template = spoke_template(CONFIG)
    path = tmp_path / "spoke.json"
    path.write_text(json.dumps(template))
    assert cfn_lint(path) == []
    props = resolve_template_strings(template["Resources"][ROLE_LOGICAL_ID]["Properties"], A)
    assert props["RoleName"] == spoke_role_name(STACK)
    assert props["AssumeRolePolicyDocument"] == trust_policy(HUB, STACK)
    assert template["Conditions"][f"InAccount{A}"] == {"Fn::Equals": [{"Ref": "AWS::AccountId"}, A]}
    in_a, in_b = account_policies(template, A), account_policies(template, B)
    assert in_a == statements(spoke_policy(CONFIG, A))
    assert in_b == statements(spoke_policy(CONFIG, B))
    role = spoke_role_arn(STACK, A)
    assert allowed(
        in_a, role, "airflow:DeleteEnvironment", mwaa(A, "eu-west-1", "environment/team-a")
    )
    assert "team-b" not in json.dumps(in_a) and "team-a" not in json.dumps(in_b)


def test_operators_read_spokes_through_a_role_that_can_only_read() -> None:
    from mwaa_pause_resume.config.fleet import spoke_reader_role_arn, spoke_reader_role_name
    from mwaa_pause_resume.infra.spoke import READER_LOGICAL_ID, reader_trust_policy

    props = resolve_template_strings(
        spoke_template(CONFIG)["Resources"][READER_LOGICAL_ID]["Properties"], A
    )
    assert props["RoleName"] == spoke_reader_role_name(STACK) != spoke_role_name(STACK)
    assert props["AssumeRolePolicyDocument"] == reader_trust_policy(HUB)
    (policy,) = props["Policies"]
    granted = policy["PolicyDocument"]["Statement"]
    reader = spoke_reader_role_arn(STACK, A)
    assert allowed(granted, reader, "airflow:GetEnvironment", mwaa(A, "eu-west-1", "environment/x"))
    for action in ("airflow:DeleteEnvironment", "airflow:CreateEnvironment", "iam:PassRole"):
        assert not allowed(granted, reader, action, mwaa(A, "eu-west-1", "environment/team-a"))
    # Only its own account's environments.
    assert not allowed(
        granted, reader, "airflow:GetEnvironment", mwaa(B, "eu-west-1", "environment/x")
    )


def test_many_environments_are_packed_into_managed_policies_iam_accepts() -> None:
    from dataclasses import replace

    from mwaa_pause_resume.config.problems import ConfigError
    from mwaa_pause_resume.infra.role_policy_size import refuse_oversized_roles
    from mwaa_pause_resume.infra.spoke import (
        MANAGED_POLICY_LIMIT,
        SpokeTemplateError,
        spoke_policies_too_large,
    )

    many = tuple(
        replace(
            CONFIG.environments[1],
            name=f"team-{i:03d}",
            execution_role_arn=f"arn:aws:iam::{A}:role/team-{i:03d}-exec",
            source_bucket=f"team-{i:03d}-dags",
            # Past the fleet-scoping threshold the MWAA, log and source-bucket grants are
            # patterns; the subnets stay exact and make the policy grow.
            subnet_ids=tuple(f"subnet-{i:03d}{n:014x}" for n in range(4)),
        )
        for i in range(40)
    )
    config = replace(CONFIG, environments=many)
    template = spoke_template(config)
    policies = [
        r["Properties"]["PolicyDocument"]
        for r in resolve_template_strings(template, A)["Resources"].values()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
    ]
    assert 1 < len(policies) <= 10
    assert all(len(json.dumps(p, separators=(",", ":"))) <= MANAGED_POLICY_LIMIT for p in policies)
    role = spoke_role_arn(STACK, A)
    packed = [s for p in policies for s in p["Statement"]]
    for i in (0, 17, 39):
        arn = mwaa(A, "eu-west-1", f"environment/team-{i:03d}")
        assert allowed(packed, role, "airflow:GetEnvironment", arn)
        assert allowed(packed, role, "airflow:CreateEnvironment", arn)
    too_many = replace(
        config,
        environments=tuple(
            # roles without a common prefix: PassRole lists them (environment_create_grants)
            replace(
                e,
                name=f"{p}{e.name}",
                execution_role_arn=e.execution_role_arn.replace("role/", f"role/{p}"),
            )
            for p in "abcdefghijklmnopqrstuvwxyz"  # 1,040 environments, their own subnets
            for e in many
        ),
    )
    with pytest.raises(SpokeTemplateError, match="over two hubs"):
        spoke_template(too_many)
    # validate says so before anyone deploys a spoke template IAM would refuse.
    assert spoke_policies_too_large(config) is None
    assert "managed policies of 6144 characters for the spoke role" in str(
        spoke_policies_too_large(too_many)
    )
    with pytest.raises(ConfigError, match="over two hubs"):
        refuse_oversized_roles(too_many)


def test_the_hub_functions_assume_only_the_configured_spoke_roles() -> None:
    spokes = [spoke_role_arn(STACK, a) for a in (A, B)]
    scope = Scope(
        partition="aws",
        region="us-east-1",
        account=HUB,
        environments=CONFIG.environments,
        backup_bucket_arn=BUCKET,
        backup_key_arn=KEY,
        spoke_role_arns=spokes,
        spoke_accounts=frozenset({A, B}),
    )
    function = f"arn:aws:iam::{HUB}:role/begin"
    begin = handler_statements(HANDLERS["begin"], scope)
    for spoke in spokes:
        assert allowed(begin, function, "sts:AssumeRole", spoke)
    assert not allowed(begin, function, "sts:AssumeRole", f"arn:aws:iam::{A}:role/admin")
    # The hub's own environment directly; the spokes' ones never with hub credentials.
    hub_env = mwaa(HUB, "us-east-1", "environment/hub-env")
    assert allowed(begin, function, "airflow:GetEnvironment", hub_env)
    assert "airflow:GetEnvironment" not in json.dumps(
        [s for s in begin if A in json.dumps(s) or B in json.dumps(s)]
    )
    lock_release = handler_statements(HANDLERS["lock_release"], scope)
    assert not allowed(lock_release, function, "sts:AssumeRole", spokes[0])
    # ... but snapshots of spoke environments stay the hub's to write.
    pointer = handler_statements(HANDLERS["snapshot_pointer"], scope)
    assert allowed(pointer, function, "s3:PutObject", f"{BUCKET}/team-b/latest.json")


ACCESS_POINTS = arn_prefix("aws", "us-east-1", HUB, STACK)


def bucket_policy() -> list[dict[str, Any]]:
    envs = CONFIG.environments
    roles = {key: f"arn:aws:iam::{HUB}:role/{key}" for key in HANDLERS}
    return [
        *guard_statements(
            BUCKET, envs, roles, break_glass_role_arn("aws", HUB), f"{ACCESS_POINTS}*"
        ),
        delegation_statement(BUCKET, HUB, f"{ACCESS_POINTS}*"),
    ]


def through(
    env_name: str, role: str, action: str, key: str | None, context: dict[str, Any] | None = None
) -> bool:
    """Across accounts both resource policies must allow: the access point's (in the hub)
    and the bucket's; ``key`` None: the access point itself (ListBucket)."""
    (env,) = [e for e in CONFIG.environments if e.name == env_name]
    point = access_point_arn(ACCESS_POINTS, env_name)
    request = {"s3:DataAccessPointArn": point, "s3:DataAccessPointAccount": HUB, **(context or {})}
    on_point = point if key is None else f"{point}/object/{key}"
    on_bucket = BUCKET if key is None else f"{BUCKET}/{key}"
    policy = access_point_policy(point, env)["Statement"]
    return allowed(policy, role, action, on_point, request) and allowed(
        bucket_policy(), role, action, on_bucket, request
    )


@pytest.mark.parametrize(
    ("action", "key", "expected"),
    [
        ("s3:GetObject", "team-a/20261202T200000Z-1a2b/tables/dag_run.csv.gz", True),
        ("s3:PutObject", "team-a/20261202T200000Z-1a2b/tables/dag_run.csv.gz", True),
        ("s3:GetObject", "team-b/20261202T200000Z-1a2b/tables/dag_run.csv.gz", False),
        ("s3:PutObject", "team-b/20261202T200000Z-1a2b/tables/dag_run.csv.gz", False),
        ("s3:PutObject", "team-a/20261202T200000Z-1a2b/environment.json", False),
        ("s3:PutObject", "team-a/latest.json", False),
        ("s3:GetObject", "hub-env/20261202T200000Z-1a2b/manifest.json", False),
    ],
)
def test_a_spoke_execution_role_reaches_only_its_own_prefix(
    action: str, key: str, expected: bool
) -> None:
    role = f"arn:aws:iam::{A}:role/team-a-exec"
    assert through("team-a", role, action, key) is expected
    # not through another environment's access point, not straight to the bucket
    assert not through("team-b", role, action, key)
    assert not allowed(bucket_policy(), role, action, f"{BUCKET}/{key}")


def test_a_spoke_execution_role_lists_only_its_own_prefix() -> None:
    role = f"arn:aws:iam::{A}:role/team-a-exec"
    for prefix, expected in (("team-a/", True), ("team-a/2026", True), ("team-b/", False)):
        context = {"s3:prefix": prefix}
        assert through("team-a", role, "s3:ListBucket", None, context) is expected
    stranger = f"arn:aws:iam::{A}:role/someone-else"
    assert not through("team-a", stranger, "s3:GetObject", "team-a/x/tables/t")


def test_the_keys_let_a_spoke_execution_role_use_only_its_own_data_keys() -> None:
    spokes = [e for e in CONFIG.environments if e.account]
    key_policy = spoke_access.backup_key_statements(BUCKET, "us-east-1", spokes)
    role = f"arn:aws:iam::{A}:role/team-a-exec"
    own = {f"kms:EncryptionContext:{ENVIRONMENT_CONTEXT_KEY}": "team-a"}
    other = {f"kms:EncryptionContext:{ENVIRONMENT_CONTEXT_KEY}": "team-b"}
    assert allowed(key_policy, role, "kms:Decrypt", KEY, own)
    assert not allowed(key_policy, role, "kms:Decrypt", KEY, other)
    through_s3 = {
        "kms:ViaService": "s3.us-east-1.amazonaws.com",
        "kms:EncryptionContext:aws:s3:arn": BUCKET,
    }
    assert allowed(key_policy, role, "kms:GenerateDataKey", KEY, through_s3)
    assert not allowed(key_policy, role, "kms:Decrypt", KEY, {"kms:ViaService": "s3.x"})
    mac = spoke_access.mac_key_statements(spokes)
    assert allowed(mac, role, "kms:VerifyMac", KEY)
    assert not allowed(mac, role, "kms:GenerateMac", KEY)
    hub_role = f"arn:aws:iam::{HUB}:role/hub-env-exec"  # the hub's own: its identity policy
    assert not allowed(key_policy, hub_role, "kms:Decrypt", KEY, own)


def test_the_hub_stack_synthesizes_with_spokes_and_passes_cdk_nag(tmp_path: Path) -> None:
    """One synthesis (cdk-nag runs in it): the functions that call MWAA know the spoke
    role and carry the tag its trust requires; the others neither; the bucket and keys
    allow the spoke execution roles."""
    from mwaa_pause_resume.functions.spoke_session import SPOKE_ROLE_VARIABLE
    from mwaa_pause_resume.infra.app import synth
    from mwaa_pause_resume.infra.permissions import MWAA_CAPABILITIES

    template = synth(CONFIG, tmp_path / "cdk.out").template
    resources = template["Resources"]
    functions = {
        v["Properties"]["Description"].removeprefix("mwaa-pause-resume: "): v["Properties"]
        for v in resources.values()
        if v["Type"] == "AWS::Lambda::Function"
        and v["Properties"].get("Description", "").startswith("mwaa-pause-resume: ")
    }
    for key, handler in HANDLERS.items():
        if key not in functions:
            continue
        variables = functions[key].get("Environment", {}).get("Variables", {})
        acts = bool(MWAA_CAPABILITIES & handler.capabilities)
        assert (variables.get(SPOKE_ROLE_VARIABLE) == spoke_role_name(STACK)) is acts, key
    tagged = sorted(
        k
        for k, v in resources.items()
        if v["Type"] == "AWS::IAM::Role"
        and {"Key": HUB_TAG, "Value": STACK} in v["Properties"].get("Tags", [])
    )
    acting = sum(
        1 for k, h in HANDLERS.items() if k in functions and MWAA_CAPABILITIES & h.capabilities
    )
    assert len([k for k in tagged if k.startswith("Functions")]) == acting
    # ... and the role that copies the DAGs into the spokes' DAGs buckets.
    assert [k for k in tagged if not k.startswith("Functions")] == [
        k
        for k, v in resources.items()
        if k.startswith("CustomCDKBucketDeployment") and v["Type"] == "AWS::IAM::Role"
    ]
    text = json.dumps(template)
    for sid in (
        "DelegateToTheDeploymentsAccessPoints",
        "SpokeExecutionRolesThroughS3",
        "SpokeDataKeys1",
    ):
        assert f'"Sid": "{sid}"' in text
    assumed = {
        r
        for v in resources.values()
        for s in json.dumps(v).split('"sts:AssumeRole"')[1:]
        for r in (spoke_role_arn(STACK, A), spoke_role_arn(STACK, B))
        if r.replace("arn:aws:", "") in s[:400]
    }
    assert assumed == {spoke_role_arn(STACK, A), spoke_role_arn(STACK, B)}


def test_a_spoke_dags_bucket_lets_only_the_hubs_tagged_roles_write_dags() -> None:
    from mwaa_pause_resume.infra.spoke import source_bucket_statements

    policy = source_bucket_statements(CONFIG, A)
    bucket = "arn:aws:s3:::team-a-dags"
    deployer = f"arn:aws:iam::{HUB}:role/{STACK}-CustomCDKBucketDeployment"
    tagged = {f"aws:PrincipalTag/{HUB_TAG}": STACK}
    assert allowed(policy, deployer, "s3:PutObject", f"{bucket}/dags/mwaa_export_data.py", tagged)
    assert allowed(policy, deployer, "s3:ListBucket", bucket, tagged)
    assert not allowed(policy, deployer, "s3:DeleteObject", f"{bucket}/dags/x.py", tagged)
    assert not allowed(policy, deployer, "s3:PutObject", f"{bucket}/requirements.txt", tagged)
    assert not allowed(policy, deployer, "s3:PutObject", f"{bucket}/dags/x.py")
    assert len(policy) == 2  # team-a and team-a2: A's environments only


def test_an_environment_of_the_hubs_account_in_another_region_is_granted_there() -> None:
    eu = env("hub-eu", None, "eu-central-1")
    scope = Scope(
        partition="aws",
        region="us-east-1",
        account=HUB,
        environments=(eu,),
        backup_bucket_arn=BUCKET,
        backup_key_arn=KEY,
    )
    function = f"arn:aws:iam::{HUB}:role/fn"
    status = handler_statements(HANDLERS["environment_status"], scope)
    assert allowed(
        status, function, "airflow:GetEnvironment", mwaa(HUB, "eu-central-1", "environment/hub-eu")
    )
    assert not allowed(
        status, function, "airflow:GetEnvironment", mwaa(HUB, "us-east-1", "environment/hub-eu")
    )
    trigger = handler_statements(HANDLERS["dag_trigger"], scope)
    rest = mwaa(HUB, "eu-central-1", "role/hub-eu/User")
    assert allowed(trigger, function, "airflow:InvokeRestApi", rest)
    create = handler_statements(HANDLERS["environment_create"], scope)
    logs = f"arn:aws:logs:eu-central-1:{HUB}:log-group:airflow-hub-eu-Task"
    assert allowed(create, function, "logs:CreateLogGroup", logs)
    assert not any("sts:AssumeRole" in json.dumps(s) for s in create)


def test_the_backup_key_policy_size_is_checked_before_deploy(tmp_path: Path) -> None:
    """KMS refuses a key policy over 32 KB at deploy time; each distinct spoke execution
    role adds its statements, so validate refuses past the limit, with the fix."""
    import dataclasses

    from mwaa_pause_resume.config.problems import ConfigError
    from mwaa_pause_resume.infra.app import synth
    from mwaa_pause_resume.infra.role_policy_size import refuse_oversized_roles
    from mwaa_pause_resume.infra.spoke import spoke_environments
    from mwaa_pause_resume.infra.spoke_access import (
        KEY_POLICY_BASE_BYTES,
        KEY_POLICY_LIMIT,
        backup_key_policy_bytes,
    )
    from tests.infra.bucket_policy_reference import worst_case

    def spokes(count: int, roles: int) -> Config:
        envs = []
        for i in range(count):
            account = A if i % 2 else B
            one = env(f"team-{i:03d}", account, "eu-west-1")
            role = f"arn:aws:iam::{account}:role/exec-{i % roles:03d}"
            envs.append(dataclasses.replace(one, execution_role_arn=role))
        return dataclasses.replace(CONFIG, environments=tuple(envs))

    refuse_oversized_roles(spokes(40, 2))  # one role in each spoke account
    with pytest.raises(ConfigError) as refused:
        refuse_oversized_roles(spokes(120, 120))
    text = str(refused.value)
    assert "backup KMS key's policy would be about" in text and "32768 bytes" in text
    assert "share an execution role" in text
    fits = max(
        n
        for n in range(10, 120, 5)
        if backup_key_policy_bytes(spoke_environments(spokes(n, n))) <= KEY_POLICY_LIMIT
    )
    assert 40 <= fits <= 100, fits
    # the fixed part is bounded: CDK's default statement, rendered at its longest
    template = synth(CONFIG, tmp_path / "cdk.out").template
    (key,) = [
        r
        for i, r in template["Resources"].items()
        if r["Type"] == "AWS::KMS::Key" and i.startswith("BackupKey")
    ]
    fixed = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if not s.get("Sid")]
    document = {"Version": "2012-10-17", "Statement": worst_case(fixed)}
    assert len(json.dumps(document, separators=(",", ":"))) < KEY_POLICY_BASE_BYTES
