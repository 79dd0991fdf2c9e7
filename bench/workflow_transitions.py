"""State transitions of the pause and resume workflows, and their Step Functions cost.

Runs a successful pause and resume through the synthesized ASL in moto (the same
harness as tests/workflows) and counts the states entered in each execution's
history. Polling-loop iterations (Wait -> poll -> Choice) are counted apart: the
fixed part is what one cycle costs whatever MWAA's speed; the loops cost a fixed
number of transitions per polling minute.

    .venv/bin/python bench/workflow_transitions.py [--poll-seconds 60]

Prints the Markdown of BENCHMARKS.md's "Workflow state transitions" section.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from mwaa_pause_resume.sandbox.mwaa import DagSpec, MwaaBackend, RunScript
from mwaa_pause_resume.sandbox.scripted_airflow import ScriptedDagsAirflow
from mwaa_pause_resume.sandbox.sfn_local import ExecutionResult, LocalWorkflows
from mwaa_pause_resume.shared.dag_contract import EXPORT_DAG_ID, IMPORT_DAG_ID

PRICE_PER_1000 = 0.025  # USD, Standard Workflows, per 1,000 state transitions
TARGET = 60
# Each loop iteration enters these three states; the first state names the loop.
LOOPS = {
    "pause": {
        "export DAG run": ("WaitForExport", "ExportRunState", "Exported?"),
        "environment deletion": ("WaitForDeletion", "DeletionState", "Deleted?"),
    },
    "resume": {
        "environment creation": ("WaitForCreation", "CreationState", "Created?"),
        "import DAG run": ("WaitForImport", "ImportRunState", "Imported?"),
        "update after restore": ("WaitForUpdate", "UpdateState", "Updated?"),
    },
}
# Minutes MWAA and the DAGs typically take (orders of magnitude; AWS quotes 20-30 min
# to create an environment). Used only for the "typical cycle" estimate.
TYPICAL_MINUTES = {
    "export DAG run": 10,
    "environment deletion": 20,
    "environment creation": 30,
    "import DAG run": 10,
    "update after restore": 0,
}
DAG_PARSE_MINUTES = 2  # a fresh environment parsing the import DAG: retries every 20 s
REQUEST = {
    "Name": "bench-env",
    "ExecutionRoleArn": "arn:aws:iam::123456789012:role/mwaa-exec",
    "SourceBucketArn": "arn:aws:s3:::mwaa-dags",
    "DagS3Path": "dags",
    "NetworkConfiguration": {
        "SubnetIds": ["subnet-0a", "subnet-0b"],
        "SecurityGroupIds": ["sg-0a"],
    },
    "AirflowVersion": "2.10.3",
}


def loop_iterations(result: ExecutionResult, workflow: str) -> dict[str, int]:
    states = result.entered_states()
    return {loop: states.count(names[0]) for loop, names in LOOPS[workflow].items()}


def measure(poll_seconds: int, update_after_restore: bool) -> dict[str, Any]:
    airflow = ScriptedDagsAirflow(
        [
            DagSpec(EXPORT_DAG_ID, run=RunScript(polls=3)),
            DagSpec(IMPORT_DAG_ID, run=RunScript(polls=3)),
            DagSpec("etl_daily", is_paused=False),
        ]
    )
    with LocalWorkflows(MwaaBackend(airflow)) as local:
        local.create_bucket("bench-backups")
        local.mwaa.seed(REQUEST)
        settings = {
            "environment": REQUEST["Name"],
            "bucket": "bench-backups",
            "poll_seconds": poll_seconds,
            "update_after_restore": update_after_restore,
        }
        out: dict[str, Any] = {}
        for workflow in ("pause", "resume"):
            result = local.run(workflow, settings)
            if result.status != "SUCCEEDED":
                raise SystemExit(f"{workflow} ended {result.status}: {result.cause}")
            loops = loop_iterations(result, workflow)
            fixed = result.transitions - 3 * sum(loops.values())
            out[workflow] = {"total": result.transitions, "fixed": fixed, "loops": loops}
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poll-seconds", type=int, default=60)
    args = parser.parse_args()
    plain = measure(args.poll_seconds, update_after_restore=False)
    updated = measure(args.poll_seconds, update_after_restore=True)
    per_minute = 3 * 60 / args.poll_seconds
    parse_per_minute = 60 / 20

    print("| workflow | transitions outside polling loops | target |")
    print("| --- | --- | --- |")
    print(f"| pause | {plain['pause']['fixed']} | <= {TARGET} |")
    print(f"| resume | {plain['resume']['fixed']} | <= {TARGET} |")
    print(f"| resume, update_after_restore | {updated['resume']['fixed']} | <= {TARGET} |")
    print()
    print(
        f"Polling: 3 transitions per iteration (Wait, poll, Choice), so {per_minute:g} per "
        f"polling minute at poll_seconds={args.poll_seconds}; waiting for a fresh "
        f"environment to parse the import DAG retries the trigger every 20 s "
        f"({parse_per_minute:g} per minute)."
    )
    print()
    fixed = plain["pause"]["fixed"] + plain["resume"]["fixed"]
    loop_minutes = sum(TYPICAL_MINUTES.values())
    typical = fixed + per_minute * loop_minutes + parse_per_minute * DAG_PARSE_MINUTES
    print("| cycle (one pause + one resume) | transitions | USD at $0.025 / 1,000 |")
    print("| --- | --- | --- |")
    print(f"| fixed part | {fixed} | {fixed * PRICE_PER_1000 / 1000:.5f} |")
    minutes = ", ".join(f"{k} {v} min" for k, v in TYPICAL_MINUTES.items() if v)
    print(
        f"| typical ({minutes}, DAG parse {DAG_PARSE_MINUTES} min) | {typical:.0f} | "
        f"{typical * PRICE_PER_1000 / 1000:.5f} |"
    )
    print(
        f"| 22 cycles a month (weekdays) | {typical * 22:.0f} | "
        f"{typical * 22 * PRICE_PER_1000 / 1000:.4f} |"
    )
    print()
    print("Measured loop iterations in this run (emulator: 3 polls per DAG run):")
    for workflow in ("pause", "resume"):
        print(f"- {workflow}: {updated[workflow]['loops']} (total {updated[workflow]['total']})")


if __name__ == "__main__":
    main()
