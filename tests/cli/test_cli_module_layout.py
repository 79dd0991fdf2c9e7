"""The command modules of ``cli/`` follow one scheme: ``<command>_cmd.py`` registers
commands and imports no other command module (what two commands share lives in a
helper module of ``cli/`` or in ``operations/``)."""

from __future__ import annotations

import ast
from pathlib import Path

import mwaa_pause_resume.cli
from mwaa_pause_resume.cli.app import COMMAND_MODULES

CLI = Path(mwaa_pause_resume.cli.__file__).parent


def _command_modules() -> set[str]:
    return {path.stem for path in CLI.glob("*_cmd.py")}


def test_every_command_is_registered_by_a_cmd_module() -> None:
    assert all(module.endswith("_cmd") for module in COMMAND_MODULES.values())
    assert set(COMMAND_MODULES.values()) == _command_modules()


def test_no_command_module_imports_another() -> None:
    commands = _command_modules()
    found: list[str] = []
    for name in sorted(commands):
        tree = ast.parse((CLI / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = {node.module.rsplit(".", 1)[-1]}
                if node.module == "mwaa_pause_resume.cli":
                    imported = {alias.name for alias in node.names}
                found += [f"{name} -> {other}" for other in imported & commands - {name}]
    assert found == []
