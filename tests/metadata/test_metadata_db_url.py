"""A password in a database URL never reaches a message, wherever the URL carries it
(issue 13). No server: port 1 on loopback refuses the connection at once."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.metadata import DatabaseUnavailable
from mwaa_pause_resume.metadata.db import connect

SECRET = "s3cr3t-Pw"
URLS = [
    f"postgresql://airflow:{SECRET}@127.0.0.1:1/airflow",
    f"postgresql://airflow@127.0.0.1:1/airflow?password={SECRET}",
    f"postgresql://airflow@127.0.0.1:1/airflow?sslmode=disable&password={SECRET}&x=1",
    f"postgresql://airflow@127.0.0.1:1/airflow?PASSWORD={SECRET}",
    f"postgresql://airflow@127.0.0.1:1/airflow?sslpassword={SECRET}",  # the key's passphrase
    f"postgresql+psycopg2://airflow@127.0.0.1:1/airflow?password={SECRET}",
    f"postgresql://airflow@127.0.0.1:1/airflow?password={SECRET.replace('-', '%2D')}",
    f"host=127.0.0.1 port=1 user=airflow password={SECRET}",  # libpq key/value, not a URL
    f"host=127.0.0.1 port=1 password='{SECRET} x'",
    f"mysql://airflow:{SECRET}@db/airflow",
]


@pytest.mark.parametrize("url", URLS)
def test_password_is_redacted(url: str) -> None:
    with pytest.raises(DatabaseUnavailable) as err:
        connect(url)
    text = str(err.value)
    assert SECRET not in text and SECRET.replace("-", "%2D") not in text, text
    assert "***" in text, text


@pytest.mark.parametrize("url", URLS[1:3])
def test_cli_prints_no_password(url: str) -> None:
    done = CliRunner().invoke(app, ["metadata", "export", "--db-url", url, "--to", "unused"])
    assert done.exit_code == 2, done.output
    assert SECRET not in done.output and "***" in done.stderr
