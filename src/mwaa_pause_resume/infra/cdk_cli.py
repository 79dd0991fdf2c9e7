"""Driving the pinned AWS CDK CLI for ``deploy`` and ``destroy`` (shell around pure builders).

The CLI is a local npm devDependency (``package.json`` at the repository
root), run with ``npx --no-install`` so that a missing install fails instead of
downloading whatever package is called ``cdk``. Outside a source checkout the
same pin is installed once into the cache. The app is synthesized in-process
first and handed to the CLI as a cloud assembly directory (``--app DIR``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.infra.zipping import cache_root

CDK_CLI_PACKAGE = "aws-cdk"
CDK_CLI_VERSION = "2.1148.1"  # same pin as package.json (a test checks)
REPO_ROOT = Path(__file__).resolve().parents[3]

Action = Literal["deploy", "destroy", "bootstrap"]


@dataclass(frozen=True)
class Tools:
    node: str
    npm: str
    npx: str


def find_tools(which: object = shutil.which) -> Tools:
    """node, npm and npx on PATH, or a :class:`UserError` saying how to get them."""
    lookup = which if callable(which) else shutil.which
    found = {name: lookup(name) for name in ("node", "npm", "npx")}
    missing = [name for name, path in found.items() if not path]
    if missing:
        raise UserError(
            f"{' and '.join(missing)} not found on PATH: deploy and destroy run the AWS CDK "
            "CLI, which needs Node.js (18 or newer) and npm",
            hint="install Node.js and npm (Debian: apt-get install nodejs npm; or "
            "https://nodejs.org); `synth` alone needs only Node.js, if you deploy the cloud "
            "assembly with your own tooling",
        )
    return Tools(node=str(found["node"]), npm=str(found["npm"]), npx=str(found["npx"]))


def cli_project(repo_root: Path = REPO_ROOT) -> Path:
    """The folder whose node_modules holds the pinned CDK CLI.

    A source checkout uses its own package.json + package-lock.json; an
    installed package gets a cache folder with a package.json pinning the same version.
    """
    manifest = repo_root / "package.json"
    if manifest.is_file() and CDK_CLI_PACKAGE in manifest.read_text(encoding="utf-8"):
        return repo_root
    project = cache_root() / f"cdk-cli-{CDK_CLI_VERSION}"
    project.mkdir(parents=True, exist_ok=True)
    (project / "package.json").write_text(
        json.dumps(
            {
                "name": "mwaa-pause-resume-cdk-cli",
                "private": True,
                "devDependencies": {CDK_CLI_PACKAGE: CDK_CLI_VERSION},
            },
            indent=2,
        )
    )
    return project


def install_command(project: Path, tools: Tools) -> list[str]:
    """``npm ci`` where a lock file exists (reproducible), else an install of the exact pin."""
    if (project / "package-lock.json").is_file():
        return [tools.npm, "ci", "--no-audit", "--no-fund"]
    return [tools.npm, "install", "--no-audit", "--no-fund", "--no-save"]


def ensure_cli(tools: Tools, project: Path | None = None) -> Path:
    """Install the pinned CLI if node_modules lacks it; return the project folder."""
    project = project or cli_project()
    if not (project / "node_modules" / ".bin" / "cdk").exists():
        command = install_command(project, tools)
        result = subprocess.run(command, cwd=project, check=False)
        if result.returncode != 0:
            raise UserError(
                f"installing the AWS CDK CLI failed: `{' '.join(command)}` in {project} exited "
                f"with {result.returncode}",
                hint="check that the npm registry is reachable (npm config get registry), "
                "then run the command again",
            )
    return project


def cdk_command(
    tools: Tools,
    action: Action,
    *,
    assembly: Path,
    stack_name: str,  # the stack's construct id: the CLI selects stacks by it
    profile: str | None = None,
    yes: bool = False,
    environment: str | None = None,
) -> list[str]:
    """The ``npx --no-install cdk ...`` command line (pure)."""
    command = [tools.npx, "--no-install", "cdk", action]
    if action == "bootstrap":
        if environment:
            command.append(environment)
    else:
        command += ["--app", str(assembly)]
    if profile:
        command += ["--profile", profile]
    if action == "deploy":
        command += [stack_name, "--require-approval", "never" if yes else "any-change"]
    elif action == "destroy":
        command.append(stack_name)
        if yes:
            command.append("--force")
    return command


def run_cdk(command: Sequence[str], project: Path, env: dict[str, str]) -> int:
    """Run the CLI in ``project`` (where its node_modules are), streaming its output."""
    merged = {
        **os.environ,
        **env,
        "CDK_DISABLE_VERSION_CHECK": "1",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
    }
    return subprocess.run(list(command), cwd=project, env=merged, check=False).returncode
