"""``status`` and ``report`` of a fleet: wall time and AWS calls at 300 and 1,000
environments, the per-environment path (as before fleets) and the bulk path, in one run.

moto serves Step Functions, S3, SSM, CloudFormation and STS in this process; the MWAA
emulator serves GetEnvironment over HTTP. Each environment has a snapshot (latest.json,
manifest, one data object) and ``--runs`` pauses and resumes (Pass-state machines whose
input names the environment, as the real workflows' do); half of them exist in MWAA.
The CLI runs in process (typer's runner) and every botocore call is counted and delayed
by ``--latency-ms`` (default 20), a round trip to an AWS endpoint in the same region:
without it, moto's in-process answers would hide what the bulk path saves.

The per-environment path is the same code with what the bulk path changed turned back:
one read at a time, ListExecutions pages of 100, the search for last runs giving up
after 3 pages, one GetParameter per environment for the overrides. ``found`` is how
many environments' last pause status could show.

    PYTHONPATH=src .venv/bin/python bench/fleet_status.py [--sizes 300 1000] [--runs 2]
        [--latency-ms 20]

Prints a Markdown table (BENCHMARKS.md, "Fleet status and report").
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

REGION = "us-east-1"
STACK = "mwaa-pause-resume"
BUCKET = "mwaa-backups"
ROLE = "arn:aws:iam::123456789012:role/bench"
SNAPSHOT = "20261125T170200Z-1a2b"


class CallCounter:
    """Every botocore API call in this process, by operation; each waits ``latency``
    seconds first, a network round trip (moto answers in process, in microseconds)."""

    def __init__(self, latency: float = 0.0) -> None:
        self.calls: Counter[str] = Counter()
        self.latency = latency
        self._lock = threading.Lock()

    @contextmanager
    def counting(self) -> Iterator[None]:
        import botocore.client

        real = botocore.client.BaseClient._make_api_call

        def call(client: Any, operation: str, params: Any) -> Any:
            with self._lock:
                self.calls[operation] += 1
            if self.latency:
                time.sleep(self.latency)
            return real(client, operation, params)

        with mock.patch.object(botocore.client.BaseClient, "_make_api_call", call):
            yield


def machine(outcome: str) -> str:
    return json.dumps(
        {
            "StartAt": "Done",
            "States": {"Done": {"Type": "Pass", "Result": {"outcome": outcome}, "End": True}},
        }
    )


def config_text(names: list[str]) -> str:
    head = f'[deployment]\nstack_name = "{STACK}"\nregion = "{REGION}"\n'
    entry = (
        '\n[[environments]]\nname = "{name}"\nsource_bucket = "mwaa-dags"\n'
        'execution_role_arn = "arn:aws:iam::123456789012:role/mwaa-exec"\n'
        'pause_schedule = "0 20 ? * MON-FRI *"\nresume_schedule = "0 6 ? * MON-FRI *"\n'
        'timezone = "Europe/Paris"\n'
    )
    return head + "".join(entry.format(name=name) for name in names)


def environment_request(name: str) -> dict[str, Any]:
    return {
        "Name": name,
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/mwaa-exec",
        "SourceBucketArn": "arn:aws:s3:::mwaa-dags",
        "DagS3Path": "dags",
        "NetworkConfiguration": {
            "SubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
            "SecurityGroupIds": ["sg-0123456789abcdef0"],
        },
        "AirflowVersion": "2.10.3",
        "EnvironmentClass": "mw1.small",
    }


def deploy(names: list[str], runs: int, mwaa: Any) -> None:
    """The stack, the snapshots, the environments and the executions of a fleet."""
    import boto3

    sfn = boto3.client("stepfunctions", region_name=REGION)
    arns = {
        action: sfn.create_state_machine(
            name=f"{action}-bench", definition=machine(outcome), roleArn=ROLE
        )["stateMachineArn"]
        for action, outcome in (("pause", "paused"), ("resume", "resumed"))
    }
    template = {
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": BUCKET}}},
        "Outputs": {
            "BackupBucketName": {"Value": {"Ref": "Bucket"}},
            "PauseStateMachineArn": {"Value": arns["pause"]},
            "ResumeStateMachineArn": {"Value": arns["resume"]},
        },
    }
    cfn = boto3.client("cloudformation", region_name=REGION)
    cfn.create_stack(StackName=STACK, TemplateBody=json.dumps(template))
    s3 = boto3.client("s3", region_name=REGION)
    manifest = {"airflow_version": "2.10.3", "tables": {"dag": {"rows": 3, "bytes": 1024}}}
    for index, name in enumerate(names):
        put = {"Bucket": BUCKET}
        s3.put_object(**put, Key=f"{name}/latest.json", Body=json.dumps({"snapshot_id": SNAPSHOT}))
        s3.put_object(**put, Key=f"{name}/{SNAPSHOT}/manifest.json", Body=json.dumps(manifest))
        s3.put_object(**put, Key=f"{name}/{SNAPSHOT}/dag.csv.gz", Body=b"x" * 1024)
        if index % 2 == 0:
            mwaa.seed(environment_request(name))
    for round_ in range(runs):  # oldest first: each environment's last run is the last round's
        for action in ("pause", "resume"):
            for name in names:
                sfn.start_execution(
                    stateMachineArn=arns[action],
                    name=f"{name}-{action}-{round_}",  # scheduled runs get random names
                    input=json.dumps({"environment": name}),
                )
    for arn in arns.values():  # the Pass machines end at once, in moto's threads
        while sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
            time.sleep(0.2)


@contextmanager
def per_environment_path() -> Iterator[None]:
    """The bulk path's changes turned back (see the module docstring)."""
    from mwaa_pause_resume.cli import status_cmd
    from mwaa_pause_resume.operations import bounded, execution_search, report_runs

    with (
        mock.patch.object(status_cmd, "BULK_OVERRIDES", 10**9),
        mock.patch.object(bounded, "DEFAULT_CONCURRENCY", 1),
        mock.patch.object(execution_search, "fleet_page_size", lambda _n, default: default),
        mock.patch.object(
            execution_search, "history_pages", lambda _n, _s: execution_search.MAX_HISTORY_PAGES
        ),
        mock.patch.object(report_runs, "LIST_PAGE_MAX", 100),
    ):
        yield


