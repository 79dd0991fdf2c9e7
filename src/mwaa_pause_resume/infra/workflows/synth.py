"""The ASL the CDK app deploys, synthesized offline (no cdk CLI) for tests, the sandbox
and the CLI: ``synthesize_definitions()["pause"]`` is the pause definition as a dict.

Lambda ARNs in it are placeholders (:func:`policy.placeholder_arn`), replaced by
:func:`substitute_function_arns`. Cached per process and on disk, by content.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mwaa_pause_resume.infra.workflows import policy
from mwaa_pause_resume.infra.zipping import cache_root, digest_files, reuse_or_prune

PSEUDO_PARAMETERS = {
    "AWS::Partition": "aws",
    "AWS::Region": policy.PLACEHOLDER_REGION,
    "AWS::AccountId": policy.PLACEHOLDER_ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
}


@functools.cache
def _synthesize() -> str:
    """The definitions as JSON: from the content-addressed cache when the package's
    source and the CDK library are those that produced it (a cold synth starts node and
    takes seconds; the sandbox and each test worker would pay it again)."""
    from importlib.metadata import version

    package = Path(__file__).resolve().parents[2]
    sources = [(path, path.relative_to(package).as_posix()) for path in package.rglob("*.py")]
    target = cache_root() / f"asl-{digest_files(sources, extra=version('aws-cdk-lib'))}.json"
    if reuse_or_prune(target, "asl-"):
        return target.read_text()
    synthesized = _synthesize_with_cdk()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(synthesized)
    partial.replace(target)
    return synthesized


def _synthesize_with_cdk() -> str:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    import aws_cdk as cdk
    from aws_cdk import aws_lambda as lambda_

    from mwaa_pause_resume.infra.workflows.construct import PauseResumeWorkflows

    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(
        app,
        "MwaaPauseResumeWorkflows",
        env=cdk.Environment(account=policy.PLACEHOLDER_ACCOUNT, region=policy.PLACEHOLDER_REGION),
    )
    functions = {
        key: lambda_.Function.from_function_arn(stack, f"Fn-{key}", policy.placeholder_arn(key))
        for key in policy.FUNCTION_KEYS
    }
    workflows = PauseResumeWorkflows(stack, "Workflows", functions=functions)
    template = app.synth().get_stack_by_name(stack.stack_name).template
    out: dict[str, Any] = {}
    for workflow in policy.WORKFLOWS:
        default_child = workflows.state_machine(workflow).node.default_child
        assert default_child is not None
        logical_id = stack.resolve(stack.get_logical_id(default_child))  # type: ignore[arg-type]
        properties = template["Resources"][logical_id]["Properties"]
        out[workflow] = json.loads(resolve_intrinsics(properties["DefinitionString"]))
    return json.dumps(out)


def synthesize_definitions() -> dict[str, dict[str, Any]]:
    """{"pause": ASL, "resume": ASL}: fresh copies of the cached synthesis."""
    definitions: dict[str, dict[str, Any]] = json.loads(_synthesize())
    return definitions


def resolve_intrinsics(value: Any, refs: Mapping[str, str] | None = None) -> Any:
    """Evaluate the Fn::Join / Ref / Fn::GetAtt of a template value into a plain string:
    pseudo parameters get placeholder values, other references ``${LogicalId}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Fn::Join":
            separator, parts = arg
            return separator.join(str(resolve_intrinsics(p, refs)) for p in parts)
        if fn == "Ref":
            return (refs or {}).get(arg) or PSEUDO_PARAMETERS.get(arg) or f"${{{arg}}}"
        if fn == "Fn::GetAtt":
            return f"${{{'.'.join(arg)}}}"
    raise ValueError(f"cannot resolve template value {value!r}")


def substitute_function_arns(
    definition: Mapping[str, Any], arns: Mapping[str, str]
) -> dict[str, Any]:
    """``definition`` with each placeholder Lambda ARN replaced by ``arns[key]``."""
    text = json.dumps(definition)
    for key, arn in arns.items():
        text = text.replace(json.dumps(policy.placeholder_arn(key))[1:-1], arn)
    result: dict[str, Any] = json.loads(text)
    return copy.deepcopy(result)
