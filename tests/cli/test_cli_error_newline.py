"""Every error the CLI reports ends with a newline, so the next prompt or output starts
on a line of its own (not "...validate rechecksError: ...")."""

from __future__ import annotations

from pathlib import Path

import pytest

from mwaa_pause_resume.cli.app import main
from mwaa_pause_resume.cli.output import report_error
from mwaa_pause_resume.errors import OperationFailed, UserError


@pytest.mark.parametrize(
    "error",
    [
        UserError("no such environment"),
        UserError("no such environment", hint="check the name"),
        OperationFailed("the workflow failed", hint="see `status`"),
        UserError("two\nlines", hint="a hint\n"),
    ],
)
def test_report_error_ends_with_a_newline(
    error: UserError, capsys: pytest.CaptureFixture[str]
) -> None:
    report_error(error)
    err = capsys.readouterr().err
    assert err.startswith("Error: ")
    assert err.endswith("\n")
    assert not err.endswith("\n\n\n")


def test_two_errors_in_a_row_start_on_their_own_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report_error(UserError("first", hint="`mwaa-pause-resume validate` rechecks"))
    report_error(UserError("second"))
    err = capsys.readouterr().err
    assert "rechecksError" not in err
    assert [line for line in err.splitlines() if line.startswith("Error: ")] == [
        "Error: first",
        "Error: second",
    ]


def test_a_config_error_from_the_cli_ends_with_a_newline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[[environments]]\nname = "x"\nfoo = 1\n')
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "--config", str(config)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Error: " in err
    assert err.endswith("rechecks\n")
