"""Retry, timeout and naming policy of the two state machines (pure, no aws-cdk import).

Handlers name their errors (``functions.errors``); the state machines match
those names. Everything here is read by the ASL builders and by the docs/tests.
"""

from __future__ import annotations

from typing import Final

from mwaa_pause_resume.functions import WORKFLOW_FUNCTIONS
from mwaa_pause_resume.functions.begin import lock_ttl_seconds
from mwaa_pause_resume.functions.errors import RETRYABLE, THROTTLING
from mwaa_pause_resume.functions.settings import MAX_POLL_SECONDS, MAX_TIMEOUT_MINUTES
from mwaa_pause_resume.schedule.lead_time import MAX_LEAD_MINUTES

# Throttling: AWS answered "slow down" (MWAA's 429 ThrottlingException, S3 SlowDown, KMS,
# SSM, SNS) or Lambda had no concurrency left. A burst of hundreds of environments
# started in the same minute meets it at every step, so it has its own, longer budget:
# exponential backoff from 2 s capped at 60 s, with full jitter (each wait is uniform in
# [0, interval]) so that the executions throttled together do not come back together.
# 16 attempts wait about 6 minutes on average (at most 12) before a step gives up;
# docs/throttling.md and BENCHMARKS.md "Fleet burst" show what a 300- to 1,000-
# environment burst needs.
THROTTLED_ERRORS: Final = THROTTLING
THROTTLED_INTERVAL_SECONDS: Final = 2
THROTTLED_BACKOFF: Final = 2.0
THROTTLED_MAX_ATTEMPTS: Final = 16
THROTTLED_MAX_DELAY_SECONDS: Final = 60

# 5xx, connection errors and Lambda's own transient errors: 2, 4, 8, 16, 32 s (full
# jitter, capped at 60 s), 6 attempts: an outage longer than that fails the run cleanly.
TRANSIENT_ERRORS: Final = tuple(e for e in RETRYABLE if e not in THROTTLING)
TRANSIENT_INTERVAL_SECONDS: Final = 2
TRANSIENT_BACKOFF: Final = 2.0
TRANSIENT_MAX_ATTEMPTS: Final = 6
TRANSIENT_MAX_DELAY_SECONDS: Final = 60

# Every Retry of the state machines spreads its waits (JitterStrategy FULL).
JITTER: Final = "FULL"

# Begin's error for a second delivery of one schedule fire: the run ends as a success.
DUPLICATE_DELIVERY_ERROR: Final = "DuplicateDelivery"

# A fresh environment parses its DAGs within minutes: retry the trigger every 20 s.
# The run's deadline (checked by the handler, which then raises DagNotParsed) is what
# really bounds it; MaxAttempts only caps a deadline set far in the future.
DAG_NOT_PARSED_ERROR: Final = "DagNotParsedYet"
DAG_NOT_PARSED_INTERVAL_SECONDS: Final = 20
DAG_NOT_PARSED_MAX_ATTEMPTS: Final = 200

# Global cap of an execution. When it fires no Catch runs (no clean-up, no lock release),
# so it must never cut a run short that its own deadline would end cleanly: it equals the
# longest lock lifetime the input allows (24 h timeout + 1 h poll + margin = 25.5 h). It
# follows that a run's lock has always expired by the time this cap ends the run.
# A ready-by resume may first wait up to its lead cap before Begin (functions.resume_timing).
STATE_MACHINE_TIMEOUT_SECONDS: Final = (
    lock_ttl_seconds(MAX_TIMEOUT_MINUTES, MAX_POLL_SECONDS) + MAX_LEAD_MINUTES * 60
)

WORKFLOWS: Final = ("pause", "resume")

# Function ARNs in synthesized definitions (see synth.substitute_function_arns).
PLACEHOLDER_ACCOUNT: Final = "123456789012"
PLACEHOLDER_REGION: Final = "us-east-1"


def function_name(key: str) -> str:
    """The Lambda function name used for ``key`` in synthesized definitions and the sandbox."""
    return "mwaa-pr-" + key.replace("_", "-")


def placeholder_arn(key: str) -> str:
    return (
        f"arn:aws:lambda:{PLACEHOLDER_REGION}:{PLACEHOLDER_ACCOUNT}:function:{function_name(key)}"
    )


FUNCTION_KEYS: Final = WORKFLOW_FUNCTIONS

# What each function may call is granted by the CDK app from infra.capabilities.HANDLERS
# (capabilities) and infra.permissions (the statements), the single source of truth.
