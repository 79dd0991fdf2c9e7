"""Which environments of a fleet ``status``, ``plan`` and ``report`` show (pure).

The filters (``--account``, ``--in-region``, ``--tag``) select among the configured
environments by where they live and by their labels: accounts are OR'ed, regions are
OR'ed, tags are AND'ed (:func:`mwaa_pause_resume.config.fleet.matches`). An environment
whose configuration names no account or region lives where the hub does; ``hub`` gives
that place when the caller knows it (``status`` and ``report`` ask AWS, ``plan`` is
offline and only knows what ``[deployment]`` says).

Bad filter syntax and a filter that selects nothing are :class:`UserError` (exit 2),
the same for the three commands: an empty selection is almost always a typo, and a
message naming the values the configuration holds fixes it faster than an empty table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from mwaa_pause_resume.config.aws_rules import account_id, region
from mwaa_pause_resume.config.fleet import Placement, matches, placement, tag_pairs
from mwaa_pause_resume.config.model import DeploymentConfig, EnvironmentConfig
from mwaa_pause_resume.config.problems import Invalid
from mwaa_pause_resume.errors import UserError

ACCOUNT_FLAG = "--account"
REGION_FLAG = "--in-region"
TAG_FLAG = "--tag"
_TAG_KEY_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:/@+-"
)


@dataclass(frozen=True)
class FleetFilter:
    """The fleet filters of one command line (empty: every environment)."""

    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.accounts or self.regions or self.tags)

    def text(self) -> str:
        """The filters as they were typed: ``--account 1111... --tag team=data``."""
        parts = [f"{ACCOUNT_FLAG} {a}" for a in self.accounts]
        parts += [f"{REGION_FLAG} {r}" for r in self.regions]
        parts += [f"{TAG_FLAG} {t}" for t in self.tags]
        return " ".join(parts)


def parse_filter(
    accounts: Sequence[str] | None, regions: Sequence[str] | None, tags: Sequence[str] | None
) -> FleetFilter:
    """The filters, checked: a 12-digit account, a region, ``key`` or ``key=value``."""
    for value in accounts or ():
        _check(ACCOUNT_FLAG, account_id, value)
    for value in regions or ():
        _check(REGION_FLAG, region, value)
    for value in tags or ():
        key = value.partition("=")[0]
        if not key or len(key) > 128 or not set(key) <= _TAG_KEY_CHARACTERS:
            raise UserError(
                f"{TAG_FLAG} {value!r} is not a tag filter.",
                hint=f"write {TAG_FLAG} key=value to match a value or {TAG_FLAG} key to match "
                "any value of the key, e.g. --tag team=data (key: 1-128 of letters, digits "
                "and _.:/@+-)",
            )
    return FleetFilter(
        tuple(dict.fromkeys(accounts or ())),
        tuple(dict.fromkeys(regions or ())),
        tuple(dict.fromkeys(tags or ())),
    )


def _check(flag: str, rule: Callable[[str], str], value: str) -> None:
    try:
        rule(value)
    except Invalid as exc:
        raise UserError(f"{flag}: {exc.message}.", hint=exc.fix) from None


def where(env: EnvironmentConfig, deployment: DeploymentConfig, hub: Placement) -> Placement:
    """The environment's placement, with the hub's own filling what the configuration
    leaves out (still None where neither says)."""
    mine = placement(env, deployment)
    return Placement(mine.account or hub.account, mine.region or hub.region)


def select(
    environments: Iterable[EnvironmentConfig],
    deployment: DeploymentConfig,
    chosen: FleetFilter,
    hub: Placement,
) -> list[EnvironmentConfig]:
    """The environments the filters select, in configuration order; UserError naming
    the values the configuration knows when none is selected."""
    envs = list(environments)
    if not chosen.active:
        return envs
    selected = []
    for env in envs:
        at = where(env, deployment, hub)
        if chosen.accounts and at.account not in chosen.accounts:
            continue
        if chosen.regions and at.region not in chosen.regions:
            continue
        if matches(env, deployment, tags=chosen.tags):
            selected.append(env)
    if not selected:
        raise UserError(
            f"No configured environment matches {chosen.text()}.",
            hint=known_values(envs, deployment, hub),
        )
    return selected


def known_values(
    environments: Sequence[EnvironmentConfig], deployment: DeploymentConfig, hub: Placement
) -> str:
    """What the filters can select in this configuration, for the no-match hint."""
    places = [where(e, deployment, hub) for e in environments]
    accounts = sorted({p.account for p in places if p.account})
    regions = sorted({p.region for p in places if p.region})
    tags = sorted({f"{k}={v}" for e in environments for k, v in tag_pairs(e).items()})
    parts = [
        f"accounts {', '.join(accounts) or 'none named'}",
        f"regions {', '.join(regions) or 'none named'}",
        f"tags {', '.join(tags) or 'none'}",
    ]
    hint = "the configuration has " + "; ".join(parts)
    if any(p.account is None or p.region is None for p in places):
        hint += (
            " (an environment without account or region lives where the deployment does: "
            "set [deployment] account and region to filter on them)"
        )
    return hint


def refuse_name_with_filter(environment: str | None, chosen: FleetFilter) -> None:
    """A name selects one environment, filters select several: not both."""
    if environment and chosen.active:
        raise UserError(
            f"ENV ({environment}) and {chosen.text()} both choose environments.",
            hint=f"give ENV alone to see {environment}, or the filters alone to see the "
            "environments they select",
        )


def spans_fleet(
    environments: Iterable[EnvironmentConfig], deployment: DeploymentConfig, hub: Placement
) -> bool:
    """Whether the configuration's environments live in more than one account or region
    (only then do the outputs show placement columns; single-place output is unchanged)."""
    return len({where(e, deployment, hub) for e in environments}) > 1


def placement_key(at: Placement) -> tuple[str, str]:
    """Sorting and grouping key: by account, then region (an unnamed one, the hub's
    own, first)."""
    return (at.account or "", at.region or "")
