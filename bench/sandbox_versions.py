"""The sandbox's pause/resume cycle per Airflow version: wall time, where it goes, memory.

Runs ``mwaa-pause-resume sandbox --json`` once per version (warm: the virtualenvs
already built; run ``scripts/bootstrap --airflow`` first), as a user runs it, and
prints per version the total, each step (setup, create, history, pause, resume,
compare, liveness), the peak resident memory of the environments' processes and
whether the run passed. The baseline, measured in the same run, is what Airflow
itself needs to bring an environment up (the create step: template copy, DAG
serialization, components started and healthy): the ratio says how many such
start-ups the whole cycle costs.

    .venv/bin/python bench/sandbox_versions.py [VERSION ...]

Prints the Markdown of BENCHMARKS.md's "Sandbox per Airflow version" section.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from mwaa_pause_resume import airflow_versions

STEPS = ("setup", "create", "history", "pause", "resume", "compare", "liveness")
TARGET_SECONDS = 180.0
TARGET_RSS_MB = 2560


def run(version: str) -> dict[str, Any]:
    began = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mwaa_pause_resume",
            "sandbox",
            "--json",
            "--airflow-version",
            version,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - began
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        report = {"passed": False, "timings": {}, "peak_rss_mb": 0}
    report["wall"] = wall
    report["exit"] = done.returncode
    return report


def main(versions: list[str]) -> int:
    rows = []
    for version in versions or list(airflow_versions.SUPPORTED):
        report = run(version)
        timings = report.get("timings", {})
        create = float(timings.get("create") or 0.0)
        rows.append(
            f"| {version} | {report['wall']:.0f} | "
            + " | ".join(f"{float(timings.get(s, 0.0)):.0f}" for s in STEPS)
            + f" | {report['wall'] / create if create else 0:.1f}x | {report.get('peak_rss_mb', 0)}"
            f" | {report.get('scope')} | {'yes' if report.get('passed') else 'NO'} |"
        )
        print(rows[-1], file=sys.stderr)
    print(
        "| Airflow | total s | "
        + " | ".join(STEPS)
        + " | total / create | peak RSS MB | scope | passed |"
    )
    print("| --- " * (len(STEPS) + 6) + "|")
    print("\n".join(rows))
    print(
        f"\nTargets: under {TARGET_SECONDS:.0f} s per version warm; peak RSS under "
        f"{TARGET_RSS_MB} MB."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
