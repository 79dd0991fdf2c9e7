"""The CreateEnvironment request that re-creates a captured environment (GetEnvironment's
output -> CreateEnvironment's input), driven by botocore's MWAA model.

A paused environment is re-created from the ``Environment`` structure captured at
pause time. Both shapes come from botocore's service model, so a field added to
both by a newer botocore is copied without a code change. What is not copyable
is named here on purpose: the read-only fields (set by MWAA) and the one nested
read-only field (the log group ARN of each logging module). Any other field is
refused with an error: re-creating an environment without a setting it had would
be a silent loss, and a newer boto3 may already model it.

Pure apart from reading botocore's bundled model: no AWS call.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Mapping
from typing import Any, Final

from mwaa_pause_resume.errors import UserError

SERVICE_NAME: Final = "mwaa"
INPUT_SHAPE: Final = "CreateEnvironmentInput"
OUTPUT_SHAPE: Final = "Environment"

# Output-only members of Environment: MWAA sets them, CreateEnvironment has no
# such parameter. Kept explicit (not "whatever the input lacks") so that a field
# a future model adds only to the output is reviewed, not dropped unseen.
READ_ONLY_FIELDS: Final = frozenset(
    {
        "Arn",
        "Status",
        "CreatedAt",
        "WebserverUrl",
        "ServiceRoleArn",
        "LastUpdate",
        "WebserverVpcEndpointService",
        "DatabaseVpcEndpointService",
        "CeleryExecutorQueue",
    }
)

# Nested output-only members (fnmatch patterns on the dotted path): MWAA names
# the CloudWatch log group it created for each enabled module.
NESTED_READ_ONLY: Final = ("LoggingConfiguration.*.CloudWatchLogGroupArn",)

# Members whose output shape differs from the input shape and are rebuilt.
RESHAPED_FIELDS: Final = frozenset({"LoggingConfiguration"})

# CloudFormation and other AWS services tag resources with reserved `aws:` keys;
# CreateEnvironment refuses them (the new stack or service adds its own again).
RESERVED_TAG_PREFIX: Final = "aws:"

UPGRADE_HINT: Final = (
    "Upgrade mwaa-pause-resume and boto3/botocore (pip install -U mwaa-pause-resume boto3) "
    "so this field is modelled, then resume again. The tool refuses rather than re-create "
    "the environment without a setting it had."
)


@functools.cache
def service_model() -> Any:
    """botocore's bundled MWAA service model (loaded once)."""
    import botocore.session

    return botocore.session.get_session().get_service_model(SERVICE_NAME)


def botocore_version() -> str:
    import botocore

    return str(botocore.__version__)


def classify_fields() -> dict[str, str]:
    """Each member of the model's Environment shape -> copied | reshaped | read-only | unknown."""
    model = service_model()
    inputs = model.shape_for(INPUT_SHAPE).members
    result: dict[str, str] = {}
    for name in model.shape_for(OUTPUT_SHAPE).members:
        if name in READ_ONLY_FIELDS:
            result[name] = "read-only"
        elif name in RESHAPED_FIELDS and name in inputs:
            result[name] = "reshaped"
        elif name in inputs:
            result[name] = "copied"
        else:
            result[name] = "unknown"
    return result


def recreate_request(environment: Mapping[str, Any]) -> dict[str, Any]:
    """CreateEnvironment keyword arguments that re-create ``environment`` (named for
    that: ``sandbox.parts.create_request`` builds a new environment's request).

    ``environment`` is GetEnvironment's ``Environment`` (a whole GetEnvironment
    response is accepted too). Raises :class:`UserError` for a field this
    version does not know or a request botocore's validator rejects.
    """
    environment = _unwrap(environment)
    input_shape = service_model().shape_for(INPUT_SHAPE)
    request: dict[str, Any] = {}
    for key, value in environment.items():
        if key in READ_ONLY_FIELDS:
            continue
        member = input_shape.members.get(key)
        if member is None:
            raise _unknown_field(key, environment)
        if key == "Tags" and isinstance(value, Mapping):
            value = _user_tags(value)  # noqa: PLW2901
        fitted = _fit(value, member, key, required=key in input_shape.required_members)
        if fitted is not _OMIT:
            request[key] = fitted
    validate_create_request(request, name=str(environment.get("Name", "?")))
    return request


