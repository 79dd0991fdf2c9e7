"""The foreign-key graph of the kept tables: restore order and id references.

Edges come from declared foreign keys plus :data:`tables.KEPT` ``refs`` (integer
columns that hold another table's surrogate id without a declared key, e.g.
``task_instance.job_id``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mwaa_pause_resume.metadata.catalog import Catalog
from mwaa_pause_resume.metadata.tables import KEPT

INTEGER_TYPES = ("integer", "bigint", "smallint")


@dataclass(frozen=True)
class Link:
    """``table.columns`` refer to ``parent.parent_columns``."""

    table: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]


def links(catalog: Catalog, tables: Iterable[str]) -> list[Link]:
    """Every reference from one of ``tables`` (declared FKs and known id columns)."""
    wanted = set(tables)
    out: list[Link] = []
    for fk in catalog.foreign_keys:
        if fk.table in wanted and fk.ref_table != fk.table:
            out.append(Link(fk.table, fk.columns, fk.ref_table, fk.ref_columns))
    declared = {(link.table, link.columns) for link in out}
    for name in wanted:
        info = catalog.tables[name]
        types = {c.name: c.type for c in info.columns}
        for col, parent in KEPT[name].refs.items() if name in KEPT else ():
            if (name, (col,)) in declared or types.get(col) not in INTEGER_TYPES:
                continue
            parent_info = catalog.tables.get(parent)
            parent_id = parent_info.serial if parent_info else None
            out.append(Link(name, (col,), parent, (parent_id or "id",)))
    return out


def restore_order(catalog: Catalog, tables: Iterable[str]) -> list[str]:
    """Parents before children (stable: ties keep the order of ``tables``)."""
    names = list(dict.fromkeys(tables))
    present = set(names)
    parents: dict[str, set[str]] = {n: set() for n in names}
    for link in links(catalog, names):
        if link.parent in present:
            parents[link.table].add(link.parent)
    done: list[str] = []
    placed: set[str] = set()
    while len(done) < len(names):
        ready = [n for n in names if n not in placed and parents[n] <= placed]
        if not ready:  # a cycle: place the rest in the given order (FKs checked at commit)
            ready = [n for n in names if n not in placed]
        for name in ready:
            done.append(name)
            placed.add(name)
    return done
