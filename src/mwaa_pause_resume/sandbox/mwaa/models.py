"""State of the MWAA emulator: environments, their statuses and business rules.

Status transitions are lazy: a CREATING, UPDATING or DELETING environment moves
on when it is next looked at, once its delay has elapsed on the backend's clock
and it has been seen in that status by ``polls`` GetEnvironment calls. Tests use
:class:`ManualClock` and poll counts instead of sleeping.

Python control API for tests and the sandbox: :attr:`MwaaBackend.faults`,
:meth:`MwaaBackend.environment`, :meth:`MwaaBackend.seed`,
:meth:`MwaaBackend.set_status`, :meth:`MwaaBackend.add_system_tags`,
:meth:`MwaaBackend.settle_all`, :attr:`MwaaBackend.calls`; :meth:`MwaaBackend.at` for the
environments of another account and region (placements.py tells which a request is for).

One module (over 400 lines) because :class:`MwaaBackend` is the emulated service's one
piece of state: every API operation reads and changes the same environments under the
same lock, and a status moves on when it is read, so the operations cannot be split
from each other or from the rules (statuses, classes, versions) above them.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mwaa_pause_resume import airflow_versions
from mwaa_pause_resume.sandbox.mwaa.backends import EnvironmentBackend, NoAirflowBackend
from mwaa_pause_resume.sandbox.mwaa.faults import Faults

# AWS's list (botocore docs for AirflowVersion); omitted -> the latest.
# What MWAA's CreateEnvironment accepts (its image sources, see airflow_versions): older
# ones than this tool supports too, so that the tool's own refusal is what a user meets.
SUPPORTED_AIRFLOW_VERSIONS = (
    "2.7.2",
    "2.8.1",
    *airflow_versions.REFUSED,
    *airflow_versions.SUPPORTED,
)
ENVIRONMENT_CLASSES = (
    "mw1.micro",
    "mw1.small",
    "mw1.medium",
    "mw1.large",
    "mw1.xlarge",
    "mw1.2xlarge",
)
LOG_MODULES = ("DagProcessingLogs", "SchedulerLogs", "WebserverLogs", "WorkerLogs", "TaskLogs")
LOG_GROUP_SUFFIX = {
    "DagProcessingLogs": "DAGProcessing",
    "SchedulerLogs": "Scheduler",
    "WebserverLogs": "WebServer",
    "WorkerLogs": "Worker",
    "TaskLogs": "Task",
}
# Statuses in which MWAA accepts no other change.
BUSY_STATUSES = frozenset(
    {"CREATING", "UPDATING", "DELETING", "ROLLING_BACK", "CREATING_SNAPSHOT", "PENDING"}
)
# Statuses in which the webserver answers InvokeRestApi.
SERVING_STATUSES = frozenset({"AVAILABLE", "UPDATING"})


class MwaaError(Exception):
    """An error MWAA answers: ``code`` is the error shape name (x-amzn-ErrorType)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.fields = dict(fields or {})


def validation_error(message: str) -> MwaaError:
    return MwaaError("ValidationException", message)


def not_found(name: str) -> MwaaError:
    return MwaaError("ResourceNotFoundException", f"Environment {name} not found")


