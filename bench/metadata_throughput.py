"""Metadata engine throughput and memory against raw COPY and row-by-row baselines.

Generates N task instances (plus their DAG runs) on a schema migrated by real
Airflow 2.10.3, then measures, each in its own process so peak RSS is per
operation:

* export: raw ``COPY ... TO STDOUT`` (baseline), the engine's full export (gzip,
  sha256, manifest) as a whole ``mwaa-pause-resume metadata export`` process, and
  the row-by-row way (server-side cursor + fetchmany + csv.writer, as the AWS sample
  does);
* import: raw ``COPY ... FROM STDIN`` into a fresh migrated database (baseline),
  the engine's restore (staging tables, id remapping, one transaction; each file
  read once, hashed as it streams) as a whole ``mwaa-pause-resume metadata import``
  process, the same while another session is connected to the target (as on MWAA,
  where the scheduler is: the restore then keeps the indexes, see
  ``metadata/bulk_load.py``), and row-by-row ``executemany`` on a sample of rows;
* verify: reading and hashing every snapshot file on its own (``metadata verify``),
  i.e. the pass an import no longer makes.

The engine's lines time the whole CLI process, start-up included (interpreter,
imports, connecting, catalog queries), from fork to exit, and its peak RSS comes from
``wait4``; the baselines time their operation only (their start-up is not counted),
which favours them. The CLI runs with its bytecode cached, as an installed package
has it (a first ``--help`` run writes the cache under a temporary prefix). The last
column is the machine's 1-minute load average when each operation ended; with
``--export-rounds N`` the export pair runs N times, each engine export compared with
the raw COPY run just before it.

Usage: ``.venv/bin/python bench/metadata_throughput.py --rows 10000 --rows 1000000``
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg2

from mwaa_pause_resume.sandbox.airflow_runtime import AirflowRuntime
from mwaa_pause_resume.sandbox.metadb import MetadataDatabases
from mwaa_pause_resume.sandbox.postgres import LocalPostgres

TASKS_PER_RUN = 20
BIG_TABLES = ("dag_run", "task_instance")  # generated data lives here (FK order)
ROWWISE_IMPORT_SAMPLE = 100_000


def generate(url: str, n_task_instances: int) -> None:
    """Fill dag, dag_run and task_instance with realistic-looking rows, set-based."""
    runs = max(1, n_task_instances // TASKS_PER_RUN)
    sql = f"""
    INSERT INTO dag (dag_id, is_paused, is_active, max_active_tasks,
                     max_consecutive_failed_dag_runs, has_task_concurrency_limits, fileloc)
    SELECT 'bench_dag_' || d, d % 3 = 0, true, 16, 0, false, '/dags/bench_' || d || '.py'
    FROM generate_series(0, 99) d;

    INSERT INTO dag_run (dag_id, queued_at, execution_date, start_date, end_date, state,
                         run_id, external_trigger, run_type, conf, data_interval_start,
                         data_interval_end, clear_number, updated_at)
    SELECT 'bench_dag_' || (r % 100),
           ts, ts, ts, ts + interval '5 minutes',
           CASE WHEN r % 17 = 0 THEN 'failed' ELSE 'success' END,
           'scheduled__' || to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS') || '_' || r,
           false, 'scheduled', '\\x80057d942e'::bytea, ts, ts + interval '1 hour', 0, ts
    FROM (SELECT r, timestamptz '2024-01-01 00:00:00+00' + r * interval '1 minute' AS ts
          FROM generate_series(0, {runs - 1}) r) g;

    INSERT INTO task_instance (task_id, dag_id, run_id, map_index, start_date, end_date,
                               duration, state, try_number, max_tries, hostname, unixname,
                               pool, pool_slots, queue, priority_weight, operator,
                               queued_dttm, pid, executor_config, updated_at,
                               custom_operator_name)
    SELECT 'task_' || t, dr.dag_id, dr.run_id, -1, dr.start_date,
           dr.start_date + interval '42 seconds', 42.0,
           CASE WHEN t = 7 AND dr.state = 'failed' THEN 'failed' ELSE 'success' END,
           1, 0, 'ip-10-0-0-' || (dr.id % 250) || '.ec2.internal', 'airflow',
           'default_pool', 1, 'default', 1, 'PythonOperator', dr.queued_at, 4242,
           '\\x80057d942e'::bytea, dr.end_date, '@task'
    FROM dag_run dr CROSS JOIN generate_series(0, {TASKS_PER_RUN - 1}) t
    WHERE dr.dag_id LIKE 'bench_dag_%';
    ANALYZE;
    """
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql)


class _CountingSink(io.RawIOBase):
    def __init__(self) -> None:
        self.bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.bytes += len(b)
        return len(b)


def _count(url: str, tables: tuple[str, ...]) -> int:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        total = 0
        for table in tables:
            cur.execute(f"SELECT count(*) FROM {table}")
            total += cur.fetchone()[0]  # type: ignore[index]
        return total


# -- operations, each run in a child process -----------------------------------------
def op_raw_copy_to(url: str, work: Path) -> int:
    rows = 0
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        for table in BIG_TABLES:
            with (work / f"{table}.csv").open("wb") as out:
                cur.copy_expert(f"COPY {table} TO STDOUT WITH (FORMAT csv)", out)
            rows += cur.rowcount
    return rows


def op_rowwise_export(url: str, work: Path) -> int:
    rows = 0
    with psycopg2.connect(url) as conn:
        for table in BIG_TABLES:
            with conn.cursor(name=f"stream_{table}") as cur:
                cur.itersize = 10_000
                cur.execute(f"SELECT * FROM {table}")
                sink: Any = _CountingSink()  # a raw stream, as the sample writes
                writer = csv.writer(io.TextIOWrapper(sink, write_through=True))
                while batch := cur.fetchmany(10_000):
                    writer.writerows(batch)
                    rows += len(batch)
    return rows


def op_raw_copy_from(url: str, work: Path) -> int:
    rows = 0
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        for table in BIG_TABLES:
            with (work / f"{table}.csv").open("rb") as src:
                cur.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv)", src)
            rows += cur.rowcount
    return rows


def op_rowwise_import(url: str, work: Path) -> int:
    """executemany INSERT of the first sample rows of each table (slow: sampled)."""
    rows = 0
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        for table in BIG_TABLES:
            with (work / f"{table}.csv").open(newline="") as src:
                reader = csv.reader(src)
                sample = []
                for i, record in enumerate(reader):
                    if i >= ROWWISE_IMPORT_SAMPLE:
                        break
                    sample.append([None if v == "" else v for v in record])
            if not sample:
                continue
            marks = ",".join(["%s"] * len(sample[0]))
            cur.executemany(f"INSERT INTO {table} VALUES ({marks})", sample)
            rows += len(sample)
    return rows


def op_engine_verify(url: str, work: Path) -> int:
    from mwaa_pause_resume.metadata import open_store, verify_snapshot

    report = verify_snapshot(open_store(str(work / "snapshot")))
    return sum(report.rows.values())


OPS = {
    "raw_copy_to": op_raw_copy_to,
    "rowwise_export": op_rowwise_export,
    "raw_copy_from": op_raw_copy_from,
    "rowwise_import": op_rowwise_import,
    "engine_verify": op_engine_verify,
}


def child(op: str, url: str, work: str) -> None:
    start = time.perf_counter()
    rows = OPS[op](url, Path(work))
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss_mb": peak_kb / 1024}))


def run_child(op: str, url: str, work: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", op, url, str(work)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{op} failed:\n{done.stderr[-4000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    result["rows_per_s"] = result["rows"] / result["seconds"]
    result["load"] = os.getloadavg()[0]
    return result


CLI = "from mwaa_pause_resume.cli.app import main; main()"


def _cli_env(pycache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run_cli(op: str, url: str, work: Path, pycache: Path) -> dict[str, float]:
    """``mwaa-pause-resume metadata export|import`` as a whole process: wall time, rows
    (from its --json output) and its own peak RSS."""
    command = "export" if op.startswith("engine_export") else "import"
    # later export rounds write a snapshot of their own (removed by bench)
    snapshot = str(work / ("snapshot" if op == "engine_export" or command == "import" else op))
    place = "--to" if command == "export" else "--from"
    argv = [sys.executable, "-c", CLI, "metadata", command, "--db-url", url, place, snapshot]
    if command == "import":
        argv.append("--allow-unsigned")  # the snapshot this run just exported (no MAC key)
    out_path, err_path = work / f"{op}.out", work / f"{op}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([*argv, "--json"], stdout=out, stderr=err, env=_cli_env(pycache))
        _, status, usage = os.wait4(proc.pid, 0)  # its own rusage (Popen.wait has none)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{op} failed:\n{err_path.read_text()[-4000:]}")
    result = json.loads(out_path.read_text())
    rows = sum(result["rows"].values())
    if command == "import":  # rows of the snapshot, as for the other import lines
        rows = sum(t["snapshot_rows"] for t in result["tables"].values())
    return {
        "rows": rows,
        "seconds": seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "rows_per_s": rows / seconds,
        "load": os.getloadavg()[0],
    }


def bench(
    n: int,
    server: LocalPostgres,
    dbs: MetadataDatabases,
    export_rounds: int = 1,
    *,
    imports: bool = True,
    rowwise: bool = True,
) -> list[tuple[str, dict[str, float]]]:
    work = Path(tempfile.mkdtemp(prefix="mwaa-pr-bench-"))
    try:
        source = dbs.create(f"bench_src_{n}")
        t0 = time.perf_counter()
        generate(source, n)
        print(f"  generated {n:,} task instances in {time.perf_counter() - t0:.1f}s", flush=True)
        pycache = work / "pycache"
        subprocess.run(  # the bytecode cache an installed package has
            [sys.executable, "-c", CLI, "metadata", "--help"],
            env=_cli_env(pycache),
            capture_output=True,
            check=True,
        )
        results = []
        # on a shared machine one pair is one draw of the load: more rounds, each
        # engine export against the raw COPY just before it
        rounds = [("raw_copy_to", "engine_export")] + [
            (f"raw_copy_to_{k}", f"engine_export_{k}") for k in range(2, export_rounds + 1)
        ]
        for raw, engine in rounds:
            results.append((raw, run_child("raw_copy_to", source, work)))
            results.append((engine, run_cli(engine, source, work, pycache)))
            if engine != "engine_export":
                shutil.rmtree(work / engine)
        for op in ("rowwise_export", "engine_verify") if rowwise else ("engine_verify",):
            results.append((op, run_child(op, source, work)))
        import_ops = ("raw_copy_from", "engine_import", "engine_import_busy")
        import_ops += ("rowwise_import",) if rowwise else ()
        for op in import_ops if imports else ():
            target = dbs.create(f"bench_dst_{n}")
            if op == "engine_import":
                results.append((op, run_cli(op, target, work, pycache)))
            elif op == "engine_import_busy":
                other = psycopg2.connect(target)  # another client, idle (a scheduler between loops)
                try:
                    results.append((op, run_cli(op, target, work, pycache)))
                finally:
                    other.close()
            else:
                results.append((op, run_child(op, target, work)))
            server.drop_database(f"bench_dst_{n}")
        server.drop_database(f"bench_src_{n}")
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(n: int, results: list[tuple[str, dict[str, float]]]) -> None:
    by_op = dict(results)
    baselines = {
        "export": by_op["raw_copy_to"]["rows_per_s"],
        "import": by_op["raw_copy_from"]["rows_per_s"] if "raw_copy_from" in by_op else 0.0,
    }
    print(f"\n{n:,} task instances (+ {n // TASKS_PER_RUN:,} dag runs)")
    print(
        f"{'operation':<18} {'rows':>11} {'seconds':>8} {'rows/s':>10} "
        f"{'vs raw COPY':>12} {'peak RSS MB':>12} {'load':>5}"
    )
    for op, r in results:
        base = baselines["export" if "export" in op or op.startswith("raw_copy_to") else "import"]
        if op.startswith(("raw_copy_to_", "engine_export_")):  # a later round: its own baseline
            base = by_op["raw_copy_to_" + op.rsplit("_", 1)[1]]["rows_per_s"]
        # verify reads files only: no database operation to compare it with
        ratio = "-" if op == "engine_verify" else f"{r['rows_per_s'] / base:.2f}x"
        print(
            f"{op:<18} {int(r['rows']):>11,} {r['seconds']:>8.2f} {r['rows_per_s']:>10,.0f} "
            f"{ratio:>12} {r['peak_rss_mb']:>12.1f} {r['load']:>5.1f}"
        )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows",
        type=int,
        action="append",
        help="task instances to generate (repeatable; default 1000000)",
    )
    parser.add_argument(
        "--export-rounds",
        type=int,
        default=1,
        help="raw COPY TO + engine export pairs per size (default 1)",
    )
    parser.add_argument(
        "--export-only", action="store_true", help="leave out the import operations"
    )
    parser.add_argument(
        "--skip-rowwise",
        action="store_true",
        help="leave out the row-by-row baselines (minutes at 5M; they do not change)",
    )
    args = parser.parse_args()
    sizes = args.rows or [1_000_000]
    home = Path(tempfile.mkdtemp(prefix="mwaa-pr-bench-home-"))
    try:
        with LocalPostgres() as server:
            dbs = MetadataDatabases(server, AirflowRuntime("2.10.3").ensure(), home)
            for n in sizes:
                print(f"benchmarking {n:,} task instances ...", flush=True)
                results = bench(
                    n,
                    server,
                    dbs,
                    args.export_rounds,
                    imports=not args.export_only,
                    rowwise=not args.skip_rowwise,
                )
                report(n, results)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
