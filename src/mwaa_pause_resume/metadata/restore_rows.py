"""Writing a restore's staged rows into the target's tables, in foreign-key order.

Per table: rows whose parent row was not restored are dropped, the table's policy
(``tables.KEPT``) meets the target's own rows (insert, keep the target's, merge, reuse),
then one set-based ``INSERT ... SELECT`` gives surrogate ids new values from the target's
sequences and rewrites every reference through a mapping table (``_mpr_m_<table>``).
Rows skipped here are remembered (``_mpr_k_<table>``) so their dependents follow them.
"""

from __future__ import annotations

from mwaa_pause_resume.metadata import bulk_load
from mwaa_pause_resume.metadata.catalog import TableInfo, quote
from mwaa_pause_resume.metadata.errors import SnapshotIncompatible
from mwaa_pause_resume.metadata.restore_job import RestoreJob
from mwaa_pause_resume.metadata.restore_report import TableResult
from mwaa_pause_resume.metadata.tables import KEPT
from mwaa_pause_resume.metadata.topology import INTEGER_TYPES, Link


def _skip_table(job: RestoreJob, name: str, stg: str) -> str:
    skip = quote(f"_mpr_k_{name}")
    if name not in job.skipped:
        job.exec(f"CREATE TEMP TABLE {skip} ON COMMIT DROP AS SELECT * FROM {stg} WITH NO DATA")
        job.skipped[name] = 0
    return skip


def _delete_into_skip(job: RestoreJob, name: str, stg: str, using: str, cond: str) -> int:
    """Delete matching staging rows, remembering them when other tables depend on them."""
    if name in job.has_children:
        skip = _skip_table(job, name, stg)
        count = job.exec(
            f"WITH d AS (DELETE FROM {stg} s {using} WHERE {cond} "
            f"RETURNING s.*) INSERT INTO {skip} SELECT * FROM d"
        )
        job.skipped[name] += count
        return count
    return job.exec(f"DELETE FROM {stg} s {using} WHERE {cond}")


def drop_orphans(job: RestoreJob, name: str, stg: str) -> int:
    """Drop staged rows whose parent row was skipped; the rows dropped."""
    total = 0
    for link in job.links:
        if link.table != name or not job.skipped.get(link.parent):
            continue
        skip = quote(f"_mpr_k_{link.parent}")
        match = " AND ".join(
            f"k.{quote(p)} = s.{quote(c)}"
            for c, p in zip(link.columns, link.parent_columns, strict=True)
        )
        total += _delete_into_skip(
            job, name, stg, "", f"EXISTS (SELECT 1 FROM {skip} k WHERE {match})"
        )
    return total


def match_key(job: RestoreJob, info: TableInfo) -> tuple[str, ...]:
    """The columns a merge or reuse policy matches the target's rows on."""
    rule = KEPT[info.name]
    if rule.match:
        return rule.match
    keys = info.natural_keys()
    if not keys:
        raise SnapshotIncompatible(
            f"table {info.name} has no natural key in the target to match rows on",
            hint="the target schema differs from what this tool knows",
        )
    return keys[0]


