"""Find and load the configuration: ``--config`` > ``mwaa-pause-resume.toml`` > seed variables.

Kept to the standard library so that quick commands (``plan``, ``validate``)
start fast.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from mwaa_pause_resume.config.build import build_config
from mwaa_pause_resume.config.dotenv import DotEnv, parse_dotenv
from mwaa_pause_resume.config.model import Config
from mwaa_pause_resume.config.problems import ConfigError, Problem
from mwaa_pause_resume.config.seed_env import describes_environment, read_seed_variables
from mwaa_pause_resume.parsing import TomlTooDeep, loads_toml

DEFAULT_FILE_NAME = "mwaa-pause-resume.toml"
DOTENV_FILE_NAME = ".env"


def load_config(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """Load and validate the configuration, or raise :class:`ConfigError` with every problem.

    ``path`` (``--config``) wins; a name ending in ``.env`` is read as the seed's
    variables. Otherwise ``mwaa-pause-resume.toml`` in ``cwd``, otherwise the
    seed's variables from ``environ`` and ``cwd/.env`` (``environ`` wins).
    """
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    if path is not None:
        path = path if path.is_absolute() else cwd / path
        if not path.is_file():
            if path.is_dir():
                what = "is a directory"
                fix = f"pass the file itself, e.g. --config {path / DEFAULT_FILE_NAME}"
            else:
                what = "does not exist"
                fix = (
                    f"check the path, or create {path.name} "
                    "(examples/mwaa-pause-resume.toml is a commented one)"
                )
            raise ConfigError([Problem("--config", f"{path} {what}", fix)], source=str(path))
        if path.name.endswith(DOTENV_FILE_NAME):
            return _load_seed(environ, path)
        return load_toml(path)
    default = cwd / DEFAULT_FILE_NAME
    if default.is_file():
        return load_toml(default)
    dotenv = cwd / DOTENV_FILE_NAME
    if dotenv.is_file() or describes_environment(environ):
        return _load_seed(environ, dotenv if dotenv.is_file() else None)
    raise ConfigError(
        [
            Problem(
                "config",
                f"looked for --config, {default}, {dotenv} and the MWAA_* environment variables",
                f"create {DEFAULT_FILE_NAME} (copy examples/mwaa-pause-resume.toml), run "
                "`mwaa-pause-resume init --from-environment NAME`, or set the AWS sample's "
                "variables (MWAA_ENV_NAME, ...) in the environment or in .env",
            )
        ],
        source="no configuration",
        headline="No configuration found.",
        hint=None,
    )


def load_toml(path: Path) -> Config:
    try:
        # utf-8-sig: editors on Windows save a byte-order mark that tomllib rejects.
        tree = loads_toml(path.read_text(encoding="utf-8-sig"))
    except TomlTooDeep as exc:
        raise ConfigError(
            [
                Problem(
                    str(path),
                    f"is not a usable configuration: {exc}",
                    "remove the nested value: the configuration nests no deeper than "
                    "[section] tables holding values and lists",
                )
            ],
            source=str(path),
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            [
                Problem(
                    str(path),
                    f"is not valid TOML: {exc}",
                    "fix the syntax at that line (strings need double quotes, tables "
                    "[brackets], arrays of tables [[double brackets]])",
                )
            ],
            source=str(path),
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([_unreadable(path, exc)], source=str(path)) from None
    return build_config(tree, source=str(path))


def _unreadable(path: Path, exc: Exception) -> Problem:
    if isinstance(exc, UnicodeDecodeError):
        return Problem(
            str(path),
            f"is not UTF-8 text ({exc.reason} at byte {exc.start})",
            "save the file with UTF-8 encoding",
        )
    return Problem(str(path), f"cannot be read: {exc}", "check the path and its permissions")


def _load_seed(environ: Mapping[str, str], dotenv_path: Path | None) -> Config:
    dotenv: DotEnv | None = None
    if dotenv_path is not None:
        try:
            text = dotenv_path.read_text(encoding="utf-8-sig")  # tolerate a byte-order mark
            dotenv = parse_dotenv(text, str(dotenv_path))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError([_unreadable(dotenv_path, exc)], source=str(dotenv_path)) from None
    source = "environment variables" + (f" and {dotenv_path}" if dotenv_path else "")
    tree, naming, problems = read_seed_variables(environ, dotenv, str(dotenv_path or ""))
    try:
        config = build_config(tree, source=source, naming=naming)
    except ConfigError as exc:
        unreadable = dotenv.unreadable if dotenv else set()
        problems.extend(
            p
            for p in exc.problems
            if p not in problems and not (p.field in unreadable and p.message == "is required")
        )
    if problems:
        raise ConfigError(problems, source=source)
    return config
