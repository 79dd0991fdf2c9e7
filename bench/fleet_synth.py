"""Synthesize fleet-sized deployments and measure the stacks the layout makes.

    PYTHONPATH=src .venv/bin/python bench/fleet_synth.py [--environments 300 1000]

For each size, a configuration of that many environments (each with its own DAGs
bucket and its own execution role, half with update_execution_role, schedules and
time zones varied, an e-mail address per 40 environments: an SNS filter policy
holds 150 values) is synthesized in a fresh process with
cdk-nag, as ``synth`` does. Prints the wall time, the layout, each stack's resource
count against the estimate (config/stack_size.py), the largest template's bytes, and
the parameters and outputs per template (CloudFormation allows 500 resources, 1 MB of
template uploaded through S3, 200 parameters and 200 outputs per stack).

Also prints the largest inline policies of a role (IAM: 10,240 characters) and the
backup bucket's policy as synthesized (S3: 20 KB), with realistic names for the tokens.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ZONES = ("Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney")


def fleet_config(count: int):  # type: ignore[no-untyped-def]
    from mwaa_pause_resume.config.model import Config, DeploymentConfig, EnvironmentConfig

    environments = tuple(
        EnvironmentConfig(
            name=f"team-{i:04d}",
            source_bucket=f"team-{i:04d}-mwaa-dags",
            execution_role_arn=f"arn:aws:iam::111122223333:role/mwaa/team-{i:04d}-exec",
            pause_schedule=f"{i % 60} {18 + i % 4} ? * MON-FRI *",
            resume_schedule="0 6 ? * MON-FRI *",
            timezone=ZONES[i % len(ZONES)],
            update_execution_role=i % 2 == 0,
            notification_emails=(f"platform-{i // 40:02d}@example.com",),
        )
        for i in range(count)
    )
    deployment = DeploymentConfig(
        stack_name="mpr-fleet", account="111122223333", region="eu-west-1"
    )
    return Config(deployment=deployment, environments=environments)


_PLACEHOLDERS = {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::URLSuffix": "x.com"}


def _resolved(value):  # type: ignore[no-untyped-def]
    """A policy document with CDK's tokens replaced by values of a realistic length."""
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Fn::Join":
            return arg[0].join(_resolved(part) for part in arg[1])
        if fn == "Ref":
            return _PLACEHOLDERS.get(arg, "r" * 40)  # CloudFormation-made names: ~40 chars
        if fn == "Fn::GetAtt":
            return "arn:aws:svc:eu-west-1:111122223333:" + "r" * 40
    if isinstance(value, dict):
        return {k: _resolved(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v) for v in value]
    return value


def largest_inline_policies(template: dict) -> tuple[str, int]:  # type: ignore[type-arg]
    """(role, characters without whitespace) of the role with the most inline policy text:
    IAM allows 10,240 characters of inline policies per role, checked at deploy."""
    per_role: dict[str, int] = {}
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            documents = [(logical_id, p["PolicyDocument"]) for p in props.get("Policies", [])]
        elif resource["Type"] == "AWS::IAM::Policy":
            documents = [
                (r["Ref"], props["PolicyDocument"])
                for r in props.get("Roles", [])
                if isinstance(r, dict) and "Ref" in r
            ]
        else:
            continue
        for role, document in documents:
            text = re.sub(r"\s", "", json.dumps(_resolved(document)))
            per_role[role] = per_role.get(role, 0) + len(text)
    return max(per_role.items(), key=lambda kv: kv[1])


def bucket_policy_bytes(template: dict) -> int:  # type: ignore[type-arg]
    """The backup bucket's policy, compact JSON with realistic names for the tokens."""
    (document,) = [
        r["Properties"]["PolicyDocument"]
        for i, r in template["Resources"].items()
        if r["Type"] == "AWS::S3::BucketPolicy" and i.startswith("BackupSnapshots")
    ]
    return len(json.dumps(_resolved(document), separators=(",", ":")))


def measure_one(count: int, out: Path) -> dict:  # type: ignore[type-arg]
    """In this process: estimate, synthesize (cdk-nag on), read every template."""
    from mwaa_pause_resume.config.stack_layout import group_construct_id
    from mwaa_pause_resume.config.stack_size import choose_layout, stack_sizes
    from mwaa_pause_resume.infra.app import synth

    config = fleet_config(count)
    estimate = stack_sizes(config, choose_layout(config))
    started = time.perf_counter()
    result = synth(config, out)
    seconds = time.perf_counter() - started
    templates = {"main": result.template_path} | {n: p for n, (p, _) in result.nested.items()}
    stacks = {}
    for name, path in templates.items():
        template = json.loads(path.read_text())
        stacks[name] = {
            "resources": len(template["Resources"]),
            "bytes": path.stat().st_size,
            "parameters": len(template.get("Parameters", {})),
            "outputs": len(template.get("Outputs", {})),
        }
    expected = {"main": estimate.main} | {
        group_construct_id(i): n for i, n in estimate.groups.items()
    }
    return {
        "environments": count,
        "synth_seconds": round(seconds, 1),
        "layout": estimate.layout.groups,
        "stacks": stacks,
        # estimate - synthesized, per stack where they differ (the estimate is exact or,
        # for the DAG deployments' overflow policies, an upper bound).
        "estimate_over": {
            k: expected.get(k, 0) - v["resources"]
            for k, v in stacks.items()
            if expected.get(k, 0) != v["resources"]
        },
        "bucket_policy_bytes": bucket_policy_bytes(result.template),
        "largest_inline_policies": largest_inline_policies(result.template),
    }


def report(result: dict) -> None:  # type: ignore[type-arg]
    stacks = result["stacks"]
    main = stacks["main"]
    nested = {k: v for k, v in stacks.items() if k != "main"}
    print(
        f"{result['environments']} environments: synth {result['synth_seconds']} s "
        f"(in process, cdk-nag on)"
    )
    print(
        f"  main stack: {main['resources']} resources, {main['bytes']} bytes, "
        f"{main['parameters']} parameters, {main['outputs']} outputs"
    )
    if nested:
        name, fullest = max(nested.items(), key=lambda kv: kv[1]["resources"])
        print(
            f"  {len(nested)} nested stacks, {sum(v['resources'] for v in nested.values())} "
            f"resources; the fullest {name}: {fullest['resources']} resources, "
            f"{fullest['bytes']} bytes, {fullest['parameters']} parameters"
        )
    name, big = max(stacks.items(), key=lambda kv: kv[1]["bytes"])
    print(f"  largest template: {name}, {big['bytes']} bytes")
    over = result["estimate_over"]
    print(
        "  estimate == synthesized for every stack"
        if not over
        else f"  estimate - synthesized where they differ: {over}"
    )
    print(
        f"  backup bucket policy (synthesized): {result['bucket_policy_bytes']} bytes "
        "(S3 limit 20480)"
    )
    role, chars = result["largest_inline_policies"]
    print(
        f"  largest inline policies of a role: {role}, about {chars} characters "
        "(IAM limit 10240 per role)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--environments", type=int, nargs="+", default=[300, 1000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one, args.out)))
        return
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.environments:
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(count), "--out", f"{tmp}/out{count}"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                sys.exit(done.stderr[-3000:])
            report(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"  process wall time {time.perf_counter() - started:.1f} s")
    print(f"load average at end: {os.getloadavg()[0]:.1f} (2 cores, shared)")


if __name__ == "__main__":
    main()
