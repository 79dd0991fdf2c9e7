"""Named errors the Lambda handlers raise.

Step Functions matches a Lambda failure by the exception's class name (the
``errorType`` of the payload), so these names are the workflow's vocabulary:
the state machines retry ``AwsThrottled`` / ``AwsUnavailable`` /
``DagNotParsedYet`` and every other name ends the run with a readable cause.
Renaming a class is a change to the ASL (see ``infra.workflows.policy``).
"""

from __future__ import annotations


class WorkflowError(Exception):
    """Base: the message is what the notification and the CLI show."""


# -- transient: retried by the state machines ------------------------------------------
class AwsThrottled(WorkflowError):
    """An AWS API throttled the call."""


class AwsUnavailable(WorkflowError):
    """An AWS API answered 5xx or could not be reached."""


class DagNotParsedYet(WorkflowError):
    """A fresh environment has not parsed the DAG yet (Airflow answers 404)."""


# -- final -----------------------------------------------------------------------------
class InvalidInput(WorkflowError):
    """The execution input is missing or has a bad setting."""


class LockHeld(WorkflowError):
    """Another pause or resume of the same environment is running."""


class DuplicateDelivery(LockHeld):
    """The run holding the lock was started by the same schedule fire: this one is a
    second delivery of it (the state machines end it as a success, doing nothing)."""


class EnvironmentNotOwned(WorkflowError):
    """The environment is tagged as managed by another deployment (functions.ownership)."""


class EnvironmentNotReady(WorkflowError):
    """The environment is in a status the workflow cannot start from."""


class EnvironmentNotFound(WorkflowError):
    """The environment does not exist and there is nothing to do for it."""


class EnvironmentCreateFailed(WorkflowError):
    """MWAA reported CREATE_FAILED; the message is MWAA's LastUpdate error."""


class EnvironmentUpdateFailed(WorkflowError):
    """MWAA reported UPDATE_FAILED."""


class EnvironmentTimedOut(WorkflowError):
    """The environment did not reach the awaited status before the deadline."""


class EnvironmentRequestInvalid(WorkflowError):
    """MWAA or botocore refused the Create/Update/Delete request."""


class VersionChangeRefused(WorkflowError):
    """The resume may not create the asked Airflow version from the snapshot (a downgrade,
    an unsupported version or path): refused before anything is created."""


class NoSnapshot(WorkflowError):
    """No complete snapshot to resume from."""


class SnapshotNotFound(WorkflowError):
    """The chosen snapshot does not exist or is not complete."""


class SnapshotInvalid(WorkflowError):
    """The snapshot does not match its manifest (missing file, size, sha256).

    The workflow's name for the engine's
    :class:`mwaa_pause_resume.metadata.errors.SnapshotInvalid` (a ``UserError``: a hint,
    exit code 2): ``snapshot_verify`` raises this one with the snapshot's location and
    what was kept. Its class name is the Step Functions error name the executions and
    notifications show, so it stays a class of this module."""


class SnapshotUnauthentic(SnapshotInvalid):
    """A snapshot's manifest or environment.json carries no valid MAC of this deployment's
    key: altered after the pause verified it, hand-made, or copied from elsewhere."""


class NotConfigured(WorkflowError):
    """The function lacks a setting the stack gives it (e.g. the MAC key)."""


class DagNotParsed(WorkflowError):
    """The DAG never appeared before the deadline."""


class DagRunFailed(WorkflowError):
    """The export or import DAG run failed; the message carries its error."""


class DagRunTimedOut(WorkflowError):
    """The DAG run did not finish before the deadline."""


class AirflowApiError(WorkflowError):
    """Airflow's REST API (through InvokeRestApi) refused a call."""


class AwsCallFailed(WorkflowError):
    """An AWS API refused a call for a reason that retrying will not fix."""


# Error names the state machines retry with backoff: ours, and the Lambda service's own
# transient errors (those AWS recommends retrying for a Lambda task, plus throttling).
# Every handler is idempotent, so retrying a call that may have run is safe.
RETRYABLE = (
    "AwsThrottled",
    "AwsUnavailable",
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)
# Those of them that mean "too many requests": retried longer, with jitter
# (infra.workflows.policy).
THROTTLING = ("AwsThrottled", "Lambda.TooManyRequestsException")
