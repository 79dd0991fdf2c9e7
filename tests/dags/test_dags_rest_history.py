"""Run history through the REST API (dags.rest_history) against real Airflow 3.

The MWAA emulator runs real Airflow (scheduler, API server, DAG processor, PostgreSQL);
every call goes through InvokeRestApi, so its 64-character path limit applies. Real
runs are made in a source environment (a successful ETL run with mapped tasks, a failed
run with an upstream_failed task, a run still queued at the pause, notes), collected,
and restored into the environment re-created as a resume does. What docs/airflow3.md
promises is then read back through the REST API.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mwaa_pause_resume.dags.rest_api import AirflowRestApi
from mwaa_pause_resume.dags.rest_history import (
    collect_history,
    import_history,
    restored_ids,
    restored_run_id,
)
from mwaa_pause_resume.dags.rest_history_runs import EXISTED
from mwaa_pause_resume.sandbox.parts import SandboxParts, create_environment, sandbox_parts
from mwaa_pause_resume.sandbox.result import SandboxOptions
from tests.dags.rest_scope_helpers import recreate_environment, rest

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.airflow]

ENV = "hist-env"
SAMPLES = ("sample_etl", "sample_failure")
# 29 + 36 = 65 characters: PATCH /dags/sample_failure/dagRuns/<this> does not fit
LONG_RUN_ID = "manual__2025-02-01T00:00:00+00:00abc"
TIMEOUT = 300.0


@pytest.fixture(scope="module", params=["3.3.1", "3.2.1", "3.0.6"])
def parts(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[SandboxParts, str]]:
    version = str(request.param)
    work: Path = tmp_path_factory.mktemp(f"rest-history-{version}")
    with sandbox_parts(SandboxOptions(airflow_version=version, work_dir=work), work) as running:
        running.airflow.extra_environ = {
            **running.airflow.extra_environ,
            "AWS_ENDPOINT_URL_MWAA": os.environ["AWS_ENDPOINT_URL_MWAA"],
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
            "MWAA__DB__POSTGRES_HOST": "",
        }
        yield running, version


def _wait_for_dags(parts: SandboxParts) -> None:
    deadline = time.monotonic() + TIMEOUT
    while True:
        listed = {d["dag_id"] for d in rest(parts, ENV, "GET", "/dags")["dags"]}
        if set(SAMPLES) <= listed:
            return
        assert time.monotonic() < deadline, f"DAGs not parsed: {listed}"
        time.sleep(1.0)


def _trigger(parts: SandboxParts, dag_id: str, run_id: str, day: int, **extra: Any) -> None:
    logical = f"2025-01-{day:02d}T00:00:00+00:00"
    body = {
        "dag_run_id": run_id,
        "logical_date": logical,
        "data_interval_start": f"2025-01-{day - 1:02d}T00:00:00+00:00",
        "data_interval_end": logical,
        "conf": {"batch": run_id},
        **extra,
    }
    rest(parts, ENV, "POST", f"/dags/{dag_id}/dagRuns", body)


def _finish(parts: SandboxParts, dag_id: str, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + TIMEOUT
    while True:
        # the list: a single run's path may not fit InvokeRestApi's 64 characters
        try:
            listed = rest(parts, ENV, "GET", f"/dags/{dag_id}/dagRuns")["dag_runs"]
        except ClientError as exc:  # a busy API server (504 past 10 s): poll again
            assert "HTTP 5" in str(exc), exc
            listed = []
        run = next((r for r in listed if r["dag_run_id"] == run_id), {"state": "unknown"})
        if run["state"] in ("success", "failed"):
            return dict(run)
        assert time.monotonic() < deadline, f"{dag_id} {run_id} still {run['state']}"
        time.sleep(1.0)


def _seed(parts: SandboxParts) -> None:
    rest(parts, ENV, "POST", "/pools", {"name": "sample_pool", "slots": 4})
    for dag_id in SAMPLES:
        rest(parts, ENV, "PATCH", f"/dags/{dag_id}", {"is_paused": False})
    _trigger(parts, "sample_etl", "etl_ok", 2, note="kept note")
    _trigger(parts, "sample_failure", "fail_1", 3)
    _trigger(parts, "sample_failure", LONG_RUN_ID, 4)
    _finish(parts, "sample_etl", "etl_ok")
    _finish(parts, "sample_failure", "fail_1")
    _finish(parts, "sample_failure", LONG_RUN_ID)
    path = "/dags/sample_etl/dagRuns/etl_ok/taskInstances/extract"
    rest(parts, ENV, "PATCH", path, {"note": "ti note"})
    rest(parts, ENV, "PATCH", "/dags/sample_etl", {"is_paused": True})
    rest(parts, ENV, "PATCH", "/dags/sample_failure", {"is_paused": True})
    _trigger(parts, "sample_etl", "etl_queued", 5)  # paused: queued at the pause


RUN_EXACT = (
    "dag_run_id",
    "logical_date",
    "data_interval_start",
    "data_interval_end",
    "run_after",
    "conf",
)


def _runs(api: AirflowRestApi) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["dag_id"], r["dag_run_id"]): r for r in api.dag_runs() if r["dag_id"] in SAMPLES}


def _tis(api: AirflowRestApi) -> dict[tuple[str, str, str, int], dict[str, Any]]:
    return {
        (t["dag_id"], t["dag_run_id"], t["task_id"], t["map_index"]): t
        for t in api.task_instances()
        if t["dag_id"] in SAMPLES
    }


def test_run_history_is_restored_as_docs_airflow3_promises(
    parts: tuple[SandboxParts, str],
) -> None:
    sandbox, version = parts
    create_environment(sandbox.mwaa, ENV, version)
    _wait_for_dags(sandbox)
    _seed(sandbox)
    api = AirflowRestApi(ENV, client=sandbox.mwaa)
    history = collect_history(api)
    before_runs, before_tis = _runs(api), _tis(api)
    assert {r["dag_id"] for r in history["dag_runs"]} == set(SAMPLES)
    assert before_tis[("sample_failure", "fail_1", "after_broken", -1)]["state"] == (
        "upstream_failed"
    )
    assert before_tis[("sample_etl", "etl_ok", "transform", 2)]["state"] == "success"

    recreate_environment(sandbox, ENV, version)
    _wait_for_dags(sandbox)
    for dag_id in SAMPLES:  # the import runs with every DAG paused
        rest(sandbox, ENV, "PATCH", f"/dags/{dag_id}", {"is_paused": True})
    counts = import_history(
        api, history["dag_runs"], history["task_instances"], airflow_version=version
    )
    after_runs, after_tis = _runs(api), _tis(api)

    bulk_runs = version >= "3.3"
    bulk_tis = version >= "3.2"
    # before 3.3 the long run id is shortened (its state path must fit); else kept
    new_ids = restored_ids(history["dag_runs"], version)
    long_id = new_ids[("sample_failure", LONG_RUN_ID)]
    assert long_id is not None and (long_id == LONG_RUN_ID) is bulk_runs
    renamed = {k: (k[0], new_ids[k] or "") for k in before_runs}
    assert set(after_runs) == set(renamed.values())
    same = [f for f in RUN_EXACT if f != "dag_run_id"]
    for key, new_key in renamed.items():
        before, after = before_runs[key], after_runs[new_key]
        assert {f: after[f] for f in same} == {f: before[f] for f in same}, key
        assert after["run_type"] == "manual"
        assert after["state"] in ("success", "failed")
    for key in [("sample_etl", "etl_ok"), ("sample_failure", "fail_1")]:
        assert after_runs[key]["state"] == before_runs[key]["state"]
    assert after_runs[("sample_etl", "etl_ok")]["note"] == "kept note"
    queued = after_runs[("sample_etl", "etl_queued")]
    assert queued["state"] == "failed" and "queued at the pause" in queued["note"]
    assert not [r for r in api.dag_runs(state="queued") if r["dag_id"] in SAMPLES]

    runs = counts["dag_runs"]
    assert runs["exact"] == 2 + bulk_runs and runs["approximated"] == 2 - bulk_runs
    assert runs["not_restored"] == 0
    tis = counts["task_instances"]
    if bulk_tis:
        for key, before in before_tis.items():
            if key[1] == "etl_queued":
                continue
            after = after_tis[(*renamed[key[:2]], key[2], key[3])]
            want = "skipped" if before["state"] == "upstream_failed" else before["state"]
            assert after["state"] == want, (key, after, counts)
        note_key = ("sample_etl", "etl_ok", "extract", -1)
        assert after_tis[note_key]["note"] == "ti note"
        assert tis["approximated"] >= 2  # upstream_failed, and the queued run's
        # on 3.2 the mapped ones (bulk finds index -1 only) go one by one:
        # …/taskInstances/transform/0 fits for these run ids
        assert tis["not_restored"] == 0, counts
    else:
        # 3.0.6: only the run's state decides its task instances (success: all success)
        etl = [t for k, t in after_tis.items() if k[1] == "etl_ok"]
        assert etl and {t["state"] for t in etl} == {"success"}
        assert tis["exact"] + tis["approximated"] + tis["not_restored"] == len(before_tis)


def test_an_automated_runs_id_keeps_all_but_its_reserved_prefix() -> None:
    assert restored_run_id("scheduled__2025-01-01T00:00:00+00:00") == (
        "manual__2025-01-01T00:00:00+00:00"
    )
    assert restored_run_id("backfill__2025-01-01T00:00:00+00:00").startswith("manual__2025")
    assert restored_run_id("asset_triggered__x") == "manual__x"
    assert restored_run_id("manual__x") == "manual__x" and restored_run_id("mine") == "mine"


MIXED_VERSION = "3.2.1"  # a run set success marks every task instance success here
ETL_TASKS = [("extract", -1), ("transform", 0), ("transform", 1), ("transform", 2), ("load", -1)]


def _states(*states: str) -> dict[tuple[str, int], str]:
    return dict(zip(ETL_TASKS, states, strict=True))


# run id -> (final state, {task instance: state}, a note on extract)
MIXED: dict[str, tuple[str, dict[tuple[str, int], str], str | None]] = {
    # failed: a success, a failure, a skip and an upstream_failed in one run
    "mix_fail": (
        "failed",
        _states(*["success", "success", "failed", "skipped", "upstream_failed"]),
        None,
    ),
    # success with a skipped task: the run's own state would make it success
    "mix_ok": (
        "success",
        _states(*["success", "success", "success", "success", "skipped"]),
        None,
    ),
    # failed at the last task, after every upstream one succeeded; a note upstream
    "mix_note": (
        "failed",
        _states(*["success", "success", "success", "success", "failed"]),
        "kept",
    ),
}


def _mixed_history() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    runs, tis = [], []
    for day, (run_id, (state, states, note)) in enumerate(sorted(MIXED.items()), start=1):
        stamp = f"2025-03-{day:02d}T00:00:00Z"
        runs.append(
            {
                "dag_id": "sample_etl",
                "dag_run_id": run_id,
                "logical_date": stamp,
                "data_interval_start": stamp,
                "data_interval_end": stamp,
                "run_after": stamp,
                "run_type": "manual",
                "conf": {"batch": run_id},
                "state": state,
                "note": None,
            }
        )
        for (task_id, index), ti_state in states.items():
            tis.append(
                {
                    "dag_id": "sample_etl",
                    "dag_run_id": run_id,
                    "task_id": task_id,
                    "map_index": index,
                    "state": ti_state,
                    "note": note if task_id == "extract" else None,
                }
            )
    return runs, tis


def test_a_mixed_run_is_restored_exactly_with_few_state_changes(
    parts: tuple[SandboxParts, str],
) -> None:
    """Run states first, then only what they did not give (dags.rest_history_plan),
    checked row by row with the sandbox's own check (sandbox.rest_history_check)."""
    from mwaa_pause_resume.sandbox.rest_history_check import History, check_history, read_history

    sandbox, version = parts
    if version != MIXED_VERSION:
        pytest.skip(f"the mixed-run plan is proven on {MIXED_VERSION}")
    if ENV not in sandbox.mwaa.list_environments()["Environments"]:
        create_environment(sandbox.mwaa, ENV, version)
        _wait_for_dags(sandbox)
    rest(sandbox, ENV, "PATCH", "/dags/sample_etl", {"is_paused": True})
    runs, tis = _mixed_history()
    api = AirflowRestApi(ENV, client=sandbox.mwaa)
    calls: list[str] = []
    original = api.call

    def counted(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        calls.append(f"{method} {path}")
        return original(method, path, **kwargs)

    api.call = counted  # type: ignore[method-assign]
    counts = import_history(api, runs, tis, airflow_version=version)

    def call(method: str, path: str, query: Any = None) -> tuple[int, Any]:
        got = sandbox.mwaa.invoke_rest_api(Name=ENV, Method=method, Path=path,
                                           QueryParameters=query or {})  # fmt: skip
        return got["RestApiStatusCode"], got["RestApiResponse"]

    after = read_history(call, ())
    before = History(
        {(r["dag_id"], r["dag_run_id"]): r for r in runs},
        {(t["dag_id"], t["dag_run_id"], t["task_id"], t["map_index"]): t for t in tis},
    )
    after = History(
        {k: r for k, r in after.runs.items() if k in before.runs},
        {k: t for k, t in after.task_instances.items() if k[:2] in before.runs},
    )
    check = check_history(before, after, version)
    assert check.problems == [] and check.task_instances_checked == 15, check.to_json()
    assert after.task_instances[("sample_etl", "mix_note", "extract", -1)]["note"] == "kept"
    assert counts["task_instances"] == {
        "exact": 14,
        "approximated": 1,  # upstream_failed: skipped
        "not_restored": 0,
        "reasons": {"state upstream_failed set as skipped": 1},
    }
    # 3 runs: 3 creations and 3 states; task instances: mix_ok's skip and the others'
    # successes and failures, never the 15 one by one
    ti_calls = [c for c in calls if "taskInstances" in c and c.startswith("PATCH")]
    assert 0 < len(ti_calls) < 15, calls


MARKER_ENV = "marker-env"
HOURLY = "sample_hourly_catchup"  # one task, "tick"; missed_runs=catchup: the marker at L


def _hourly_run(moment: datetime, state: str, note: str | None) -> dict[str, Any]:
    stamp = moment.isoformat()
    return {
        "dag_id": HOURLY,
        "dag_run_id": f"scheduled__{stamp}",
        "logical_date": stamp,
        "data_interval_start": stamp,
        "data_interval_end": (moment + timedelta(hours=1)).isoformat(),
        "run_after": (moment + timedelta(hours=1)).isoformat(),
        "run_type": "scheduled",
        "conf": {},
        "state": state,
        "note": note,
    }


def test_the_run_at_the_marker_date_keeps_its_note_and_task_instance_states(
    parts: tuple[SandboxParts, str],
) -> None:
    """The scheduler position's marker backfill at T takes the restored run at T over
    (its note, state and task instances become the marker's); the import restores that
    run again after the marker, so it ends as the snapshot held it, and the DAG's next
    run still follows T. A retried import ends the same."""
    from mwaa_pause_resume.dags.rest_position import parse_time
    from mwaa_pause_resume.dags.rest_scope_steps import restore_history_and_positions

    sandbox, version = parts
    create_environment(sandbox.mwaa, MARKER_ENV, version)
    api = AirflowRestApi(MARKER_ENV, client=sandbox.mwaa)
    sandbox.local.wait_until(lambda: HOURLY in api.paused_states(), timeout=TIMEOUT)
    rest(sandbox, MARKER_ENV, "PATCH", f"/dags/{HOURLY}", {"is_paused": True})
    newest = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    at_marker = _hourly_run(newest, "failed", "kept note")
    older = _hourly_run(newest - timedelta(hours=1), "success", None)
    runs = [older, at_marker]
    tis = [
        {"dag_id": HOURLY, "dag_run_id": older["dag_run_id"], "task_id": "tick",
         "map_index": -1, "state": "success", "note": None},
        {"dag_id": HOURLY, "dag_run_id": at_marker["dag_run_id"], "task_id": "tick",
         "map_index": -1, "state": "failed", "note": "ti note"},
    ]  # fmt: skip
    position = {**at_marker, "run_id": at_marker["dag_run_id"]}
    new_ids = restored_ids(runs, version)
    marker_key = (HOURLY, str(new_ids[(HOURLY, at_marker["dag_run_id"])]))
    ti_settable = version >= "3.2"  # 3.0.6: …/taskInstances/tick does not fit 64 characters

    for attempt in ("import", "retried import"):
        counts, outcome = restore_history_and_positions(
            api,
            runs,
            tis,
            {HOURLY: True},
            [position],
            airflow_version=version,
            default_policy="catchup",
            exclude=(),
            concurrency=4,
        )
        (plan,) = outcome.plans
        assert plan.marker == newest and plan.verified and plan.reason is None, (attempt, plan)
        assert plan.marker_run_id == marker_key[1], attempt
        dag = rest(sandbox, MARKER_ENV, "GET", f"/dags/{HOURLY}")
        assert parse_time(dag["next_dagrun_logical_date"]) > newest, attempt

        got = {(r["dag_id"], r["dag_run_id"]): r for r in api.dag_runs() if r["dag_id"] == HOURLY}
        assert set(got) == {marker_key, (HOURLY, str(new_ids[(HOURLY, older["dag_run_id"])]))}
        taken = got[marker_key]
        # the marker made it a backfill run in place (the position needs one at T) ...
        assert taken["run_type"] == "backfill", (attempt, taken)
        # ... and the snapshot's state and note are back
        assert (taken["state"], taken["note"]) == ("failed", "kept note"), (attempt, taken)
        assert parse_time(taken["logical_date"]) == newest
        ti = {
            (t["dag_run_id"], t["task_id"]): t
            for t in api.task_instances()
            if t["dag_id"] == HOURLY
        }[(marker_key[1], "tick")]
        reasons = set(counts["task_instances"]["reasons"])
        if ti_settable:
            assert (ti["state"], ti["note"]) == ("failed", "ti note"), (attempt, ti)
            # a retried import leaves the other runs' task instances as it found them
            assert counts["task_instances"]["not_restored"] == (attempt != "import"), counts
            assert reasons <= {EXISTED}, (attempt, counts)
        else:  # what the failed run's state gives it, as docs/airflow3.md says for 3.0.6
            assert ti["state"] == "skipped", (attempt, ti)
        assert counts["dag_runs"]["not_restored"] == 0, (attempt, counts)
        assert not [r for r in api.dag_runs(state="queued") if r["dag_id"] == HOURLY]
