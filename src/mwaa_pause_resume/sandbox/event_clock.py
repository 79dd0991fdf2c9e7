"""Virtual time shared by many concurrent executions: a discrete-event clock.

:class:`~mwaa_pause_resume.sandbox.sfn_local.VirtualClock` moves time forward by each
Wait an execution passes, which is right for one execution at a time and wrong for a
burst: three hundred executions each waiting 60 s would move it 5 hours. Here every
execution is a *participant*; one that waits sleeps until its wake-up time, and time
moves only when every participant sleeps, to the earliest wake-up time. So calls made by
different executions at the same virtual instant meet each other (and the emulator's
rate limits) as they would in AWS, and a burst runs as fast as the CPU allows whatever
the virtual time it spans. Handlers take no virtual time; the runner may charge some
(:meth:`EventClock.sleep` from inside an invocation).

A participant must not block on anything but :meth:`EventClock.sleep` for long (a lock
held by a sleeping thread would stop time); the emulator and the handlers never do.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class EventClock:
    """Epoch seconds; callable like the other clocks, ``advance`` kept for them."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._cond = threading.Condition()
        self._active = 0
        self._sleepers: list[tuple[float, int, threading.Event]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        with self._cond:
            return self._now

    # -- participants ---------------------------------------------------------------
    def join(self) -> None:
        """One more participant (awake)."""
        with self._cond:
            self._active += 1

    def leave(self) -> None:
        """A participant is done; time may move on."""
        with self._cond:
            self._active -= 1
            self._advance_if_idle()

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Time stands still while the block runs (e.g. while a burst is started, so that
        every execution starts at the same virtual instant)."""
        self.join()
        try:
            yield
        finally:
            self.leave()

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of virtual time (a participant only)."""
        wake = threading.Event()
        with self._cond:
            heapq.heappush(self._sleepers, (self._now + max(0.0, seconds), next(self._order), wake))
            self._active -= 1
            self._advance_if_idle()
        wake.wait()

    def advance(self, seconds: float) -> None:
        """As :meth:`sleep`: kept so that code written for the single-run clock works."""
        self.sleep(seconds)

    def skip_to(self, at: float) -> None:
        """Move time to ``at`` while nothing runs (between two bursts)."""
        with self._cond:
            if self._active or self._sleepers:
                raise RuntimeError("EventClock.skip_to while executions are running")
            self._now = max(self._now, at)

    @property
    def participants(self) -> int:
        with self._cond:
            return self._active + len(self._sleepers)

    def _advance_if_idle(self) -> None:
        if self._active > 0 or not self._sleepers:
            return
        due = self._sleepers[0][0]
        self._now = max(self._now, due)
        while self._sleepers and self._sleepers[0][0] <= due:
            _, _, wake = heapq.heappop(self._sleepers)
            self._active += 1
            wake.set()
