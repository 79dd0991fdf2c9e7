"""``report``'s bad input ends in a message and exit code 2, before any AWS call."""

from __future__ import annotations

from tests.cli.test_cli_input_errors import assert_user_error, no_aws, run

__all__ = ["no_aws"]  # the autouse fixture: no credentials, a configuration in the cwd


def test_a_mistyped_month_is_named_with_the_format() -> None:
    result = run("report", "--month", "2026-13")

    assert_user_error(result, "--month '2026-13' is not a month", "YYYY-MM")


def test_an_unknown_environment_suggests_the_close_name() -> None:
    result = run("report", "dev-en", "--month", "2026-11")

    assert_user_error(result, "environment 'dev-en' is not in", "did you mean")