def apply_policy(
    job: RestoreJob, info: TableInfo, stg: str, cols: list[str], result: TableResult
) -> None:
    """The table's policy (``tables.KEPT``) against the rows the target already has."""
    rule = KEPT[info.name]
    name, table = info.name, quote(info.name)
    if rule.policy == "insert":
        if name in job.has_children:  # a colliding row takes its dependents with it
            for key in info.natural_keys():
                cond = " AND ".join(f"s.{quote(k)} = t.{quote(k)}" for k in key)
                result.skipped_conflict += _delete_into_skip(
                    job, name, stg, f"USING {table} t", cond
                )
        return
    if rule.policy == "keep_target":
        for key in info.natural_keys():
            cond = " AND ".join(f"s.{quote(k)} = t.{quote(k)}" for k in key)
            result.kept_target += _delete_into_skip(job, name, stg, f"USING {table} t", cond)
        return
    key = match_key(job, info)
    cond = " AND ".join(f"s.{quote(k)} = t.{quote(k)}" for k in key)
    if rule.policy == "merge":
        targets = [
            c
            for c in (rule.merge_columns or cols)
            if c in cols and c not in key and c != info.serial
        ]
        sets = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in targets)
        busy = (
            " AND NOT EXISTS (SELECT 1 FROM _mpr_busy b WHERE b.dag_id = t.dag_id)"
            if name == "dag"
            else ""
        )
        result.updated = job.exec(f"UPDATE {table} t SET {sets} FROM {stg} s WHERE {cond}{busy}")
    if name in job.mapped and info.serial:
        serial = quote(info.serial)
        _ensure_map(job, name)
        job.exec(
            f"INSERT INTO {quote('_mpr_m_' + name)} SELECT s.{serial}, t.{serial} "
            f"FROM {stg} s JOIN {table} t ON {cond}"
        )
    matched = job.exec(f"DELETE FROM {stg} s USING {table} t WHERE {cond}")
    if rule.policy == "reuse":
        result.matched = matched
    else:  # merge: a matched row not overwritten (a DAG busy in the target) stays the target's
        result.kept_target += matched - result.updated


def _ensure_map(job: RestoreJob, name: str) -> None:
    job.exec(
        f"CREATE TEMP TABLE IF NOT EXISTS {quote('_mpr_m_' + name)} "
        "(old_id bigint PRIMARY KEY, new_id bigint NOT NULL) ON COMMIT DROP"
    )


def insert(
    job: RestoreJob, info: TableInfo, stg: str, cols: list[str], result: TableResult
) -> None:
    """Insert the staged rows with new surrogate ids and rewritten references."""
    name, rule = info.name, KEPT[info.name]
    job.cur.execute(f"SELECT count(*) FROM {stg}")
    remaining = int(job.cur.fetchone()[0])
    joins: list[str] = []
    targets: list[str] = []
    exprs: list[str] = []
    refs = {lk.columns[0]: lk for lk in job.links if lk.table == name and len(lk.columns) == 1}
    types = {c.name: c.type for c in info.columns}
    order = ""
    for col in cols:
        q = quote(col)
        if col == info.serial:
            order = f" ORDER BY s.{q}"
            if name not in job.mapped:
                continue  # the column default (nextval) numbers the rows
            _ensure_map(job, name)
            mapping = quote("_mpr_m_" + name)
            job.exec(
                f"INSERT INTO {mapping} SELECT x.id, nextval(%s) FROM "
                f"(SELECT s.{q} AS id FROM {stg} s ORDER BY s.{q}) x",
                (info.sequence,),
            )
            joins.append(f"JOIN {mapping} m ON m.old_id = s.{q}")
            expr = "m.new_id"
        elif col in rule.clear:
            expr = "NULL"
        elif col in refs and _is_id_link(job, refs[col]):
            link = refs[col]
            if link.parent in job.mapped:
                alias = f"r{len(joins)}"
                joins.append(
                    f"LEFT JOIN {quote('_mpr_m_' + link.parent)} {alias} ON {alias}.old_id = s.{q}"
                )
                expr = f"{alias}.new_id"
            elif link.parent not in job.names and types.get(col) in INTEGER_TYPES:
                expr = "NULL"  # e.g. note authors in ab_user, which is not copied
            else:
                expr = f"s.{q}"
        else:
            expr = f"s.{q}"
        targets.append(q)
        exprs.append(expr)
    bulk = None
    if remaining >= bulk_load.BULK_ROWS:
        bulk = _bulk_insert(job, info, stg, targets=targets, exprs=exprs, joins=joins, order=order)
    if bulk is None:
        sql = (
            f"INSERT INTO {quote(name)} ({', '.join(targets)}) SELECT {', '.join(exprs)} "
            f"FROM {stg} s {' '.join(joins)}{order} ON CONFLICT DO NOTHING"
        )
        bulk = job.exec(sql)
    result.inserted = bulk
    result.skipped_conflict += remaining - result.inserted