class ManualClock:
    """A clock tests move by hand (seconds, monotonic)."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class Delays:
    """How long CREATING / UPDATING / DELETING last: seconds on the clock, and
    GetEnvironment calls that still see the transient status."""

    create_seconds: float = 0.0
    update_seconds: float = 0.0
    delete_seconds: float = 0.0
    create_polls: int = 0
    update_polls: int = 0
    delete_polls: int = 0


@dataclass
class Pending:
    """A transition in progress."""

    kind: str  # "create" | "update" | "delete"
    due_at: float
    polls_left: int
    create_failure: tuple[str, str] | None = None


@dataclass
class EmulatedEnvironment:
    """One environment: its GetEnvironment structure and the transition in progress."""

    name: str
    request: dict[str, Any]  # the CreateEnvironment input, as received
    data: dict[str, Any]  # GetEnvironment's Environment (datetimes as datetime)
    pending: Pending | None = None
    system_tags: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return str(self.data["Status"])

    @property
    def arn(self) -> str:
        return str(self.data["Arn"])


class MwaaBackend:
    """All emulated environments of one account and region."""

    def __init__(
        self,
        airflow: EnvironmentBackend | None = None,
        *,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        delays: Delays | None = None,
        clock: Callable[[], float] = time.monotonic,
        supported_versions: tuple[str, ...] = SUPPORTED_AIRFLOW_VERSIONS,
    ) -> None:
        self.airflow: EnvironmentBackend = airflow or NoAirflowBackend()
        self.region = region
        self.account_id = account_id
        self.delays = delays or Delays()
        self.clock = clock
        self.supported_versions = supported_versions
        self.faults = Faults()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._envs: dict[str, EmulatedEnvironment] = {}
        self._lock = threading.RLock()
        # Every (account, region) this backend and its siblings (at()) serve, shared.
        self._placed: dict[tuple[str, str], MwaaBackend] = {(account_id, region): self}
        self._placed_lock = threading.Lock()

    def at(self, account_id: str, region: str) -> MwaaBackend:
        """The environments of ``account_id`` in ``region``: this backend for its own,
        else a sibling created on first use with the same Airflow, delays and clock (an
        environment name is unique per account and region, as in MWAA)."""
        with self._placed_lock:
            found = self._placed.get((account_id, region))
            if found is None:
                found = MwaaBackend(
                    self.airflow,
                    region=region,
                    account_id=account_id,
                    delays=self.delays,
                    clock=self._now,  # this backend's clock, even if set later (LocalWorkflows)
                    supported_versions=self.supported_versions,
                )
                found._placed = self._placed
                found._placed_lock = self._placed_lock
                self._placed[(account_id, region)] = found
            return found

    def _now(self) -> float:
        return self.clock()

    def placements(self) -> list[tuple[str, str]]:
        """The (account, region) pairs served so far, this backend's first."""
        with self._placed_lock:
            return list(self._placed)

    # -- control API -------------------------------------------------------------

    def environment(self, name: str) -> EmulatedEnvironment:
        """The record of ``name`` (KeyError if absent); transitions not applied."""
        with self._lock:
            return self._envs[name]

    def names(self) -> list[str]:
        with self._lock:
            return list(self._envs)

    def seed(self, request: Mapping[str, Any]) -> str:
        """Create an environment that is AVAILABLE at once (no delay, no fault)."""
        with self._lock:
            self._validate_create(request)
            env = self._new_environment(request)
            self._envs[env.name] = env
            self._finish_create(env)
            return env.arn

    def set_status(self, name: str, status: str) -> None:
        """Force a status (e.g. UNAVAILABLE, MAINTENANCE); cancels a pending transition."""
        with self._lock:
            env = self._get(name)
            env.pending = None
            env.data["Status"] = status

    def add_system_tags(self, name: str, tags: Mapping[str, str]) -> None:
        """Tags an AWS service would add (``aws:cloudformation:...``); users cannot."""
        with self._lock:
            env = self._get(name)
            env.system_tags.update(tags)
            env.data.setdefault("Tags", {}).update(tags)

    def settle_all(self) -> None:
        """Complete every pending transition now, ignoring delays and poll counts."""
        with self._lock:
            for env in list(self._envs.values()):
                if env.pending is not None:
                    self._complete(env)

    def record(self, operation: str, params: Mapping[str, Any]) -> None:
        with self._lock:
            self.calls.append((operation, dict(params)))

    def count(self, operation: str) -> int:
        with self._lock:
            return sum(1 for op, _ in self.calls if op == operation)

    # -- operations ----------------------------------------------------------------

    def create_environment(self, request: Mapping[str, Any]) -> str:
        with self._lock:
            self._validate_create(request)
            env = self._new_environment(request)
            failure = self.faults.take_create_failure()
            env.pending = Pending(
                "create",
                self.clock() + self.delays.create_seconds,
                self.delays.create_polls,
                (failure.error_code, failure.error_message) if failure else None,
            )
            self._envs[env.name] = env
            return env.arn

    def get_environment(self, name: str) -> dict[str, Any]:
        with self._lock:
            env = self._observe(name, poll=True)
            return copy.deepcopy(env.data)

    def list_environments(self) -> list[str]:
        with self._lock:
            for name in list(self._envs):
                self._observe(name, poll=False, missing_ok=True)
            return list(self._envs)

    def delete_environment(self, name: str) -> None:
        with self._lock:
            env = self._observe(name, poll=False)
            if env.status in BUSY_STATUSES:
                raise validation_error(
                    f"Environment {name} is in {env.status} state and cannot be deleted now"
                )
            env.data["Status"] = "DELETING"
            env.pending = Pending(
                "delete", self.clock() + self.delays.delete_seconds, self.delays.delete_polls
            )

    def update_environment(self, request: Mapping[str, Any]) -> str:
        with self._lock:
            name = str(request["Name"])
            env = self._observe(name, poll=False)
            if env.status not in ("AVAILABLE", "UPDATE_FAILED"):
                raise validation_error(
                    f"Environment {name} is in {env.status} state and cannot be updated now"
                )
            self._check_business_rules({**env.request, **request})
            for key, value in request.items():
                if key in ("Name", "WorkerReplacementStrategy"):
                    continue
                if key == "LoggingConfiguration":
                    current = env.data.get(key) or {}
                    merged = {
                        module: {"Enabled": conf["Enabled"], "LogLevel": conf["LogLevel"]}
                        for module, conf in current.items()
                    }
                    merged.update(value)
                    env.data[key] = self._logging_output(name, merged)
                elif key == "Teams":
                    teams = dict(env.data.get("Teams") or {})
                    teams.update(value.get("AddOrUpdate") or {})
                    for team in value.get("Remove") or []:
                        teams.pop(team, None)
                    env.data["Teams"] = teams
                else:
                    env.data[key] = copy.deepcopy(value)
                env.request[key] = copy.deepcopy(value)
            env.data["Status"] = "UPDATING"
            env.pending = Pending(
                "update", self.clock() + self.delays.update_seconds, self.delays.update_polls
            )
            return env.arn

    def invoke_rest_api(
        self, name: str, method: str, path: str, query: Mapping[str, Any], body: Any
    ) -> tuple[int, dict[str, Any]]:
        with self._lock:
            env = self._observe(name, poll=False)
            if env.status not in SERVING_STATUSES:
                raise validation_error(
                    f"Environment {name} is in {env.status} state; its webserver is not running"
                )
            failure = self.faults.take_rest_failure(method, path)
            if failure is not None:
                return failure.status, copy.deepcopy(failure.body)
            return self.airflow.invoke_rest_api(name, method, path, query, body)

    def tag_resource(self, arn: str, tags: Mapping[str, str]) -> None:
        with self._lock:
            env = self._by_arn(arn)
            self._check_tags(tags)
            env.data.setdefault("Tags", {}).update(tags)

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        with self._lock:
            env = self._by_arn(arn)
            for key in keys:
                env.data.get("Tags", {}).pop(key, None)

    def list_tags(self, arn: str) -> dict[str, str]:
        with self._lock:
            return dict(self._by_arn(arn).data.get("Tags") or {})

    # -- internals -------------------------------------------------------------------

    def _get(self, name: str) -> EmulatedEnvironment:
        env = self._envs.get(name)
        if env is None:
            raise not_found(name)
        return env

    def _by_arn(self, arn: str) -> EmulatedEnvironment:
        for env in self._envs.values():
            if env.arn == arn:
                return env
        raise MwaaError("ResourceNotFoundException", f"Resource {arn} not found")

    def _observe(self, name: str, *, poll: bool, missing_ok: bool = False) -> EmulatedEnvironment:
        """Apply a due transition; a GetEnvironment (``poll``) that still sees the
        transient status counts toward its poll count."""
        env = self._envs.get(name)
        if env is None:
            if missing_ok:
                return EmulatedEnvironment(name, {}, {})
            raise not_found(name)
        pending = env.pending
        if pending is not None and self.clock() >= pending.due_at and pending.polls_left <= 0:
            self._complete(env)
            if name not in self._envs:
                if missing_ok:
                    return env
                raise not_found(name)
        elif pending is not None and poll:
            pending.polls_left -= 1
        return env

    def _complete(self, env: EmulatedEnvironment) -> None:
        pending, env.pending = env.pending, None
        if pending is None:
            return
        if pending.kind == "delete":
            self.airflow.on_delete(env.name)
            del self._envs[env.name]
        elif pending.kind == "update":
            env.data["Status"] = "AVAILABLE"
            env.data["LastUpdate"] = {
                "Status": "SUCCESS",
                "CreatedAt": _utcnow(),
                "Source": "Amazon MWAA",
            }
        elif pending.create_failure is not None:
            self._fail_create(env, *pending.create_failure)
        else:
            self._finish_create(env)

    def _finish_create(self, env: EmulatedEnvironment) -> None:
        try:
            self.airflow.on_create(env.name, copy.deepcopy(env.request))
        except Exception as exc:  # the backend could not bring Airflow up
            self._fail_create(env, "INTERNAL_ERROR", str(exc) or type(exc).__name__)
            return
        env.data["Status"] = "AVAILABLE"
        env.data["LastUpdate"] = {
            "Status": "SUCCESS",
            "CreatedAt": _utcnow(),
            "Source": "Amazon MWAA",
        }

    def _fail_create(self, env: EmulatedEnvironment, code: str, message: str) -> None:
        env.data["Status"] = "CREATE_FAILED"
        env.data["LastUpdate"] = {
            "Status": "FAILED",
            "CreatedAt": _utcnow(),
            "Error": {"ErrorCode": code, "ErrorMessage": message},
            "Source": "Amazon MWAA",
        }

    def _validate_create(self, request: Mapping[str, Any]) -> None:
        name = str(request["Name"])
        self._observe(name, poll=False, missing_ok=True)  # a finished deletion frees the name
        if name in self._envs:
            raise validation_error(f"An environment named {name} already exists")
        self._check_business_rules(request)

    def _check_business_rules(self, request: Mapping[str, Any]) -> None:
        self._check_tags(request.get("Tags") or {})
        version = request.get("AirflowVersion")
        if version is not None and version not in self.supported_versions:
            raise validation_error(
                f"Airflow version {version} is not supported. Supported versions: "
                + ", ".join(self.supported_versions)
            )
        env_class = request.get("EnvironmentClass")
        if env_class is not None and env_class not in ENVIRONMENT_CLASSES:
            raise validation_error(f"Invalid environment class {env_class}")
        low, high = request.get("MinWorkers"), request.get("MaxWorkers")
        if low is not None and high is not None and low > high:
            raise validation_error("MinWorkers must be less than or equal to MaxWorkers")
        low, high = request.get("MinWebservers"), request.get("MaxWebservers")
        if low is not None and high is not None and low > high:
            raise validation_error("MinWebservers must be less than or equal to MaxWebservers")

    @staticmethod
    def _check_tags(tags: Mapping[str, str]) -> None:
        reserved = sorted(k for k in tags if k.lower().startswith("aws:"))
        if reserved:
            raise validation_error(
                f"Tag keys starting with 'aws:' are reserved for AWS use: {', '.join(reserved)}"
            )

    def _new_environment(self, request: Mapping[str, Any]) -> EmulatedEnvironment:
        name = str(request["Name"])
        env_class = str(request.get("EnvironmentClass") or "mw1.small")
        micro = env_class == "mw1.micro"
        endpoint = str(request.get("EndpointManagement") or "SERVICE")
        prefix = f"arn:aws:airflow:{self.region}:{self.account_id}"
        data: dict[str, Any] = {
            "Name": name,
            "Status": "CREATING",
            "Arn": f"{prefix}:environment/{name}",
            "CreatedAt": _utcnow(),
            "WebserverUrl": f"{uuid.uuid4()}-vpce.c{len(name) % 9 + 1}.{self.region}"
            ".airflow.amazonaws.com",
            "ExecutionRoleArn": request["ExecutionRoleArn"],
            "ServiceRoleArn": f"arn:aws:iam::{self.account_id}:role/aws-service-role/"
            "airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA",
            "AirflowVersion": request.get("AirflowVersion") or self.supported_versions[-1],
            "SourceBucketArn": request["SourceBucketArn"],
            "DagS3Path": request["DagS3Path"],
            # MWAA answers an empty string when no startup script is set.
            "StartupScriptS3Path": request.get("StartupScriptS3Path", ""),
            "AirflowConfigurationOptions": dict(request.get("AirflowConfigurationOptions") or {}),
            "EnvironmentClass": env_class,
            "MaxWorkers": request.get("MaxWorkers", 1 if micro else 10),
            "MinWorkers": request.get("MinWorkers", 1),
            "Schedulers": request.get("Schedulers", 1 if micro else 2),
            "MinWebservers": request.get("MinWebservers", 1 if micro else 2),
            "MaxWebservers": request.get("MaxWebservers", 1 if micro else 2),
            "NetworkConfiguration": copy.deepcopy(request["NetworkConfiguration"]),
            "LoggingConfiguration": self._logging_output(
                name, request.get("LoggingConfiguration") or {}
            ),
            "WeeklyMaintenanceWindowStart": request.get("WeeklyMaintenanceWindowStart")
            or "SUN:03:30",
            "Tags": dict(request.get("Tags") or {}),
            "WebserverAccessMode": request.get("WebserverAccessMode") or "PRIVATE_ONLY",
            "CeleryExecutorQueue": f"arn:aws:sqs:{self.region}:{self.account_id}:"
            f"airflow-celery-{uuid.uuid4()}",
            "EndpointManagement": endpoint,
        }
        for key in (
            "KmsKey",
            "PluginsS3Path",
            "PluginsS3ObjectVersion",
            "RequirementsS3Path",
            "RequirementsS3ObjectVersion",
            "StartupScriptS3ObjectVersion",
            "IdentityCenterConfiguration",
            "Teams",
        ):
            if key in request:
                data[key] = copy.deepcopy(request[key])
        if endpoint == "CUSTOMER":
            service = f"com.amazonaws.vpce.{self.region}.vpce-svc-{uuid.uuid4().hex[:17]}"
            data["WebserverVpcEndpointService"] = service
            data["DatabaseVpcEndpointService"] = service.replace("svc-", "svc-db")
        return EmulatedEnvironment(name, copy.deepcopy(dict(request)), data)

    def _logging_output(self, name: str, given: Mapping[str, Any]) -> dict[str, Any]:
        """GetEnvironment's LoggingConfiguration: each enabled module names its log group."""
        out: dict[str, Any] = {}
        for module in LOG_MODULES:
            conf = given.get(module) or {"Enabled": False, "LogLevel": "INFO"}
            entry: dict[str, Any] = {"Enabled": conf["Enabled"], "LogLevel": conf["LogLevel"]}
            if conf["Enabled"]:
                entry["CloudWatchLogGroupArn"] = (
                    f"arn:aws:logs:{self.region}:{self.account_id}:log-group:"
                    f"airflow-{name}-{LOG_GROUP_SUFFIX[module]}"
                )
            out[module] = entry
        return out


def _utcnow() -> datetime:
    return datetime.now(UTC)
