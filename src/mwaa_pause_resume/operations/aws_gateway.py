"""Every AWS call the operator commands make, in one place, each translated into a
readable error (:mod:`.aws_errors`). The rest of :mod:`mwaa_pause_resume.operations`
is pure and works on what these methods return.

boto3 is imported when the first client is made, so the CLI starts fast.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from mwaa_pause_resume.errors import UserError
from mwaa_pause_resume.operations.aws_errors import explain, translated
from mwaa_pause_resume.operations.deployment import Deployment, from_outputs
from mwaa_pause_resume.operations.execution_search import ExecutionPage
from mwaa_pause_resume.parsing import loads_json
from mwaa_pause_resume.shared.aws_error_fields import error_code

# ListExecutions' default page size (at most 1000): one page usually holds what status needs.
EXECUTIONS_PAGE = 100
HISTORY_PAGE = 1000


def _check_region(region: str) -> None:
    """Reject a mistyped --region before any call: botocore would only report an
    unreachable endpoint (or missing credentials) for it."""
    from mwaa_pause_resume.config.aws_rules import region as region_rule
    from mwaa_pause_resume.config.problems import Invalid

    try:
        region_rule(region)
    except Invalid as exc:
        raise UserError(f"--region: {exc.message}.", hint=exc.fix) from None


class NotDeployed(UserError):
    """The deployment's stack is not in this account and region."""


