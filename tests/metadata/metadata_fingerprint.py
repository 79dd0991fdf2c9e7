"""A whole database as a comparable value: every table's rows and every sequence.

Stricter than :func:`metadata_compare.count_all`: two fingerprints are equal only if
every row of every table is the same text and no sequence moved (a restore that
drew ids and then rolled back would still have moved them).
"""

from __future__ import annotations

from typing import Any


def fingerprint(conn: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        for (table,) in sorted(cur.fetchall()):
            cur.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                f'FROM "{table}" t'
            )
            out[table] = tuple(cur.fetchone())
        cur.execute(
            "SELECT sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = current_schema() ORDER BY 1"
        )
        out["(sequences)"] = list(cur.fetchall())
    conn.rollback()
    return out


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Names of the tables (or ``(sequences)``) that differ."""
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
