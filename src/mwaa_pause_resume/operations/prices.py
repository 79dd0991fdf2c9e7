"""MWAA hourly prices: the bundled, dated table (prices.json) plus the config's overrides."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

from mwaa_pause_resume.config.model import EnvironmentConfig, PriceOverride


@dataclass(frozen=True)
class ClassPrice:
    """USD per hour for one environment class; ``None`` = not known."""

    environment: float
    extra_worker: float | None
    extra_scheduler: float | None
    origin: str  # where the figure comes from, for the plan's output


@dataclass(frozen=True)
class HourlyPrice:
    """The price of one configured environment, or why it cannot be computed."""

    usd_per_hour: float | None
    basis: str  # e.g. "mw1.small 0.49 + 1 extra worker x 0.055 (bundled table ...)"
    problem: str | None = None


@dataclass(frozen=True)
class PriceTable:
    currency: str
    region: str
    as_of: str
    source: str
    included_workers: int
    included_schedulers: int
    classes: Mapping[str, ClassPrice] = field(default_factory=dict)

    def with_overrides(
        self, overrides: Mapping[str, PriceOverride], origin: str = "config [prices]"
    ) -> PriceTable:
        """A copy where each overridden class is replaced as a whole (no mixing of regions)."""
        classes = dict(self.classes)
        for name, override in overrides.items():
            classes[name] = ClassPrice(
                environment=override.environment,
                extra_worker=override.extra_worker,
                extra_scheduler=override.extra_scheduler,
                origin=origin,
            )
        return replace(self, classes=classes)

    def hourly_price(self, env: EnvironmentConfig) -> HourlyPrice:
        """Base price + workers above the included one at min_workers + schedulers above two."""
        price = self.classes.get(env.environment_class)
        if price is None:
            known = ", ".join(sorted(self.classes))
            return HourlyPrice(
                None,
                "unknown",
                f"no price for environment class {env.environment_class!r} (known: {known}); "
                f'add [prices."{env.environment_class}"] with environment = <USD per hour> to the '
                "config to estimate the saving",
            )
        extra_workers = max(0, env.min_workers - self.included_workers)
        extra_schedulers = max(0, env.schedulers - self.included_schedulers)
        total = price.environment
        basis = [f"{env.environment_class} {price.environment:g}"]
        for count, unit, label in (
            (extra_workers, price.extra_worker, "extra worker"),
            (extra_schedulers, price.extra_scheduler, "extra scheduler"),
        ):
            if not count:
                continue
            if unit is None:
                return HourlyPrice(
                    None,
                    "unknown",
                    f"no {label} price for {env.environment_class} ({price.origin}); set "
                    f'{label.replace(" ", "_")} under [prices."{env.environment_class}"] in the '
                    "config to estimate the saving",
                )
            total += count * unit
            basis.append(f"{count} {label}{'s' if count > 1 else ''} x {unit:g}")
        return HourlyPrice(round(total, 6), " + ".join(basis) + f" USD/h ({price.origin})")


def _class_price(name: str, raw: Any, origin: str) -> ClassPrice:
    if not isinstance(raw, dict) or not isinstance(raw.get("environment"), int | float):
        raise ValueError(f"prices.json: class {name!r} needs a numeric 'environment' price")
    return ClassPrice(
        environment=float(raw["environment"]),
        extra_worker=None if raw.get("extra_worker") is None else float(raw["extra_worker"]),
        extra_scheduler=(
            None if raw.get("extra_scheduler") is None else float(raw["extra_scheduler"])
        ),
        origin=origin,
    )


@cache
def bundled_prices() -> PriceTable:
    """The table shipped with the package (see its ``as_of`` and ``source``)."""
    text = resources.files("mwaa_pause_resume.operations").joinpath("prices.json").read_text()
    raw = json.loads(text)
    origin = f"bundled table, {raw['region']}, {raw['as_of']}"
    return PriceTable(
        currency=raw["currency"],
        region=raw["region"],
        as_of=raw["as_of"],
        source=raw["source"],
        included_workers=int(raw["included_workers"]),
        included_schedulers=int(raw["included_schedulers"]),
        classes={name: _class_price(name, value, origin) for name, value in raw["classes"].items()},
    )


def price_table(overrides: Mapping[str, PriceOverride] | None = None) -> PriceTable:
    """The bundled table with the config's ``prices`` applied."""
    table = bundled_prices()
    return table.with_overrides(overrides) if overrides else table
