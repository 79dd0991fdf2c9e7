"""Which (environment, status) routes each notification address receives (pure, no CDK).

Each address is one SNS subscription whose filter policy lists its routes
(``<environment>/<status>``, infra.notifications). SNS refuses a filter policy of more
than :data:`MAX_FILTER_VALUES` value combinations, at deploy time; ``validate`` refuses
the configuration first, naming the address. With the three default
``notification_types`` that is 49 environments per address.
"""

from __future__ import annotations

from collections.abc import Sequence

from mwaa_pause_resume.config.model import Config, EnvironmentConfig

# SNS: "the total combination of values in a filter policy must not exceed 150".
MAX_FILTER_VALUES = 150
ALARM_BRANCH_VALUES = 1  # the branch that lets the attribute-less alarms through


def address_routes(environments: Sequence[EnvironmentConfig]) -> dict[str, set[str]]:
    """E-mail address -> the routes its subscription filters on."""
    from mwaa_pause_resume.functions.notification import route

    routes: dict[str, set[str]] = {}
    for env in environments:
        for email in env.notification_emails:
            routes.setdefault(email, set()).update(
                route(env.name, status) for status in env.notification_types
            )
    return routes


def overfull_address(email: str, routes: int) -> str | None:
    """Why ``email``'s filter policy would pass SNS's limit, or None when it fits."""
    if routes + ALARM_BRANCH_VALUES <= MAX_FILTER_VALUES:
        return None
    return (
        f"{email} would receive {routes} (environment, status) combinations; an SNS filter "
        f"policy holds at most {MAX_FILTER_VALUES - ALARM_BRANCH_VALUES} besides the alarms'"
    )


ROUTES_FIX = (
    "give some environments another notification address (e.g. one per team), or fewer "
    "notification_types; chat channels and webhooks ([notifications], "
    "docs/configuration.md) have no such limit"
)


def overfull_addresses(config: Config) -> list[str]:
    """A message per address whose subscription SNS would refuse, sorted by address."""
    routes = address_routes(config.environments)
    messages = (overfull_address(email, len(r)) for email, r in sorted(routes.items()))
    return [m for m in messages if m]
