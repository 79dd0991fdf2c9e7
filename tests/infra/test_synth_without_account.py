"""Synthesis of the example configuration without ``[deployment] account`` (and region).

CDK then leaves the account (and region) as the pseudo parameters ``AWS::AccountId``
and ``AWS::Region``; cdk-nag prints them as ``<AWS::AccountId>`` in its finding ids,
and the acknowledgments must match that form as well as 12 digits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mwaa_pause_resume.config import load_config
from mwaa_pause_resume.infra.nag import render, wildcard_reason

EXAMPLE = Path(__file__).parents[2] / "examples" / "mwaa-pause-resume.toml"


def _example_without(tmp_path: Path, *keys: str) -> Path:
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    kept = [line for line in lines if not any(line.startswith(f"{k} =") for k in keys)]
    assert len(lines) - len(kept) == len(keys)  # the example still sets each key
    path = tmp_path / "mwaa-pause-resume.toml"
    path.write_text("".join(kept))
    return path


@pytest.mark.parametrize("keys", [("account",), ("account", "region")], ids="-".join)
def test_the_example_without_an_account_synthesizes(tmp_path: Path, keys: tuple[str]) -> None:
    from mwaa_pause_resume.infra.app import synth

    config = load_config(_example_without(tmp_path, *keys))
    assert config.deployment.account is None
    template = synth(config, tmp_path / "out").template  # cdk-nag errors would raise
    assert "111122223333" not in str(template["Resources"]).replace(
        "arn:aws:iam::111122223333:role", ""
    )  # only the execution roles name the account: the rest is AWS::AccountId


@pytest.mark.parametrize(
    ("region", "account"),
    [
        ("eu-west-1", "111122223333"),
        ("us-gov-west-1", "111122223333"),
        ("<AWS::Region>", "<AWS::AccountId>"),
    ],
)
def test_scoped_wildcards_are_explained_with_or_without_a_concrete_account(
    region: str, account: str
) -> None:
    for actions, resource in [
        (["ec2:CreateVpcEndpoint"], f"ec2:{region}:{account}:vpc-endpoint/*"),
        (["ec2:CreateNetworkInterface"], f"ec2:{region}:{account}:subnet/*"),
        (["logs:CreateLogGroup"], f"logs:{region}:{account}:log-group:airflow-dev-*"),
        (["kms:CreateGrant"], f"kms:{region}:{account}:key/*"),
    ]:
        assert wildcard_reason(actions, f"arn:<AWS::Partition>:{resource}"), resource
    assert not wildcard_reason(["kms:CreateGrant"], "arn:<AWS::Partition>:kms:*:*:key/*")


def test_render_prints_fn_sub_pseudo_parameters_as_cdk_nag_does() -> None:
    sub = {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}
    assert render(sub) == "cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>"