def _bulk_insert(
    job: RestoreJob,
    info: TableInfo,
    stg: str,
    *,
    targets: list[str],
    exprs: list[str],
    joins: list[str],
    order: str,
) -> int | None:
    """A large table's insert without row-by-row costs (see bulk_load); the rows it
    inserts, or None when a unique key collided anyway (nothing done: take the
    ON CONFLICT path)."""
    from psycopg2.errors import UniqueViolation

    table = quote(info.name)
    by_col = dict(zip(targets, exprs, strict=True))
    pk = [quote(c) for c in info.primary_key]
    if not order and pk and all(c in by_col for c in pk):  # right-edge B-tree inserts
        order = " ORDER BY " + ", ".join(by_col[c] for c in pk)
    # ON CONFLICT DO NOTHING against the target's rows, as an anti-join per unique key
    # (a key the insert does not fill is left to the unique index: see the fallback)
    absent = [
        "NOT EXISTS (SELECT 1 FROM {} t_ WHERE {})".format(
            table, " AND ".join(f"t_.{quote(c)} = {by_col[quote(c)]}" for c in key)
        )
        for key in info.unique_keys
        if all(quote(c) in by_col for c in key)
    ]
    where = f" WHERE {' AND '.join(absent)}" if absent else ""
    job.exec("SAVEPOINT _mpr_bulk")
    try:
        deferred = (
            bulk_load.defer_indexes(job.cur, info.name)
            if bulk_load.may_rebuild(job.cur, info.name)
            else None
        )
        inserted = job.exec(
            f"INSERT INTO {table} ({', '.join(targets)}) SELECT {', '.join(exprs)} "
            f"FROM {stg} s {' '.join(joins)}{where}{order}"
        )
        if deferred is not None:
            bulk_load.rebuild(job.cur, deferred)
    except UniqueViolation:
        job.exec("ROLLBACK TO SAVEPOINT _mpr_bulk")  # indexes back, no row written
        return None
    job.exec("RELEASE SAVEPOINT _mpr_bulk")
    return inserted


def latest_id(job: RestoreJob, info: TableInfo) -> int | None:
    """The target's highest surrogate id in ``info`` (None: none, or no serial)."""
    if not info.serial:
        return None
    job.cur.execute(f"SELECT max({quote(info.serial)}) FROM {quote(info.name)}")
    value = job.cur.fetchone()[0]
    return None if value is None else int(value)


def keep_latest(job: RestoreJob, info: TableInfo, latest: int) -> None:
    """Airflow gives new runs the newest log_template row, which must stay the target's.

    Snapshot templates the target lacks (an environment upgraded from an older
    Airflow) got higher ids; a copy of the target's own template goes after them,
    as Airflow's own template synchronisation would add it.
    """
    assert info.serial is not None
    serial = quote(info.serial)
    cols = [c for c in info.column_names if c != info.serial]
    exprs = ["now()" if c == "created_at" else quote(c) for c in cols]
    job.exec(
        f"INSERT INTO {quote(info.name)} ({', '.join(quote(c) for c in cols)}) "
        f"SELECT {', '.join(exprs)} FROM {quote(info.name)} WHERE {serial} = %s "
        f"AND EXISTS (SELECT 1 FROM {quote(info.name)} WHERE {serial} > %s)",
        (latest, latest),
    )


def _is_id_link(job: RestoreJob, link: Link) -> bool:
    parent = job.catalog.tables.get(link.parent)
    return parent is None or link.parent_columns == (parent.serial,)


def sequences(job: RestoreJob) -> None:
    """Sequences already cover every id we drew; lift any that lags behind max(id)."""
    for name in job.names:
        info = job.catalog.tables[name]
        if not (info.serial and info.sequence):
            continue
        job.exec(
            f"SELECT setval(%s::regclass, x.m) FROM (SELECT max({quote(info.serial)}) AS m "
            f"FROM {quote(name)}) x WHERE x.m IS NOT NULL AND x.m > "
            "coalesce(pg_sequence_last_value(%s::regclass), 0)",
            (info.sequence, info.sequence),
        )