class AwsGateway:
    """A boto3 session (``profile``, ``region``; None: the standard chain) and its calls.

    ``credentials`` (an STS ``Credentials`` answer) makes it a session of an assumed role
    instead: a fleet's spoke account (:mod:`.fleet_sessions`). Clients are made under a
    lock, so one gateway can serve a pool of threads (boto3 clients are thread-safe,
    its sessions are not)."""

    def __init__(
        self,
        profile: str | None = None,
        region: str | None = None,
        *,
        credentials: Mapping[str, Any] | None = None,
    ) -> None:
        if region is not None:
            _check_region(region)
        self.profile = profile
        self._region = region
        self._credentials = credentials
        self._session: Any = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.RLock()

    # -- session ---------------------------------------------------------------------
    @property
    def session(self) -> Any:
        with self._lock:
            return self._open_session()

    def _open_session(self) -> Any:
        if self._session is None:
            import boto3

            with translated("open the AWS session"):
                if self._credentials is not None:
                    self._session = boto3.Session(
                        aws_access_key_id=self._credentials["AccessKeyId"],
                        aws_secret_access_key=self._credentials["SecretAccessKey"],
                        aws_session_token=self._credentials["SessionToken"],
                        region_name=self._region,
                    )
                else:
                    self._session = boto3.Session(
                        profile_name=self.profile, region_name=self._region
                    )
        return self._session

    @property
    def region(self) -> str | None:
        return self._region or self.session.region_name

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                with self._calling(f"create the {service} client"):
                    self._clients[service] = self.session.client(service)
            return self._clients[service]

    @contextmanager
    def _calling(self, action: str) -> Iterator[None]:
        with translated(action, region=self._region or getattr(self._session, "region_name", None)):
            yield

    # -- CloudFormation --------------------------------------------------------------
    def deployment(self, stack_name: str) -> Deployment:
        """The deployed stack's outputs; UserError naming the fix if it is not deployed."""
        try:
            answer = self.client("cloudformation").describe_stacks(StackName=stack_name)
        except Exception as exc:
            if error_code(exc) == "ValidationError" and "does not exist" in str(exc):
                raise NotDeployed(
                    f"Stack {stack_name} does not exist in {self.region}: the pause and "
                    "resume workflows are not deployed there.",
                    hint="run `mwaa-pause-resume deploy`, or pass the --region / --profile "
                    "of the deployment, or fix [deployment] stack_name",
                ) from None
            raise _mapped(exc, f"read stack {stack_name}", self.region) from exc
        stacks = answer.get("Stacks") or []
        return from_outputs(stack_name, stacks[0].get("Outputs") or [] if stacks else [])

    # -- MWAA ------------------------------------------------------------------------
    def get_environment(self, name: str) -> dict[str, Any] | None:
        """GetEnvironment's ``Environment``; None when it does not exist (paused)."""
        try:
            answer = self.client("mwaa").get_environment(Name=name)
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                return None
            raise _mapped(exc, f"read MWAA environment {name}", self.region) from exc
        environment: dict[str, Any] = answer["Environment"]
        return environment

    def require_environment(self, name: str) -> dict[str, Any]:
        environment = self.get_environment(name)
        if environment is None:
            raise UserError(
                f"MWAA environment {name} does not exist in {self.region}.",
                hint="check the name and --region / --profile (aws mwaa list-environments "
                "lists them)",
            )
        return environment

    # -- EC2 -------------------------------------------------------------------------
    def subnets_vpc(self, subnet_ids: list[str]) -> tuple[str | None, str | None]:
        """(the VPC of the subnets, None) or (None, why it is unknown): GetEnvironment
        names the subnets, not their VPC. Never raises: init works without it."""
        if not subnet_ids:
            return None, "the environment has no subnets"
        try:
            answer = self.client("ec2").describe_subnets(SubnetIds=subnet_ids)
        except Exception as exc:
            mapped = explain(exc, "read the subnets' VPC (ec2:DescribeSubnets)")
            if mapped is None:
                raise
            return None, mapped.message
        vpcs = {str(s.get("VpcId")) for s in answer.get("Subnets") or []}
        if len(vpcs) != 1:
            return None, f"the subnets are in {len(vpcs)} VPCs"
        return vpcs.pop(), None

    # -- Step Functions --------------------------------------------------------------
    def start_execution(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> str:
        with self._calling("start the workflow"):
            answer = self.client("stepfunctions").start_execution(
                stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload)
            )
        return str(answer["executionArn"])

    def describe_execution(self, execution_arn: str) -> dict[str, Any]:
        with self._calling("read the workflow execution"):
            answer: dict[str, Any] = self.client("stepfunctions").describe_execution(
                executionArn=execution_arn
            )
        return answer

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        """Every event of an execution, oldest first."""
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        token: str | None = None
        with self._calling("read the workflow's history"):
            while True:
                kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": HISTORY_PAGE}
                if token:
                    kwargs["nextToken"] = token
                page = sfn.get_execution_history(**kwargs)
                events += page.get("events") or []
                token = page.get("nextToken")
                if not token:
                    return events

    def execution_pages(
        self,
        state_machine_arn: str,
        *,
        running_only: bool = False,
        page_size: int = EXECUTIONS_PAGE,
    ) -> Iterator[ExecutionPage]:
        """ListExecutions, newest first, one call per page and only as far as the caller
        iterates (:class:`~.execution_search.ExecutionSearch` stops early)."""
        sfn = self.client("stepfunctions")
        kwargs: dict[str, Any] = {"stateMachineArn": state_machine_arn, "maxResults": page_size}
        if running_only:
            kwargs["statusFilter"] = "RUNNING"
        while True:
            with self._calling("list the workflow executions"):
                answer = sfn.list_executions(**kwargs)
            token = answer.get("nextToken")
            yield ExecutionPage(list(answer.get("executions") or []), more=bool(token))
            if not token:
                return
            kwargs["nextToken"] = token

    # -- S3 (the backup bucket) ------------------------------------------------------
    def list_objects(self, bucket: str, prefix: str) -> list[dict[str, Any]]:
        s3 = self.client("s3")
        out: list[dict[str, Any]] = []
        with self._calling(f"list s3://{bucket}/{prefix}"):
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                out += page.get("Contents") or []
        return out

    def read_json(self, bucket: str, key: str) -> Any:
        """The JSON object at ``key``; None if there is none."""
        try:
            body = self.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception as exc:
            if error_code(exc) in ("NoSuchKey", "404"):
                return None
            raise _mapped(exc, f"read s3://{bucket}/{key}", self.region) from exc
        try:
            return loads_json(body)
        except ValueError:
            raise UserError(
                f"s3://{bucket}/{key} is not valid JSON.",
                hint="the object was damaged or replaced; use another snapshot",
            ) from None

    def read_bytes(self, bucket: str, key: str, version: str | None = None) -> bytes:
        """The object at ``key`` (``version``: that S3 object version)."""
        extra = {"VersionId": version} if version else {}
        with self._calling(f"read s3://{bucket}/{key}"):
            body: bytes = (
                self.client("s3").get_object(Bucket=bucket, Key=key, **extra)["Body"].read()
            )
        return body

    def delete_keys(self, bucket: str, keys: list[str]) -> None:
        s3 = self.client("s3")
        with self._calling(f"delete objects from s3://{bucket}"):
            for start in range(0, len(keys), 1000):  # DeleteObjects takes 1000 keys
                batch = [{"Key": k} for k in keys[start : start + 1000]]
                answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
                errors = answer.get("Errors") or []
                if errors:
                    first = errors[0]
                    raise UserError(
                        f"Cannot delete s3://{bucket}/{first.get('Key')}: "
                        f"{first.get('Code')}: {first.get('Message')}",
                        hint="check the s3:DeleteObject permission on the backup bucket",
                    )


def _mapped(exc: Exception, action: str, region: str | None) -> Exception:
    mapped = explain(exc, action, region=region)
    return mapped if mapped is not None else exc
