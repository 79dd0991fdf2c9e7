"""A sandbox stopped with SIGTERM cleans up as for Ctrl-C (no orphaned Airflow)."""

from __future__ import annotations

import os
import signal

import pytest

from mwaa_pause_resume.cli.sandbox_cmd import sigterm_as_interrupt


def test_sigterm_becomes_an_interrupt_inside_and_only_inside() -> None:
    before = signal.getsignal(signal.SIGTERM)
    cleaned = []
    with pytest.raises(KeyboardInterrupt), sigterm_as_interrupt():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
        finally:
            cleaned.append(True)  # the sandbox's clean-up runs in such finally blocks
    assert cleaned == [True]
    assert signal.getsignal(signal.SIGTERM) is before