def validate_create_request(request: Mapping[str, Any], *, name: str = "?") -> None:
    """Run botocore's own parameter validator on a CreateEnvironment request."""
    from botocore.validate import ParamValidator

    shape = service_model().shape_for(INPUT_SHAPE)
    report = ParamValidator().validate(dict(request), shape)
    if report.has_errors():
        raise UserError(
            f"The CreateEnvironment request rebuilt for environment {name!r} is invalid:\n"
            f"{_redact(report.generate_report(), shape)}",
            hint="Check environment.json in the snapshot: it should be GetEnvironment's "
            "'Environment' as captured at pause time. Fix or remove the field named above.",
        )


def summary(environment: Mapping[str, Any]) -> dict[str, Any]:
    """The few facts people look at first, for status tables and notifications."""
    environment = _unwrap(environment)
    keys = (
        "Name",
        "Status",
        "AirflowVersion",
        "EnvironmentClass",
        "MinWorkers",
        "MaxWorkers",
        "Schedulers",
        "WebserverAccessMode",
        "CreatedAt",
    )
    out = {key: environment[key] for key in keys if key in environment}
    error = (environment.get("LastUpdate") or {}).get("Error") or {}
    if error:
        out["LastError"] = f"{error.get('ErrorCode', '?')}: {error.get('ErrorMessage', '')}"
    return out


class _Omit:
    """Marker for a value that is left out of the request (None, "", empty map)."""


_OMIT: Final = _Omit()


def _fit(value: Any, shape: Any, path: str, *, required: bool = False) -> Any:
    """``value`` conformed to input ``shape``: empties omitted, known output-only members
    dropped, anything else the shape lacks refused."""
    if value is None or (value == "" and not required):
        return _OMIT
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub_path = f"{path}.{key}"
            member = shape.members.get(key)
            if member is None:
                if any(fnmatch.fnmatchcase(sub_path, p) for p in NESTED_READ_ONLY):
                    continue
                raise _unknown_field(sub_path, None)
            fitted = _fit(item, member, sub_path, required=key in shape.required_members)
            if fitted is not _OMIT:
                out[key] = fitted
        return out
    if kind == "map" and isinstance(value, Mapping):
        fitted = {k: _fit(v, shape.value, f"{path}.{k}", required=True) for k, v in value.items()}
        entries = {k: v for k, v in fitted.items() if v is not _OMIT}
        return entries or _OMIT
    if kind == "list" and isinstance(value, list | tuple):
        items = [_fit(item, shape.member, f"{path}[]", required=True) for item in value]
        return [item for item in items if item is not _OMIT]
    # Scalars, and wrong types: botocore's validator reports the latter precisely.
    return value


def _redact(report: str, shape: Any) -> str:
    """Hide values of sensitive members (Airflow configuration may hold secrets)."""
    sensitive = [
        name
        for name, member in shape.members.items()
        if member.metadata.get("sensitive")
        or (member.type_name == "map" and member.value.metadata.get("sensitive"))
    ]
    lines = []
    for line in report.splitlines():
        if any(f"parameter {name}" in line for name in sensitive):
            line = re.sub(r"value: .*?, type:", "value: ***, type:", line)  # noqa: PLW2901
        lines.append(line)
    return "\n".join(lines)


def _user_tags(tags: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in tags.items() if not str(k).startswith(RESERVED_TAG_PREFIX)}


def _unwrap(environment: Mapping[str, Any]) -> Mapping[str, Any]:
    if "Name" not in environment and isinstance(environment.get("Environment"), Mapping):
        inner: Mapping[str, Any] = environment["Environment"]
        return inner
    return environment


def _unknown_field(path: str, environment: Mapping[str, Any] | None) -> UserError:
    where = f" of environment {environment.get('Name')!r}" if environment else ""
    return UserError(
        f"Field {path!r}{where} is not known to this version of mwaa-pause-resume "
        f"(botocore {botocore_version()}): it is neither a CreateEnvironment parameter "
        "nor a known read-only field, so the environment cannot be re-created with it.",
        hint=UPGRADE_HINT,
    )
