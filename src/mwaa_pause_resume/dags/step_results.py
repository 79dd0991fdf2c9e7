"""What the steps of both scopes report: totals, the import's report file, and the
note's ``brought_forward`` (shared by :mod:`.full_scope_steps` and
:mod:`.rest_scope_steps`)."""

from __future__ import annotations

from typing import Any

from mwaa_pause_resume.dags.run_context import airflow_version, log, run_key


def manifest_totals(manifest: Any) -> tuple[int, int]:
    """(tables, rows) of a :class:`mwaa_pause_resume.metadata.Manifest`."""
    return len(manifest.tables), sum(int(t.rows) for t in manifest.tables.values())


def publish_report(store: Any, summary: Any) -> dict[str, Any]:
    """Write ``summary`` (a :class:`~mwaa_pause_resume.metadata.restore_summary.
    RestoreSummary`) as the snapshot's ``import-report.json``; returns the success
    note's extra keys: the summary, and ``report`` once the file is written. Best effort:
    an execution role without the grant for the file (managed by hand, not updated)
    still restores, its note says what the report would."""
    if summary is None:
        return {}
    from mwaa_pause_resume.metadata.restore_summary import REPORT_FILE

    try:
        store.put_json(REPORT_FILE, summary.to_json())
    except Exception:
        log.warning("could not write %s; the note has the summary", REPORT_FILE, exc_info=True)
        return {"summary": summary}
    return {"summary": summary, "report": REPORT_FILE}


def stored_summary(store: Any) -> Any:
    """The summary an earlier try of this import wrote (None if none or unreadable)."""
    from mwaa_pause_resume.metadata.restore_summary import REPORT_FILE, RestoreSummary

    try:
        return RestoreSummary.from_json(store.get_json(REPORT_FILE))
    except Exception:
        return None


def brought_forward(manifest: Any, channel: str) -> dict[str, Any]:
    """The success note's ``brought_forward`` when the snapshot is of an older Airflow
    than this one: from and to which version, and through which channel (``database``:
    this Airflow's migrations; ``rest-api``: the REST channel, docs/airflow3.md)."""
    source, target = manifest.airflow_version, airflow_version()
    if not source or source == target:
        return {}
    return {"brought_forward": {"from": source, "to": target, "channel": channel}}


def own_dags(context: dict[str, Any], manifest: Any) -> set[str]:
    """The workflows' own DAGs (this import, the export that made the snapshot): they
    keep the paused states the workflows gave them."""
    return {run_key(context)[0], *(str(e["dag_id"]) for e in manifest.excluded_dag_runs)}
