"""What each deployed Lambda function may do (its IAM capabilities) and its sizing (pure).

The functions' code lives in :mod:`mwaa_pause_resume.functions`; this table only says
what each one is granted (``infra.permissions`` turns a capability into statements).
Keys are those of :data:`mwaa_pause_resume.functions.HANDLERS`; a test checks
both tables have the same keys, so a new handler cannot be deployed without
a deliberate grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Capability(Enum):
    # The backup bucket, under the configured environments' prefixes only.
    SNAPSHOTS_READ = "read snapshot objects (and decrypt them through S3)"
    SNAPSHOTS_WRITE = "write snapshot objects (and encrypt them through S3)"
    SNAPSHOTS_DELETE = "delete snapshot objects (retention)"
    LOCK = "read, write and delete the environments' lock.json"
    ENV_READ = "airflow:GetEnvironment"
    ENV_CREATE = "airflow:CreateEnvironment + what MWAA checks while creating"
    ENV_DELETE = "airflow:DeleteEnvironment"
    ENV_UPDATE = "airflow:UpdateEnvironment"
    ENV_TAG = "airflow:TagResource, the deployment's ownership tag only"
    REST_API = "airflow:InvokeRestApi"
    PUBLISH = "sns:Publish to the notification topic"
    # The deployment's KMS HMAC key (run authorizations, manifest and environment MACs).
    MAC_SIGN = "kms:GenerateMac with the deployment's HMAC key"
    MAC_VERIFY = "kms:VerifyMac with the deployment's HMAC key"
    # [notifications.webhook]: its one secret or SecureString parameter (and key), by name.
    WEBHOOK_URL = "read the webhook URL (Secrets Manager secret or SSM SecureString)"
    # The run gate (functions.run_gate): this deployment's operator overrides, and the
    # configured SSM Change Calendars.
    OVERRIDE_READ = "ssm:GetParameter on this deployment's override parameters"
    CALENDAR_READ = "ssm:GetCalendarState on the configured change calendars"
    TIMING = "read and write the environments' timing.json (measured runs)"
    METRICS = "cloudwatch:PutMetricData in the tool's namespace"


@dataclass(frozen=True)
class Handler:
    key: str  # as in mwaa_pause_resume.functions.HANDLERS
    capabilities: frozenset[Capability]
    timeout_seconds: int = 120
    memory_mb: int = 256
    # Deployed only when the configuration asks for it (infra/chat.py adds it).
    optional: bool = False

    @property
    def joins_vpc(self) -> bool:
        """Attached to ``[deployment] lambda_subnet_ids`` when set: the InvokeRestApi callers.

        Whether InvokeRestApi reaches a PRIVATE_ONLY webserver from outside its VPC is
        not verified, so these can run inside it; everything else the
        functions call is an AWS API that needs no VPC.
        """
        return Capability.REST_API in self.capabilities

    @property
    def uses_mac_key(self) -> bool:
        """Gets the HMAC key's ARN in its environment (functions.settings.mac_key_id)."""
        return bool({Capability.MAC_SIGN, Capability.MAC_VERIFY} & self.capabilities)

    @property
    def entry_point(self) -> str:
        from mwaa_pause_resume.functions import HANDLERS as ENTRY_POINTS

        return ENTRY_POINTS[self.key]


def _h(
    key: str, *caps: Capability, timeout: int = 120, memory: int = 256, optional: bool = False
) -> Handler:
    return Handler(key, frozenset(caps), timeout, memory, optional)


C = Capability
HANDLERS: dict[str, Handler] = {
    h.key: h
    for h in (
        # ENV_READ: is a scheduled pause's environment AVAILABLE, to ask busy_check.
        _h("run_gate", C.OVERRIDE_READ, C.CALENDAR_READ, C.ENV_READ),
        # REST_API only (it joins the VPC): DAG runs running at a scheduled pause.
        _h("busy_check", C.REST_API),
        # ENV_READ, ENV_TAG: the ownership check and tag (functions.ownership).
        _h("begin", C.LOCK, C.ENV_READ, C.ENV_TAG),
        _h("lock_release", C.LOCK),
        _h("environment_status", C.ENV_READ),
        # ENV_READ: a CreateEnvironment refused as a duplicate is checked with GetEnvironment.
        # MAC_VERIFY: environment.json and the manifest are checked before CreateEnvironment.
        _h("environment_create", C.ENV_CREATE, C.ENV_READ, C.SNAPSHOTS_READ, C.MAC_VERIFY),
        _h("environment_delete", C.ENV_DELETE),
        _h("environment_update", C.ENV_UPDATE, C.SNAPSHOTS_READ, C.MAC_VERIFY),
        # MAC_SIGN: the run's one-time authorization in its conf.
        _h("dag_trigger", C.REST_API, C.MAC_SIGN),
        _h("dag_run_state", C.REST_API),
        _h("snapshot_start", C.ENV_READ, C.SNAPSHOTS_WRITE, C.MAC_SIGN),
        # Reads and hashes every file of a snapshot: gigabytes for a large metadata DB;
        # then writes manifest.mac.json for the verified manifest.
        _h(
            "snapshot_verify",
            C.SNAPSHOTS_READ,
            C.SNAPSHOTS_WRITE,
            C.MAC_SIGN,
            timeout=900,
            memory=1024,
        ),
        _h("snapshot_pointer", C.SNAPSHOTS_READ, C.SNAPSHOTS_WRITE),
        _h("snapshot_retention", C.SNAPSHOTS_READ, C.SNAPSHOTS_DELETE, timeout=300),
        _h("failure", C.REST_API, C.SNAPSHOTS_READ, C.LOCK),
        _h("notification", C.PUBLISH),
        # 3 attempts of at most 10 s each, with 2 + 4 s of backoff (functions.webhook).
        _h("webhook", C.WEBHOOK_URL, timeout=60, memory=128, optional=True),
        _h("resume_timing", C.TIMING),
        _h("metrics", C.METRICS),
    )
}

# Handlers that read the deployment id (functions.ownership): Begin checks and tags the
# environment, the create tags the re-created one, the run gate names its override
# parameters with it (functions.overrides), the metrics function makes it a dimension
# (so one deployment's dashboard shows its own environments only).
OWNERSHIP_HANDLERS = frozenset({"begin", "environment_create", "run_gate", "metrics"})
