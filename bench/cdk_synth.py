"""Time `mwaa-pause-resume synth` of a two-environment configuration, each run a fresh process.

    .venv/bin/python bench/cdk_synth.py [--runs 3]

"cold cache": empty bundle cache (the Lambda layer zip and DAG bundle are built);
"warm cache": the usual case after the first synth. Both start a new Python and
jsii/node process, as the command does. Prints wall-clock seconds per run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """
[deployment]
stack_name = "mpr-bench"
account = "111122223333"
region = "eu-west-1"

[[environments]]
name = "dev"
source_bucket = "dev-mwaa-source"
execution_role_arn = "arn:aws:iam::111122223333:role/service-role/dev-exec"
pause_schedule = "0 20 ? * MON-FRI *"
resume_schedule = "0 6 ? * MON-FRI *"
timezone = "Europe/London"
update_execution_role = true
notification_emails = ["ops@example.com"]

[[environments]]
name = "staging"
source_bucket = "staging-mwaa-source"
execution_role_arn = "arn:aws:iam::111122223333:role/staging-exec"
pause_schedule = "30 21 ? * * *"
resume_schedule = "0 7 ? * MON-FRI *"
timezone = "America/New_York"
vpc_id = "vpc-0a1b2c3d4e5f60718"
subnet_ids = ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60712"]
security_group_ids = ["sg-0a1b2c3d4e5f60719"]
create_vpc_endpoints = true
notification_emails = ["ops@example.com"]
"""


def run_once(config: Path, out: Path, cache: Path) -> float:
    env = {
        **os.environ,
        "MWAA_PR_CACHE": str(cache),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mwaa_pause_resume", "synth", "-c", str(config), "--out", str(out)],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = root / "two.toml"
        config.write_text(CONFIG)
        cold = []
        for run in range(args.runs):
            cold.append(run_once(config, root / f"cold{run}", root / f"cache{run}"))
        warm = [run_once(config, root / f"warm{run}", root / "cache0") for run in range(args.runs)]
    print(f"load average at end: {os.getloadavg()[0]:.1f} (2 cores)")
    for name, times in (("cold cache", cold), ("warm cache", warm)):
        print(
            f"{name}: median {statistics.median(times):.1f} s, "
            f"runs {', '.join(f'{t:.1f}' for t in times)}"
        )


if __name__ == "__main__":
    main()
