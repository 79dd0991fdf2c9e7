"""A fleet's burst: N environments paused in the same minute, then resumed for the same
ready-by time, through the real state machines in moto and the MWAA emulator, with the
emulator's token buckets at the rates docs/throttling.md assumes, and a baseline in the
same run (no throttling, or the same throttling without jitter).

    .venv/bin/python bench/fleet_burst.py [--environments 300] [--poll-seconds 60]
        [--phases pause,resume] [--baseline none|no-jitter|skip] [--json results.json]

Prints, per phase: environments, succeeded, failed, late (after ready-by), the virtual
wall time from the fire to the last execution's end, retries (failed attempts in the
execution histories, by error), calls the emulator throttled, invocations Lambda refused,
the real time the simulation took; then the ratios to the baseline. The virtual time is
what AWS would take (sandbox.event_clock); the real time is this machine's CPU. Each
phase's figures are also printed as a JSON line as soon as it ends.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from mwaa_pause_resume.sandbox.burst import BurstSettings, PhaseResult, run_burst


def table(label: str, results: list[PhaseResult]) -> None:
    print(f"\n{label}")
    print(
        "| phase | environments | succeeded | failed | late | burst (virtual min) | retries "
        "| MWAA throttled | Lambda refused | transitions | real s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r.workflow} | {r.environments} | {r.succeeded} | {len(r.failures)} | "
            f"{len(r.late)} | {r.virtual_seconds / 60:.1f} | {r.retries} | "
            f"{sum(r.mwaa_throttled.values())} | {r.lambda_throttled} | {r.transitions} | "
            f"{r.real_seconds:.0f} |"
        )
    for r in results:
        for name, error, cause in r.failures[:5]:
            print(f"  {r.workflow} {name}: {error}: {cause[:200]}")


def print_json(result: PhaseResult) -> None:
    print(json.dumps(result.to_json()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--environments", type=int, default=300)
    parser.add_argument("--poll-seconds", type=int, default=60)
    parser.add_argument(
        "--baseline", choices=("none", "no-jitter", "skip"), default="none",
        help="none: the same burst without throttling; no-jitter: with throttling, "
        "Retries without JitterStrategy",
    )  # fmt: skip
    parser.add_argument(
        "--phases", default="pause,resume", help="pause, resume or both (comma-separated)"
    )
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    settings = BurstSettings(
        environments=args.environments,
        poll_seconds=args.poll_seconds,
        phases=tuple(args.phases.split(",")),
    )
    started = time.monotonic()
    measured = run_burst(
        settings, progress=print, on_phase=lambda r: print(json.dumps(r.to_json()))
    )
    table(f"Throttled ({args.environments} environments)", measured)
    out: dict[str, Any] = {"throttled": [r.to_json() for r in measured]}
    if args.baseline != "skip":
        variant = (
            replace(settings, throttling=None, lambda_concurrency=None)
            if args.baseline == "none"
            else replace(settings, jitter=False)
        )
        base = run_burst(variant, progress=print, on_phase=print_json)
        table(f"Baseline: {args.baseline}", base)
        out[f"baseline_{args.baseline}"] = [r.to_json() for r in base]
        print("\n| phase | burst time vs baseline | retries vs baseline |")
        print("| --- | --- | --- |")
        for m, b in zip(measured, base, strict=True):
            ratio = m.virtual_seconds / b.virtual_seconds if b.virtual_seconds else float("nan")
            print(f"| {m.workflow} | x{ratio:.2f} | {m.retries} vs {b.retries} |")
    print(f"\nreal time of the whole run: {time.monotonic() - started:.0f} s; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    if args.json:
        with open(args.json, "w") as file:
            json.dump(out, file, indent=2)


if __name__ == "__main__":
    main()
