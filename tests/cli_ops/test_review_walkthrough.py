"""Findings of the README walkthrough: output a user reads off a terminal (CI logs,
pipes) and options whose values were printed unchecked."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.cli.sandbox_cmd import print_result
from mwaa_pause_resume.sandbox.result import SandboxResult, WorkflowOutcome
from mwaa_pause_resume.sandbox.row_compare import RowsComparison
from mwaa_pause_resume.sandbox.run_compare import Comparison

LONG_NAMES = ("rendered_task_instance_fields", "dataset_alias_dataset_event", "xcom")


def _result(tmp_path: Path) -> SandboxResult:
    tables = {
        name: RowsComparison(before=13, after=13, matching=13, made_by_target=0)
        for name in LONG_NAMES
    }
    comparison = Comparison(
        tables=tables,
        paused_equal=True,
        paused_diff={},
        secrets_equal=True,
        secrets_diff=[],
        undecryptable=[],
        secrets_checked=2,
    )
    return SandboxResult(
        airflow_version="2.10.3",
        work_dir=tmp_path,
        kept=False,
        pause=WorkflowOutcome(status="SUCCEEDED", seconds=3.2),
        resume=WorkflowOutcome(status="SUCCEEDED", seconds=6.1),
        comparison=comparison,
        fernet_key_changed=True,
    )


def test_sandbox_table_keeps_whole_table_names_in_80_columns(tmp_path: Path) -> None:
    buffer = io.StringIO()
    # What `scripts/run sandbox > log` gets: not a terminal, so Rich uses 80 columns.
    out = Console(file=buffer, width=80, soft_wrap=True, color_system=None)
    print_result(out, _result(tmp_path))
    text = buffer.getvalue()
    for name in LONG_NAMES:
        assert name in text
    assert "…" not in text
    assert max(len(line) for line in text.splitlines() if "│" in line) <= 80


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "mwaa-pause-resume.toml"
    path.write_text(
        "[[environments]]\n"
        'name = "dev"\n'
        'source_bucket = "dev-dags"\n'
        'execution_role_arn = "arn:aws:iam::111122223333:role/dev"\n'
        'pause_schedule = "0 20 ? * MON-FRI *"\n'
        'resume_schedule = "0 6 ? * MON-FRI *"\n',
        encoding="utf-8",
    )
    return path


KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.mark.parametrize(
    ("bucket", "key_arn", "named"),
    [
        ("Bad Bucket", KEY, "--bucket"),
        ("backup-bucket", "1234abcd-12ab", "--key-arn"),
        ("backup-bucket", "arn:aws:s3:::backup-bucket", "--key-arn"),
    ],
)
def test_policy_refuses_a_bucket_or_key_it_would_print_unchecked(
    tmp_path: Path, bucket: str, key_arn: str, named: str
) -> None:
    args = ["policy", "dev", "-c", str(_config(tmp_path)), "--bucket", bucket]
    result = CliRunner().invoke(app, [*args, "--key-arn", key_arn])
    assert result.exit_code == 2, result.output
    assert named in result.output
    assert "Traceback" not in result.output
    assert '"Statement"' not in result.output


def test_policy_accepts_the_stack_outputs_as_given(tmp_path: Path) -> None:
    args = ["policy", "dev", "-c", str(_config(tmp_path)), "--bucket", "backup-bucket"]
    result = CliRunner().invoke(app, [*args, "--key-arn", KEY, "--json"])
    assert result.exit_code == 0, result.output
    assert f'"Resource": "{KEY}"' in result.output
    assert '"arn:aws:s3:::backup-bucket/dev/*"' in result.output


def test_synth_without_node_is_a_user_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("JSII_NODE", raising=False)
    args = ["synth", "-c", str(_config(tmp_path)), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "node not found on PATH" in result.output
    assert "JSII_NODE" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "out").exists()
