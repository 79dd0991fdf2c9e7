"""Which of the user's DAG files Airflow parses, and when each counts as parsed."""

from __future__ import annotations

from pathlib import Path

from mwaa_pause_resume.sandbox.user_dags import parsed_by_airflow, unseen


def test_only_files_that_mention_airflow_and_dag_are_parsed(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text("from airflow import DAG\n")
    (tmp_path / "helpers.py").write_text("def helper():\n    return 1\n")
    (tmp_path / "broken_no_airflow.py").write_text('"""My DAG file."""\nimport missing\n')
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "nested.py").write_text("# an Airflow Dag\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.py").write_text("airflow dag")
    assert parsed_by_airflow(tmp_path) == ["etl.py", "team/nested.py"]


def test_a_file_counts_as_parsed_by_its_dags_or_its_import_error() -> None:
    files = ["etl.py", "team/nested.py", "broken.py", "late.py"]
    dag_files = ["/home/airflow/dags/etl.py", "/home/airflow/dags/team/nested.py"]
    errors = [{"filename": "broken.py", "error": "ModuleNotFoundError"}]  # Airflow 3: relative
    assert unseen(files, dag_files, errors) == ["late.py"]
    # a file name that only ends like another is not that file
    assert unseen(["ted.py"], ["/dags/nested.py"], []) == ["ted.py"]
