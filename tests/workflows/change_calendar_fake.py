"""A test double of SSM Change Calendars: moto (5.2.5) does not implement
``GetCalendarState``, so this adds the action to moto's SSM responses, answering from
closed windows the test declares (what the calendar's events would say)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from unittest import mock


class ChangeCalendars:
    """Calendar name -> closed windows [start, end) (aware datetimes); every call kept."""

    def __init__(self) -> None:
        self.closed: dict[str, list[tuple[datetime, datetime]]] = {}
        self.calls: list[dict[str, Any]] = []

    def state(self, name: str, at: datetime) -> str:
        windows = self.closed[name]  # an unknown calendar: KeyError, answered as SSM does
        return "CLOSED" if any(start <= at < end for start, end in windows) else "OPEN"

    @contextmanager
    def installed(self) -> Iterator[ChangeCalendars]:
        from moto.core.responses import ActionResult
        from moto.ssm.exceptions import ValidationException
        from moto.ssm.responses import SimpleSystemManagerResponse

        calendars = self

        def get_calendar_state(response: Any) -> Any:
            names = list(response._get_param("CalendarNames") or [])
            at_text = str(response._get_param("AtTime"))
            calendars.calls.append({"CalendarNames": names, "AtTime": at_text})
            at = datetime.fromisoformat(at_text.replace("Z", "+00:00"))
            try:
                states = [calendars.state(name, at) for name in names]
            except KeyError as exc:
                raise ValidationException(f"Calendar {exc} does not exist") from None
            state = "CLOSED" if "CLOSED" in states else "OPEN"
            return ActionResult({"State": state, "AtTime": at_text})

        with mock.patch.object(
            SimpleSystemManagerResponse, "get_calendar_state", get_calendar_state, create=True
        ):
            yield self
