"""Time the rest-only restore of run history (dags.rest_history) for N runs of 10 tasks.

    PYTHONPATH=src .venv/bin/python bench/rest_history_restore.py --version 3.3.1 --runs 50

Real Airflow (API server, scheduler, DAG processor, PostgreSQL) behind the MWAA
emulator's InvokeRestApi, as in the sandbox. A synthetic history (N finished runs of
``bench_ten``, ten chained tasks, every task instance success, a few failed) is restored
into a fresh environment with the DAG paused; prints the wall time, the InvokeRestApi
calls by kind, and a linear extrapolation to 10,000 runs / 100,000 task instances, both
at this machine's per-call time and at an assumed per-call latency of InvokeRestApi in
AWS (``--aws-call-seconds``; MWAA documents no figure, so it is an assumption).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

DAG_ID = "bench_ten"
TASKS = 10
TARGET_RUNS = 10_000


class CountingApi:
    """The tool's AirflowRestApi, counting the calls it makes by method and path kind."""

    def __init__(self, api: Any) -> None:
        self.api = api
        self.calls: Counter[str] = Counter()
        original = api.call

        def counted(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
            kind = "bulk" if "/~/" in path or path.endswith("/~/dagRuns") else "single"
            self.calls[f"{method} {kind}"] += 1
            return original(method, path, **kwargs)  # type: ignore[no-any-return]

        api.call = counted


def history(runs: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dag_runs, tis = [], []
    for number in range(runs):
        day = (
            f"2025-01-01T{number // 3600 % 24:02d}:{number // 60 % 60:02d}:{number % 60:02d}+00:00"
        )
        run_id = f"r{number}"
        state = "failed" if number % 10 == 9 else "success"
        dag_runs.append(
            {
                "dag_id": DAG_ID,
                "dag_run_id": run_id,
                "logical_date": day,
                "data_interval_start": day,
                "data_interval_end": day,
                "run_after": day,
                "run_type": "scheduled",
                "conf": {},
                "state": state,
                "note": None,
            }
        )
        for task in range(TASKS):
            ti_state = "failed" if state == "failed" and task == TASKS - 1 else "success"
            tis.append(
                {
                    "dag_id": DAG_ID,
                    "dag_run_id": run_id,
                    "task_id": f"t{task}",
                    "map_index": -1,
                    "state": ti_state,
                    "note": None,
                }
            )
    return dag_runs, tis


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="3.3.1")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--aws-call-seconds", type=float, default=0.3)
    args = parser.parse_args()

    from mwaa_pause_resume.dags.rest_api import AirflowRestApi
    from mwaa_pause_resume.dags.rest_history import import_history
    from mwaa_pause_resume.sandbox.parts import create_environment, sandbox_parts
    from mwaa_pause_resume.sandbox.result import SandboxOptions

    work = Path(tempfile.mkdtemp(prefix="bench-rest-history-"))
    options = SandboxOptions(
        airflow_version=args.version,
        work_dir=work,
        dags=Path(__file__).parent / "rest_history_dags",
    )
    with sandbox_parts(options, work) as parts:
        create_environment(parts.mwaa, "bench", args.version)
        api = AirflowRestApi("bench", client=parts.mwaa)
        deadline = time.monotonic() + 300
        while DAG_ID not in api.paused_states():
            if time.monotonic() > deadline:
                raise SystemExit(f"{DAG_ID} was not parsed within 300 s")
            time.sleep(1.0)
        api.set_paused(DAG_ID, True)
        counting = CountingApi(api)
        runs, tis = history(args.runs)
        started = time.monotonic()
        counts = import_history(api, runs, tis, airflow_version=args.version)
        seconds = time.monotonic() - started
    calls = sum(counting.calls.values())
    scale = TARGET_RUNS / args.runs
    report = {
        "airflow_version": args.version,
        "runs": args.runs,
        "task_instances": len(tis),
        "seconds": round(seconds, 1),
        "calls": dict(counting.calls),
        "seconds_per_call_here": round(seconds / calls, 3),
        "restored": counts,
        "extrapolated_10k_runs": {
            "calls": round(calls * scale),
            "minutes_at_this_machine": round(seconds * scale / 60, 1),
            "minutes_at_aws_call_seconds": round(calls * scale * args.aws_call_seconds / 60, 1),
            "aws_call_seconds_assumed": args.aws_call_seconds,
        },
        "cpus": os.cpu_count(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
