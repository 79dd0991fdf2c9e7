"""Tables a fleet's ``plan`` and ``report`` end with: their figures summed per account
and region, per account, per region and over all (:mod:`..operations.fleet_totals`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from mwaa_pause_resume.operations.fleet_totals import OVERALL

# (field, column header, how to write a value)
Column = tuple[str, str, Callable[[float], str]]


def print_totals(out: Console, totals: Mapping[str, Any], columns: Sequence[Column]) -> None:
    """Per account and region with the overall total as its last row; then per account
    (per region) when there are several and one of them spans several regions (accounts):
    otherwise those rows would repeat the first table's."""
    out.print(_table("Totals by account and region", totals["by_account_region"], columns,
                     ("account", "region"), overall=totals[OVERALL]))  # fmt: skip
    for key, title in (("account", "by_account"), ("region", "by_region")):
        rows = totals[title]
        if 1 < len(rows) < len(totals["by_account_region"]):
            out.print(_table(f"Totals by {key}", rows, columns, (key,)))


def _table(
    title: str,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    keys: Sequence[str],
    overall: Mapping[str, Any] | None = None,
) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for key in keys:
        table.add_column(key)
    table.add_column("environments", justify="right")
    for _, header, _ in columns:
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(*(_place(row, key) for key in keys), *_figures(row, columns))
    if overall is not None:
        label = [Text("all", style="bold")] + [Text("")] * (len(keys) - 1)
        table.add_row(*label, *(Text(f, style="bold") for f in _figures(overall, columns)))
    return table


def _place(row: Mapping[str, Any], key: str) -> str:
    return str(row.get(key) or f"hub {key}")


def _figures(row: Mapping[str, Any], columns: Sequence[Column]) -> list[str]:
    figures = [str(row["environments"])]
    for field, _, write in columns:
        text = write(float(row[field]))
        if "usd" in field and row.get("unpriced"):
            text += f" (+{row['unpriced']} unpriced)"
        figures.append(text)
    return figures
