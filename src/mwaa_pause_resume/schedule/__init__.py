"""Schedules (pure, no AWS, a leaf package): EventBridge cron parsing and DST-aware fire times.

Modules: ``cron`` (parse/validate), ``fire_times`` (next instants in a zone),
``dst`` (clock changes a schedule runs into). The plan and its savings, which
need the configuration, are :mod:`mwaa_pause_resume.operations.plan` and
:mod:`mwaa_pause_resume.operations.prices`.
"""

from mwaa_pause_resume.schedule.cron import CronError, CronExpression, parse_cron
from mwaa_pause_resume.schedule.fire_times import fire_times_between, next_fire_times

__all__ = ["CronError", "CronExpression", "fire_times_between", "next_fire_times", "parse_cron"]
