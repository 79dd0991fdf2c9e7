"""Fleet totals: figures of many environments summed per account and region and over
all (pure). ``report`` sums measured paused hours and savings, ``plan`` its estimates.

A sum of savings where some environment has no price is a lower bound: the total
says how many environments it leaves out rather than reporting ``None`` for all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

OVERALL = "all"


def _add(total: dict[str, Any], item: Mapping[str, Any], fields: Sequence[str]) -> None:
    total["environments"] += 1
    for field in fields:
        value = item.get(field)
        if value is None:  # only a price can be unknown
            total["unpriced"] += "usd" in field
            continue
        total[field] = round(total[field] + float(value), 2)


def totals(items: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> dict[str, Any]:
    """``fields`` of ``items`` (each carrying ``account`` and ``region``) summed per
    account, per region, per (account, region) and overall, each with its count of
    environments and of ``unpriced`` ones (a ``*_usd`` field that was None)."""

    def empty(**where: str | None) -> dict[str, Any]:
        base: dict[str, Any] = {**where, "environments": 0, "unpriced": 0}
        return base | dict.fromkeys(fields, 0.0)

    overall = empty()
    by_account: dict[str | None, dict[str, Any]] = {}
    by_region: dict[str | None, dict[str, Any]] = {}
    by_place: dict[tuple[str | None, str | None], dict[str, Any]] = {}
    for item in items:
        account, region = item.get("account"), item.get("region")
        for total in (
            overall,
            by_account.setdefault(account, empty(account=account)),
            by_region.setdefault(region, empty(region=region)),
            by_place.setdefault((account, region), empty(account=account, region=region)),
        ):
            _add(total, item, fields)

    def ordered(groups: Mapping[Any, dict[str, Any]]) -> list[dict[str, Any]]:
        return [groups[key] for key in sorted(groups, key=_sort_key)]

    return {
        OVERALL: overall,
        "by_account": ordered(by_account),
        "by_region": ordered(by_region),
        "by_account_region": ordered(by_place),
    }


def _sort_key(key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(part or "" for part in key)
    return key or ""


def place_label(account: str | None, region: str | None) -> str:
    """``111122223333 eu-west-1``; the hub's own where the configuration names none."""
    return f"{account or 'hub account'} {region or 'hub region'}"
