"""The ``mwaa-pause-resume`` entry point.

Command modules load when their command runs (:class:`LazyCommands`): ``metadata
export`` imports neither the configuration, the operations nor the sandbox modules,
and quick commands (``plan``, ``validate``) never pay for boto3, psycopg2 or
aws-cdk-lib. The help and an unknown command's suggestions load them all.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any, Literal

import typer
from typer.core import TyperGroup

from mwaa_pause_resume import __version__
from mwaa_pause_resume.errors import MwaaPauseResumeError

# Each command of the root and the module of mwaa_pause_resume.cli that registers it
# (its ``register(app)``), in the order the help lists them. A command module is named
# ``<command>_cmd.py`` (commands that share one module: ``pause_resume_cmd``, ``stack_cmd``
# for synth/deploy/destroy, ``override_cmd``); the other modules of cli/ are helpers
# (``*_view.py`` print, ``options``, ``output``).
COMMAND_MODULES: dict[str, str] = {
    "plan": "plan_cmd",
    "validate": "validate_cmd",
    "synth": "stack_cmd",
    "deploy": "stack_cmd",
    "destroy": "stack_cmd",
    "policy": "policy_cmd",
    "spoke-template": "spoke_template_cmd",
    "init": "init_cmd",
    "pause": "pause_resume_cmd",
    "resume": "pause_resume_cmd",
    "status": "status_cmd",
    "keep-awake": "override_cmd",
    "stay-paused": "override_cmd",
    "override": "override_cmd",
    "report": "report_cmd",
    "sandbox": "sandbox_cmd",
    "metadata": "metadata_cmd",
    "snapshots": "snapshots_cmd",
    "upgrade-check": "upgrade_check_cmd",
}
RICH_MARKUP_MODE: Literal["rich"] = "rich"


def module_commands(module: str) -> dict[str, Any]:
    """The click commands ``mwaa_pause_resume.cli.<module>`` registers, by name."""
    registered = typer.Typer(rich_markup_mode=RICH_MARKUP_MODE)
    importlib.import_module(f"mwaa_pause_resume.cli.{module}").register(registered)
    return dict(typer.main.get_group(registered).commands)


class LazyCommands(MutableMapping[str, Any]):
    """The root's commands, each module imported on the first look-up of one of its
    commands; listing them (help, suggestions, completion) imports every module."""

    def __init__(self) -> None:
        self._loaded: dict[str, Any] = {}

    def _load(self, module: str) -> None:
        for name, command in module_commands(module).items():
            self._loaded.setdefault(name, command)

    def _load_all(self) -> None:
        for module in dict.fromkeys(COMMAND_MODULES.values()):
            self._load(module)

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded and name in COMMAND_MODULES:
            self._load(COMMAND_MODULES[name])
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        self._load_all()
        ordered = [name for name in COMMAND_MODULES if name in self._loaded]
        return iter([*ordered, *(name for name in self._loaded if name not in COMMAND_MODULES)])

    def __len__(self) -> int:
        self._load_all()
        return len(self._loaded)

    def __contains__(self, name: object) -> bool:
        return name in COMMAND_MODULES or name in self._loaded


class LazyRoot(TyperGroup):
    """The root group, its commands in a :class:`LazyCommands`."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands()


app = typer.Typer(
    name="mwaa-pause-resume",
    cls=LazyRoot,
    help=(
        "Pause (snapshot + delete) and resume (re-create + restore) Amazon MWAA "
        "environments on daylight-saving-aware schedules.\n\n"
        "Start here: [bold]mwaa-pause-resume sandbox[/] runs a whole pause/resume cycle "
        "on this machine (no AWS account); with AWS, [bold]init --from-environment NAME[/], "
        "then [bold]plan[/], [bold]deploy[/] and [bold]status[/]."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=RICH_MARKUP_MODE,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mwaa-pause-resume {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Pause and resume MWAA environments, restoring configuration and Airflow metadata."""


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn expected errors into a message and an exit code, never a traceback."""
    try:
        app(args=argv, standalone_mode=True)
    except MwaaPauseResumeError as exc:  # raised outside a command (rare)
        from mwaa_pause_resume.cli.output import report_error

        report_error(exc)
        sys.exit(exc.exit_code)
