"""Check a requirements.txt against the target Airflow as MWAA installs it (pure, given
the target's constraints file): MWAA installs the requirements with the target's
``--constraint``, so a pin that contradicts it, a pinned ``apache-airflow`` of another
version or a constraints URL of another version fails the environment's start."""

from __future__ import annotations

import re
from importlib import resources

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.upgrade_check.findings import Finding

PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#,]+)")
CONSTRAINT = re.compile(r"""^\s*(?:--constraint|-c)[\s=]+["']?([^\s"']+)""")
CONSTRAINT_VERSION = re.compile(r"constraints-(\d+\.\d+\.\d+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def constraint_pins(text: str) -> dict[str, str]:
    """``name==version`` lines of a constraints file, by canonical name."""
    pins = {}
    for line in text.splitlines():
        match = PIN.match(line)
        if match:
            pins[canonical(match.group(1))] = match.group(2)
    return pins


def target_constraints(target: str) -> dict[str, str]:
    """MWAA's constraints for ``target`` (copied from AWS's image sources, see
    airflow_versions), with Airflow itself."""
    folder = resources.files("mwaa_pause_resume").joinpath(
        "sandbox", airflow_versions.get(target).constraints_dir
    )
    pins = constraint_pins(folder.joinpath("airflow_constraints.txt").read_text("utf-8"))
    pins["apache-airflow"] = target
    return pins


def constraint_url(target: str) -> str:
    python = airflow_versions.get(target).python
    return (
        f"https://raw.githubusercontent.com/apache/airflow/constraints-{target}/"
        f"constraints-{python}.txt"
    )


def check_requirements(
    path: str, text: str, target: str, pins: dict[str, str], doc: str
) -> list[Finding]:
    found = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0]
        constraint = CONSTRAINT.match(line)
        if constraint:
            named = CONSTRAINT_VERSION.search(constraint.group(1))
            if named and named.group(1) != target:
                found.append(
                    Finding(
                        path,
                        number,
                        "constraints-url",
                        f"installs with Airflow {named.group(1)}'s constraints, not "
                        f"{target}'s: MWAA refuses or breaks the environment",
                        f'use --constraint "{constraint_url(target)}"',
                        doc,
                        constraint.group(1),
                    )
                )
            continue
        pin = PIN.match(line)
        if not pin:
            continue
        name, version = canonical(pin.group(1)), pin.group(2)
        expected = pins.get(name)
        if expected is None or expected == version:
            continue
        if name == "apache-airflow":
            what = f"pins Airflow {version}, but the environment runs {target}"
            fix = "remove the line: MWAA installs Airflow itself"
        else:
            what = (
                f"pins {name} {version}, but Airflow {target}'s constraints pin {expected}: "
                "the install fails on MWAA"
            )
            fix = f"pin {name}=={expected} or drop the pin"
        code = f"{name}=={version}"
        found.append(Finding(path, number, "requirements-pin", what, fix, doc, code))
    return found
