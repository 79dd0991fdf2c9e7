"""Run the rules over folders and a requirements file (reads files; the rules themselves
are pure). Bad input (a missing folder, an unknown version) is a ``UserError``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.shared.dag_contract import EXPORT_DAG_ID, IMPORT_DAG_ID
from mwaa_pause_resume.upgrade_check.findings import Finding
from mwaa_pause_resume.upgrade_check.requirements import check_requirements, target_constraints
from mwaa_pause_resume.upgrade_check.rules import load_rules
from mwaa_pause_resume.upgrade_check.scan import (
    TEMPLATE_SUFFIXES,
    Unparsable,
    scan_python,
    scan_template,
)

# This tool's own DAGs and their package (the DAG bundle) know every Airflow version.
OWN = frozenset({"mwaa_pause_resume", f"{EXPORT_DAG_ID}.py", f"{IMPORT_DAG_ID}.py"})
SKIPPED_DIRS = frozenset({"__pycache__", ".git", "node_modules"})
MAX_FILE_BYTES = 5_000_000  # larger "DAG files" are data, not code


@dataclass(frozen=True)
class Report:
    target: str
    findings: tuple[Finding, ...]
    files: int
    doc: str

    def to_json(self) -> dict[str, object]:
        return {
            "target": self.target,
            "files_scanned": self.files,
            "findings": [f.to_json() for f in self.findings],
            "doc": self.doc,
        }


def check_version(version: str) -> None:
    if version not in airflow_versions.BY_VERSION:
        from mwaa_pause_resume.version_change import unsupported_message

        raise UserError(
            unsupported_message(version),
            hint=f"--to one of {', '.join(airflow_versions.SUPPORTED)}",
        )


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).parts
        if rel[0] in OWN or SKIPPED_DIRS.intersection(rel) or any(p.startswith(".") for p in rel):
            continue
        if path.is_file() and (path.suffix == ".py" or path.suffix in TEMPLATE_SUFFIXES):
            found.append(path)
    return found


def run_check(paths: Sequence[Path], target: str, requirements: Path | None = None) -> Report:
    check_version(target)
    for path in [*paths, *([requirements] if requirements else [])]:
        if not path.exists():
            raise UserError(
                f"{path} does not exist",
                hint="give the folder holding the DAG files (a copy of the environment's "
                "DAGs folder: aws s3 sync s3://BUCKET/dags ./dags)",
            )
    rules = load_rules()
    applicable = rules.for_target(target)
    findings: list[Finding] = []
    scanned = 0
    for root in paths:
        for file in _files(root):
            if file.stat().st_size > MAX_FILE_BYTES:
                continue
            scanned += 1
            shown = str(file)
            text = file.read_text(encoding="utf-8", errors="replace")
            if file.suffix != ".py":
                findings += scan_template(shown, text, applicable)
                continue
            try:
                findings += scan_python(shown, text, applicable)
            except Unparsable as exc:
                line = int(str(exc).split(":")[1]) if str(exc).count(":") >= 2 else 1
                findings.append(
                    Finding(shown, line, "syntax", "does not parse as Python: it fails on "
                            "every Airflow version and was not checked",
                            "fix the syntax error", rules.doc, str(exc).rsplit(": ", 1)[-1])
                )  # fmt: skip
    if requirements is not None:
        scanned += 1
        text = requirements.read_text(encoding="utf-8", errors="replace")
        findings += check_requirements(
            str(requirements), text, target, target_constraints(target), rules.constraint_doc
        )
    return Report(target, tuple(sorted(findings)), scanned, rules.doc)
