"""A sandbox whose sample history never appears ends with a message, not a traceback."""

from __future__ import annotations

from typing import Any

import pytest

from mwaa_pause_resume.cli.app import main
from mwaa_pause_resume.sandbox import cycle
from mwaa_pause_resume.sandbox.live_history import _ok


def test_missing_history_is_reported_with_a_hint_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def stalled(*_: Any, **__: Any) -> None:
        _ok((503, {"detail": "busy"}), "trigger sample_etl")

    monkeypatch.setattr(cycle, "run_sandbox", stalled)
    with pytest.raises(SystemExit) as ended:
        main(["sandbox", "--airflow-version", "3.3.1"])
    err = capsys.readouterr().err
    assert ended.value.code == 1
    assert "Traceback" not in err
    assert "could not make its sample history" in err and "HTTP 503" in err
    assert "Hint:" in err and "--keep" in err
