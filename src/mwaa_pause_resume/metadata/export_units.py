"""What the export's readers take turns on: whole tables, or ranges of a large table.

With two readers (``export_snapshot(connect=...)``) a table of at least
``SPLIT_MIN_PAGES`` heap pages is read in ranges of ``CHUNK_PAGES`` pages (by ``ctid``,
which PostgreSQL 14+ scans as a TID range, reading only those pages), so both
connections, and both client cores compressing, work on it at once. Each range
becomes one gzip member of the table's file. Pure functions: no database here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mwaa_pause_resume.metadata.catalog import quote

# Measured at 1M task instances (BENCHMARKS.md, session 7): 32 MiB ranges balance the two
# readers better than 64 MiB ones; a table below two ranges is not worth splitting.
CHUNK_PAGES = 4096
SPLIT_MIN_PAGES = 2 * CHUNK_PAGES
# TID range scans (``ctid >= ... AND ctid < ...`` reading only those pages) exist since
# PostgreSQL 14; before, each range would scan the whole table.
TID_RANGE_SCAN_VERSION = 140000


@dataclass(frozen=True)
class Unit:
    """A whole table (``of == 1``) or its ``index``-th of ``of`` page ranges."""

    table: str
    index: int = 0
    of: int = 1
    first_page: int = 0
    end_page: int | None = None  # None: to the end of the table (rows added since count too)

    @property
    def split(self) -> bool:
        return self.of > 1

    def ctid_condition(self) -> str:
        """The SQL condition selecting this range's rows (empty for a whole table)."""
        if not self.split:
            return ""
        column = f"{quote(self.table)}.ctid"
        condition = f"{column} >= '({self.first_page},0)'::tid"
        if self.end_page is not None:
            condition += f" AND {column} < '({self.end_page},0)'::tid"
        return condition


def plan_units(
    order: Sequence[str],
    pages: Mapping[str, int],
    splittable: set[str],
    *,
    chunk_pages: int | None = None,
    split_min_pages: int | None = None,
) -> list[Unit]:
    """Work for two readers, largest first: ranges of every table in ``splittable`` with
    at least ``split_min_pages`` pages, the other tables whole. The last range of a
    table is open-ended, so a page count taken a moment late loses no row."""
    chunk = chunk_pages or CHUNK_PAGES
    least = split_min_pages or SPLIT_MIN_PAGES
    units: list[Unit] = []
    for name in sorted(order, key=lambda n: -pages.get(n, 0)):
        size = pages.get(name, 0)
        if name not in splittable or size < least:
            units.append(Unit(name))
            continue
        starts = list(range(0, size, chunk))
        for index, first in enumerate(starts):
            end = None if index == len(starts) - 1 else first + chunk
            units.append(Unit(name, index, len(starts), first, end))
    return units
