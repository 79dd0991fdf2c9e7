"""Messages a user reads when the file itself is odd: encodings, shapes, number types."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.config.config_helpers import EXAMPLES, environment

CliRun = Callable[..., Any]


def test_whole_number_fix_shows_the_fields_own_default(
    run_cli: CliRun, write_toml: Callable[..., Path]
) -> None:
    write_toml(environments=[environment(min_workers="two", snapshot_retention="7")])

    result = run_cli("validate")

    assert result.exit_code == 2
    assert "min_workers: must be a whole number, not text" in result.stderr
    assert "min_workers = 1" in result.stderr
    assert "snapshot_retention = 7" in result.stderr
    assert "= 60" not in result.stderr


def test_decimal_number_is_named_as_such(run_cli: CliRun, write_toml: Callable[..., Path]) -> None:
    write_toml(environments=[environment(max_workers=2.5)])

    result = run_cli("validate")

    assert result.exit_code == 2
    assert "max_workers: must be a whole number, not 2.5" in result.stderr
    assert "without a decimal point: max_workers = 10" in result.stderr


def test_environments_given_as_text_is_not_called_empty(
    run_cli: CliRun, write_toml: Callable[..., Path]
) -> None:
    write_toml('environments = "dev"\n')

    result = run_cli("validate")

    assert result.exit_code == 2
    assert "environments: must be an array of tables, not text" in result.stderr
    assert "no environment is configured" not in result.stderr


def test_missing_name_is_not_sent_to_defaults(
    run_cli: CliRun, write_toml: Callable[..., Path]
) -> None:
    # [defaults] refuses `name`, so the fix must not suggest putting it there.
    write_toml(environments=[environment(name=None)])

    result = run_cli("validate", "--json")

    assert result.exit_code == 2
    (problem,) = [p for p in _problems(result) if p["field"] == "environments[0].name"]
    assert "is required" in problem["message"]
    assert "[defaults]" not in problem["fix"]
    assert "[[environments]]" in problem["fix"]


def test_byte_order_mark_is_accepted_in_toml_and_dotenv(run_cli: CliRun, tmp_path: Path) -> None:
    bom = "\ufeff"
    toml = tmp_path / "windows.toml"
    toml.write_text(bom + (EXAMPLES / "seed.toml").read_text(encoding="utf-8"), encoding="utf-8")
    dotenv = tmp_path / "windows.env"
    dotenv.write_text(bom + (EXAMPLES / "seed.env").read_text(encoding="utf-8"), encoding="utf-8")

    for path in (toml, dotenv):
        result = run_cli("validate", "--config", str(path))
        assert result.exit_code == 0, result.output


def test_file_that_is_not_utf8_asks_for_utf8(run_cli: CliRun, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('[deployment]\nstack_name = "caf\xe9"\n'.encode("latin-1"))
    dotenv = tmp_path / "latin1.env"
    dotenv.write_bytes("MWAA_ENV_NAME=caf\xe9\n".encode("latin-1"))

    for path in (latin1, dotenv):
        result = run_cli("validate", "--config", str(path))
        assert result.exit_code == 2
        assert "is not UTF-8 text" in result.stderr
        assert "save the file with UTF-8 encoding" in result.stderr
        assert "permissions" not in result.stderr


def test_config_option_naming_a_directory_suggests_the_file_inside(
    run_cli: CliRun, tmp_path: Path
) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()

    result = run_cli("validate", "--config", str(folder))

    assert result.exit_code == 2
    assert f"{folder} is a directory" in result.stderr
    assert f"--config {folder / 'mwaa-pause-resume.toml'}" in result.stderr


def _problems(result: Any) -> list[dict[str, str]]:
    import json

    problems: list[dict[str, str]] = json.loads(result.stdout)["problems"]
    return problems


def test_unreadable_dotenv_line_is_not_also_reported_as_missing(
    run_cli: CliRun, tmp_path: Path
) -> None:
    seed = (EXAMPLES / "seed.env").read_text(encoding="utf-8")
    broken = seed.replace(
        "MWAA_PAUSE_CRON_SCHEDULE='0 20 ? * MON-FRI *'",
        "MWAA_PAUSE_CRON_SCHEDULE='0 20 ? * MON-FRI *",
    )
    assert broken != seed
    (tmp_path / ".env").write_text(broken, encoding="utf-8")

    result = run_cli("validate", "--json")

    assert result.exit_code == 2
    problems = _problems(result)
    assert [p["message"] for p in problems] == [
        "MWAA_PAUSE_CRON_SCHEDULE: the ' quote is never closed"
    ]