def measure(config: Path, command: str, counter: CallCounter) -> dict[str, Any]:
    from typer.testing import CliRunner

    from mwaa_pause_resume.cli.app import app

    counter.calls.clear()
    start = time.perf_counter()
    with counter.counting():
        result = CliRunner().invoke(app, [command, "--json", "--config", str(config)])
    seconds = time.perf_counter() - start
    if result.exit_code != 0:
        raise SystemExit(
            f"{command} failed ({result.exit_code}): {result.output[-2000:]}{result.exception!r}"
        )
    document = json.loads(result.stdout)
    found = None
    if command == "status":
        found = sum(1 for e in document["environments"] if e["last_pause"] is not None)
    return {"seconds": seconds, "calls": dict(counter.calls), "found": found}


@contextmanager
def no_deploy_size_checks() -> Iterator[None]:
    """validate refuses a deployment of this tree past one stack's resources or the
    backup bucket's policy size (issue 17's stack layout lifts them). status and report
    only read: the checks are lifted here, those that exist."""
    from contextlib import ExitStack

    from mwaa_pause_resume.config import build

    with ExitStack() as stack:
        for check in ("too_many_resources", "bucket_policy_too_large"):
            if hasattr(build, check):
                stack.enter_context(mock.patch.object(build, check, lambda _config: None))
        yield


def run_size(size: int, runs: int, counter: CallCounter) -> list[dict[str, Any]]:
    from moto import mock_aws

    from mwaa_pause_resume.sandbox.mwaa import MwaaBackend, MwaaServer

    names = [f"env-{i:04d}" for i in range(size)]
    backend = MwaaBackend()
    credentials = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }
    rows = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        MwaaServer(backend) as server,
        mock.patch.dict(os.environ, {**server.client_environ(), **credentials}),
        mock_aws(config={"stepfunctions": {"execute_state_machine": True}}),
        no_deploy_size_checks(),
    ):
        config = Path(tmp) / "fleet.toml"
        config.write_text(config_text(names), encoding="utf-8")
        started = time.perf_counter()
        deploy(names, runs, backend)
        print(f"# {size} environments deployed in {time.perf_counter() - started:.0f} s")
        for command in ("status", "report"):
            with per_environment_path():
                before = measure(config, command, counter)
            after = measure(config, command, counter)
            rows.append({"size": size, "command": command, "old": before, "new": after})
    return rows


GROUPS = {  # operation -> column
    "DescribeExecution": "DescribeExecution",
    "ListExecutions": "ListExecutions",
    "GetObject": "S3",
    "ListObjectsV2": "S3",
    "GetEnvironment": "GetEnvironment",
    "GetParameter": "SSM",
    "GetParametersByPath": "SSM",
}
COLUMNS = ("DescribeExecution", "ListExecutions", "S3", "GetEnvironment", "SSM")


def call_columns(calls: dict[str, int]) -> list[str]:
    grouped: Counter[str] = Counter()
    for operation, count in calls.items():
        grouped[GROUPS.get(operation, "other")] += count
    return [str(sum(calls.values()))] + [str(grouped[c]) for c in (*COLUMNS, "other")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 1000])
    parser.add_argument("--runs", type=int, default=2, help="pauses and resumes per environment")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="per AWS call")
    args = parser.parse_args()
    counter = CallCounter(args.latency_ms / 1000)
    rows = [row for size in args.sizes for row in run_size(size, args.runs, counter)]
    print(f"\nload average before the last measurement: {os.getloadavg()}")
    print(f"latency per call: {args.latency_ms:g} ms, runs per environment: {args.runs}")
    header = ("environments", "command", "path", "wall time (s)", "AWS calls", *COLUMNS,
              "other", "last pause found")  # fmt: skip
    print("\n| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" for _ in header) + " |")
    for row in rows:
        for path in ("old", "new"):
            figures = row[path]
            found = "-" if figures["found"] is None else f"{figures['found']}/{row['size']}"
            label = "per environment" if path == "old" else "bulk"
            cells = [str(row["size"]), row["command"], label, f"{figures['seconds']:.1f}"]
            print("| " + " | ".join([*cells, *call_columns(figures["calls"]), found]) + " |")


if __name__ == "__main__":
    main()
