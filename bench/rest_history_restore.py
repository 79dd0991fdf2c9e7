"""Time the rest-only restore of run history (dags.rest_history) for N runs of 10 tasks.

    PYTHONPATH=src .venv/bin/python bench/rest_history_restore.py --version 3.3.1 \
        --runs 600 --concurrency 1 8

Real Airflow (API server, scheduler, DAG processor, PostgreSQL) behind the MWAA
emulator's InvokeRestApi, as in the sandbox. A synthetic history (N finished runs of
``bench_ten``, ten chained tasks: nine in ten runs success with every task instance
success, one in ten failed at its last task) is restored
into a fresh environment with the DAG paused, once per ``--concurrency`` value (calls in
flight at once; 1 is the sequential baseline), each pass with its own run ids and dates
in the same environment. Prints per pass the wall time, the InvokeRestApi calls by kind,
and a linear extrapolation to 10,000 runs / 100,000 task instances, both at this
machine's rate and at an assumed per-call latency of InvokeRestApi in AWS
(``--aws-call-seconds``; MWAA documents no figure, so it is an assumption).

``--api-workers``: the API server's worker processes. Default: what MWAA's image runs
(Airflow's default, as its image sets no ``AIRFLOW__API__WORKERS``: 4 on 3.0, 1 from
3.2 on); the sandbox itself always runs 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import tempfile
import threading
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
        # kind -> (first start, last end): the wall time of each phase of the import
        self.spans: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        original = api.call

        def counted(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
            kind = "bulk" if "/~/" in path else "single"
            if "/taskInstances" in path:
                kind += " task instances"
            started = time.monotonic()
            try:
                return original(method, path, **kwargs)  # type: ignore[no-any-return]
            finally:
                with self._lock:
                    name = f"{method} {kind}"
                    self.calls[name] += 1
                    first, _ = self.spans.get(name, (started, 0.0))
                    self.spans[name] = (min(first, started), time.monotonic())

        api.call = counted


def history(runs: int, year: int = 2025) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dag_runs, tis = [], []
    for number in range(runs):
        clock = f"{number // 3600 % 24:02d}:{number // 60 % 60:02d}:{number % 60:02d}"
        day = f"{year}-01-01T{clock}+00:00"
        run_id = f"r{year}_{number}"
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


def mwaa_api_workers(version: str) -> int:
    """Airflow's default ``[api] workers`` (MWAA's image keeps it): 4 on 3.0, 1 from 3.2."""
    return 4 if version.startswith("3.0.") else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="3.3.1")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--aws-call-seconds", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--api-workers", type=int, default=None)
    args = parser.parse_args()
    workers = args.api_workers or mwaa_api_workers(args.version)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

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
        parts.airflow.extra_environ["AIRFLOW__API__WORKERS"] = str(workers)
        create_environment(parts.mwaa, "bench", args.version)
        api = AirflowRestApi("bench", client=parts.mwaa)
        deadline = time.monotonic() + 300
        while DAG_ID not in api.paused_states():
            if time.monotonic() > deadline:
                raise SystemExit(f"{DAG_ID} was not parsed within 300 s")
            time.sleep(1.0)
        api.set_paused(DAG_ID, True)
        passes = []
        for number, concurrency in enumerate(args.concurrency):
            counting = CountingApi(AirflowRestApi("bench", client=parts.mwaa))
            runs, tis = history(args.runs, year=2025 + number)  # after start_date
            load = os.getloadavg()[0]
            started = time.monotonic()
            counts = import_history(
                counting.api, runs, tis, airflow_version=args.version, concurrency=concurrency
            )
            seconds = time.monotonic() - started
            passes.append(_report(args, concurrency, seconds, counting.calls, counts, load))
            passes[-1]["phase_seconds"] = {
                kind: round(end - start, 1) for kind, (start, end) in counting.spans.items()
            }
            print(json.dumps(passes[-1]), file=sys.stderr, flush=True)  # kept if a later pass fails
    baseline = passes[0]["seconds"]
    for one in passes:
        one["speed-up vs first pass"] = round(baseline / one["seconds"], 2)
    print(
        json.dumps(
            {
                "airflow_version": args.version,
                "api_workers": workers,
                "cpus": os.cpu_count(),
                "passes": passes,
            },
            indent=2,
        )
    )


def _report(  # noqa: PLR0917 (one pass's figures)
    args: argparse.Namespace,
    concurrency: int,
    seconds: float,
    calls_by_kind: Counter[str],
    counts: dict[str, Any],
    load: float,
) -> dict[str, Any]:
    calls = sum(calls_by_kind.values())
    scale = TARGET_RUNS / args.runs
    waves = math.ceil(calls * scale / concurrency)  # calls in flight at once, in AWS
    return {
        "concurrency": concurrency,
        "runs": args.runs,
        "task_instances": args.runs * TASKS,
        "seconds": round(seconds, 1),
        "calls": dict(calls_by_kind),
        "calls_per_run": round(calls / args.runs, 2),
        "calls_per_second": round(calls / seconds, 1),
        "load_average_at_start": round(load, 2),
        "restored": counts,
        "extrapolated_10k_runs": {
            "calls": round(calls * scale),
            "minutes_at_this_machine": round(seconds * scale / 60, 1),
            "minutes_at_aws_call_seconds": round(waves * args.aws_call_seconds / 60, 1),
            "aws_call_seconds_assumed": args.aws_call_seconds,
        },
    }


if __name__ == "__main__":
    main()
