"""``mwaa-pause-resume validate``: check the configuration and summarize it."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape

from mwaa_pause_resume.cli.options import ConfigOption, JsonOption
from mwaa_pause_resume.cli.output import console, handle_errors, print_json
from mwaa_pause_resume.config import Config, ConfigError, load_config
from mwaa_pause_resume.errors import EXIT_BAD_INPUT


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the application."""
    app.command("validate")(validate)


@handle_errors
def validate(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Check the configuration and list every problem with its fix (exit 0 valid, 2 invalid).

    Offline: no AWS call. With --json the problems are printed on stdout as
    {"valid", "source", "environments", "problems": [{"field", "message", "fix"}]}.

    Examples:
    $ mwaa-pause-resume validate
    $ mwaa-pause-resume validate --config .env --json
    """
    # Imported here: listing the commands (the help) does not load infra.
    from mwaa_pause_resume.infra.role_policy_size import refuse_oversized_roles

    try:
        loaded = refuse_oversized_roles(load_config(config))
    except ConfigError as exc:
        if not as_json:
            raise
        print_json(
            {
                "valid": False,
                "source": exc.source,
                "environments": [],
                "problems": [p.as_dict() for p in exc.problems],
            }
        )
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if as_json:
        print_json(summary(loaded))
        return
    _print_summary(loaded)


def summary(config: Config) -> dict[str, Any]:
    out: dict[str, Any] = {
        "valid": True,
        "source": config.source,
        "environments": [env.name for env in config.environments],
        "problems": [],
    }
    if config.notifications.configured:  # [notifications]: chat channels and webhook
        out["notifications"] = config.notifications.describe()
    out["stack"] = _stack_size(config)
    return out


def _stack_size(config: Config) -> dict[str, Any]:
    """The layout, each stack's estimated resources against the limit, and what from."""
    from mwaa_pause_resume.config.stack_size import choose_layout, sources, stack_sizes

    made_of = sources(config)
    return {
        **stack_sizes(config, choose_layout(config)).as_dict(),
        "computed_from": {
            "environments": made_of.environments,
            "dags_folders": made_of.dags_folders,
            "execution_role_policies": made_of.execution_role_policies,
            "email_addresses": made_of.email_addresses,
            "vpcs_with_endpoints": made_of.vpcs,
        },
    }


def _print_summary(config: Config) -> None:
    # Plain lines rather than a table: nothing gets truncated on a narrow terminal.
    count = len(config.environments)
    out = console()
    out.print(
        f"[green]Valid:[/] {count} environment{'s' if count != 1 else ''} "
        f"(stack {config.deployment.stack_name}), read from {escape(config.source)}.",
        highlight=False,
    )
    for env in config.environments:
        out.print(
            f"  {env.name}: pause {env.pause_schedule!r}, resume {env.resume_schedule!r}, "
            f"time zone {env.timezone}, {env.environment_class}, "
            f"missed runs {env.missed_runs}",
            highlight=False,
            markup=False,
        )
    for line in config.notifications.describe():
        out.print(f"  notifications: {line}", highlight=False, markup=False)
    out.print(f"  stack: {_stack_line(config)}", highlight=False, markup=False)


def _stack_line(config: Config) -> str:
    from mwaa_pause_resume.config.stack_size import choose_layout, sources, stack_sizes

    sizes = stack_sizes(config, choose_layout(config))
    return f"{sizes.describe()}, computed from {sources(config).describe()}"
