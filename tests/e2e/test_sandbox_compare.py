"""The sandbox's comparison rule and its report (pure: no database, no AWS)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from mwaa_pause_resume.cli.sandbox import print_result
from mwaa_pause_resume.sandbox.run import SandboxResult, WorkflowOutcome
from mwaa_pause_resume.sandbox.run_compare import EnvironmentState, compare


def state(
    tables: dict[str, int],
    *,
    paused: dict[str, bool] | None = None,
    secrets: dict[str, str | None] | None = None,
    undecryptable: list[str] | None = None,
) -> EnvironmentState:
    return EnvironmentState(
        tables,
        paused if paused is not None else {"a": True, "b": False},
        secrets if secrets is not None else {"variable x": "1"},
        undecryptable or [],
    )


def test_rows_the_new_environment_made_itself_count_only_for_added_tables() -> None:
    # dag_version (insert): the target parsed its DAGs itself -> 2 own rows subtracted.
    # dag (merge): the target's parsed DAGs coincide with restored ones -> nothing subtracted.
    before = state({"dag_version": 3, "dag": 2, "dag_run": 4})
    after = state({"dag_version": 5, "dag": 2, "dag_run": 4})
    result = compare(before, after, {"dag_version": 2, "dag": 2, "dag_run": 0})
    assert {n: (t.before, t.after, t.equal) for n, t in result.tables.items()} == {
        "dag": (2, 2, True),
        "dag_run": (4, 4, True),
        "dag_version": (3, 3, True),
    }
    assert result.restored_equal


def test_every_difference_is_named() -> None:
    before = state({"connection": 3, "xcom": 1}, secrets={"variable x": "1", "variable y": "2"})
    after = state(
        {"connection": 0, "xcom": 1},
        paused={"a": False, "b": False},
        secrets={"variable x": "changed"},
        undecryptable=["variable y"],
    )
    result = compare(before, after, {})
    assert not result.restored_equal
    assert result.differences == [
        "table connection: 3 rows before, 0 after",
        "secret variable y cannot be decrypted with the new key",
        "secret variable x differs",
        "DAG a: paused True before, False after",
    ]


def test_report_names_what_differs(tmp_path: Path) -> None:
    comparison = compare(state({"connection": 3}), state({"connection": 0}), {})
    result = SandboxResult(
        "2.10.3",
        tmp_path,
        kept=False,
        pause=WorkflowOutcome("SUCCEEDED", 4.0),
        resume=WorkflowOutcome("SUCCEEDED", 9.0),
        comparison=comparison,
        fernet_key_changed=True,
    )
    out = Console(record=True, width=120)
    print_result(out, result)
    text = out.export_text()
    assert "Not restored equal" in text
    assert "table connection: 3 rows before, 0 after" in text
    assert result.to_json()["tables"] == {"connection": {"before": 3, "after": 0, "equal": False}}
    assert result.to_json()["restored_equal"] is False


def test_a_failed_workflow_is_never_restored_equal(tmp_path: Path) -> None:
    result = SandboxResult(
        "3.0.6", tmp_path, kept=False, pause=WorkflowOutcome("FAILED", 3.0, "ExportFailed", "x")
    )
    assert not result.restored_equal
    assert result.differences[0] == "the pause workflow ended FAILED: ExportFailed x"
