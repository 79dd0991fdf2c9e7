"""``upgrade-check`` (issue 12): DAGs written for Airflow 2 (``dags_2x``) give every
code rule's finding with file:line; the same DAGs fixed for Airflow 3 (``dags_3x``) give
none; requirements pins are checked against the target's constraints; exit codes 0 / 1 /
2. Static: nothing here imports Airflow."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.upgrade_check.check import run_check
from mwaa_pause_resume.upgrade_check.findings import Finding
from mwaa_pause_resume.upgrade_check.rules import load_rules

HERE = Path(__file__).resolve().parent
DAGS_2X, DAGS_3X = HERE / "dags_2x", HERE / "dags_3x"
REQUIREMENTS_2X, REQUIREMENTS_3X = HERE / "requirements_2x.txt", HERE / "requirements_3x.txt"


def located(findings: Iterable[Finding]) -> set[tuple[str, int, str]]:
    return {(Path(f.file).name, f.line, f.rule) for f in findings}


def test_dags_written_for_airflow_2_break_every_rule_on_3() -> None:
    report = run_check([DAGS_2X], "3.0.6", REQUIREMENTS_2X)

    assert {f.rule for f in report.findings} == {r.id for r in load_rules().rules} | {
        "constraints-url",
        "requirements-pin",
    }
    assert {
        ("cleanup.py", 6, "db-access"),  # from airflow.settings import Session
        ("cleanup.py", 7, "db-access"),  # provide_session
        ("cleanup.py", 12, "db-query"),  # session.query(DagRun)
        ("cleanup.py", 20, "db-query"),  # DagRun.find(...)
        ("etl_daily.py", 6, "removed-module"),  # airflow.operators.bash_operator
        ("etl_daily.py", 8, "days-ago"),
        ("etl_daily.py", 11, "removed-context-key"),  # def load(execution_date, ...)
        ("etl_daily.py", 12, "removed-context-key"),  # kwargs["next_ds"]
        ("etl_daily.py", 17, "schedule-interval"),
        ("etl_daily.py", 21, "removed-context-key"),  # "{{ execution_date }}"
        ("reports.py", 5, "removed-module"),  # airflow.contrib
        ("reports.py", 7, "subdag"),
        ("report.sql", 3, "removed-context-key"),  # {{ prev_ds }} in a template file
        ("requirements_2x.txt", 2, "requirements-pin"),  # apache-airflow==2.10.3
        ("requirements_2x.txt", 3, "requirements-pin"),  # amazon provider vs constraints
    } <= located(report.findings)
    assert all(f.doc.startswith("https://") and f.fix for f in report.findings)


def test_the_same_dags_fixed_for_airflow_3_have_no_findings() -> None:
    report = run_check([DAGS_3X], "3.0.6", REQUIREMENTS_3X)
    assert report.findings == ()
    assert report.files == 5  # three DAG files, one SQL template, the requirements


def test_within_airflow_2_the_airflow_3_rules_do_not_apply() -> None:
    report = run_check([DAGS_2X], "2.11.2")
    assert report.findings == ()


def test_cli_exit_codes_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    found = runner.invoke(app, ["upgrade-check", str(DAGS_2X), "--to", "3.0.6", "--json"])
    assert found.exit_code == 1, found.output
    document = json.loads(found.stdout)
    assert document["target"] == "3.0.6" and document["findings"][0]["file"].endswith(".py")

    clean = runner.invoke(app, ["upgrade-check", str(DAGS_3X), "--to", "3.3.1"])
    assert clean.exit_code == 0, clean.output
    assert "Nothing known to break on Airflow 3.3.1" in clean.stdout

    for args, message in (
        ([str(tmp_path / "nowhere"), "--to", "3.0.6"], "does not exist"),
        ([str(DAGS_3X), "--to", "3.1.0"], "3.1.0 is not a version this tool supports"),
    ):
        bad = runner.invoke(app, ["upgrade-check", *args])
        assert bad.exit_code == 2, bad.output
        assert message in bad.stderr and "Traceback" not in bad.output


def test_a_file_that_does_not_parse_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def broken(:\n", encoding="utf-8")
    (report_finding,) = run_check([tmp_path], "3.0.6").findings
    assert (report_finding.rule, report_finding.line) == ("syntax", 1)


def test_s3_keys_and_zip_entries_cannot_climb_out_of_the_scan_folder(tmp_path: Path) -> None:
    from mwaa_pause_resume.operations.upgrade_sources import _safe

    assert _safe(tmp_path, "sub/dag.py") == tmp_path / "sub" / "dag.py"
    for hostile in ("../etc/passwd", "/etc/passwd", "a/../../b.py", ""):
        assert _safe(tmp_path, hostile) is None
