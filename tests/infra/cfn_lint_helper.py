"""Run cfn-lint on a template and return its findings (shared by the template tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def cfn_lint(template: Path) -> list[dict[str, Any]]:
    """cfn-lint's findings (JSON); fails loudly if cfn-lint itself did not run."""
    # The console script next to this interpreter: cfnlint has no ``__main__`` module, so
    # ``python -m cfnlint`` prints nothing, which would read as "no findings".
    binary = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(binary), "--format", "json", str(template)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip().startswith("["), (result.returncode, result.stderr[-500:])
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings
