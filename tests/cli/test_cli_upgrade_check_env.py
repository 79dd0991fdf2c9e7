"""``upgrade-check --env ENV`` (issue 12): the environment's DAGs folder, plugins.zip and
requirements.txt are read from S3 (moto) at the versions it pins, and the findings name
their S3 location."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from tests.cli.cli_ops_helpers import ENV, MakeDeployed, assert_exit, environment_request

FIXTURES = Path(__file__).resolve().parents[1] / "upgrade_check"
DAGS_BUCKET = "mwaa-dags"


def test_the_environments_files_are_read_from_s3(make_deployed: MakeDeployed) -> None:
    deployed = make_deployed(seed=False)
    deployed.local.create_bucket(DAGS_BUCKET)
    s3 = deployed.s3()
    for path in (FIXTURES / "dags_2x").rglob("*.*"):
        key = "dags/" + path.relative_to(FIXTURES / "dags_2x").as_posix()
        s3.put_object(Bucket=DAGS_BUCKET, Key=key, Body=path.read_bytes())
    s3.put_object(
        Bucket=DAGS_BUCKET, Key="dags/mwaa_pause_resume/own.py", Body=b"import airflow.contrib\n"
    )
    plugins = io.BytesIO()
    with zipfile.ZipFile(plugins, "w") as archive:
        archive.writestr("my_plugin.py", "from airflow.contrib.hooks import ssh_hook\n")
    s3.put_object(Bucket=DAGS_BUCKET, Key="plugins.zip", Body=plugins.getvalue())
    body = (FIXTURES / "requirements_2x.txt").read_bytes()
    s3.put_object(Bucket=DAGS_BUCKET, Key="requirements.txt", Body=body)
    deployed.mwaa.seed(
        {
            **environment_request(),
            "PluginsS3Path": "plugins.zip",
            "RequirementsS3Path": "requirements.txt",
        }
    )

    result = deployed.cli("upgrade-check", "--env", ENV, "--to", "3.0.6", "--json")

    assert_exit(result, 1)
    files = {f["file"] for f in json.loads(result.stdout)["findings"]}
    assert f"s3://{DAGS_BUCKET}/dags/etl_daily.py" in files
    assert f"s3://{DAGS_BUCKET}/dags/sql/report.sql" in files
    assert f"s3://{DAGS_BUCKET}/plugins.zip!/my_plugin.py" in files
    assert f"s3://{DAGS_BUCKET}/requirements.txt" in files
    assert not any("mwaa_pause_resume" in f for f in files)  # the tool's own bundle

    both = deployed.cli("upgrade-check", "./dags", "--env", ENV, "--to", "3.0.6")
    assert_exit(both, 2)
