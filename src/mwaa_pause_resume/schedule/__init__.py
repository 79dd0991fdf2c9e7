"""Schedules (pure, no AWS): EventBridge cron parsing, DST-aware fire times, plan and savings.

Modules: ``cron`` (parse/validate), ``fire_times`` (next instants in a zone),
``dst`` (clock changes a schedule runs into), ``prices`` (bundled, dated price
table + config overrides), ``plan`` (what ``mwaa-pause-resume plan`` shows).
"""

from mwaa_pause_resume.schedule.cron import CronError, CronExpression, parse_cron
from mwaa_pause_resume.schedule.fire_times import fire_times_between, next_fire_times

__all__ = ["CronError", "CronExpression", "fire_times_between", "next_fire_times", "parse_cron"]
