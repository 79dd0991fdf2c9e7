"""cdk-nag AwsSolutions and cfn-lint on the synthesized stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.infra.cfn_lint_helper import cfn_lint
from tests.infra.infra_config import CONFIG


def test_nag_passes_with_every_acknowledgment_carrying_a_reason(synthesized: Any) -> None:
    # The session synthesis ran AwsSolutionsChecks: it raises on any unacknowledged finding.
    # CDK writes this report only when a validation plugin is attached, and lists only the
    # plugins that found violations: present and empty is a clean cdk-nag run.
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    assert report["pluginReports"] == []
    tree = (synthesized.outdir / "MwaaPauseResume.metadata.json").read_text()
    acknowledged = [m for m in json.loads(tree).values() for m in m]
    rules = {
        rule: reason
        for entry in acknowledged
        if entry["type"] == "aws:cdk:acknowledged-rules"
        for rule, reason in entry["data"].items()
    }
    assert any("AwsSolutions-IAM5[" in rule for rule in rules)
    assert all(len(reason) > 20 for reason in rules.values())


def test_an_unexplained_wildcard_grant_fails_the_synthesis(tmp_path: Path) -> None:
    from aws_cdk import aws_iam as iam

    from mwaa_pause_resume.infra.app import build_app

    app, stack = build_app(CONFIG, tmp_path / "out")
    # In the role's default policy, next to X-Ray's acknowledged Resource::* statement.
    stack.functions.roles["begin"].add_to_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"])
    )
    with pytest.raises(RuntimeError, match=r"[Vv]alidation"):
        app.synth()
    report = json.loads((tmp_path / "out" / "validation-report.json").read_text())
    failing = [v["ruleName"] for p in report["pluginReports"] for v in p["violations"]]
    assert failing == ["AwsSolutions-IAM5[Resource::*]"]
    assert "Begin" in json.dumps(report)


def test_cfn_lint_reports_a_broken_template(tmp_path: Path) -> None:
    """The harness below can fail: an invalid property is reported as an error."""
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps({"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"Nope": 1}}}})
    )
    assert {m["Rule"]["Id"] for m in cfn_lint(broken)} == {"E3002"}


def test_cfn_lint_finds_no_error(synthesized: Any) -> None:
    matches = cfn_lint(synthesized.template_path)
    rules = {m["Rule"]["Id"] for m in matches}
    # W3005 (redundant DependsOn) is how CDK writes dependencies.
    assert rules <= {"W3005"}, [m for m in matches if m["Rule"]["Id"] != "W3005"][:3]
