"""The target's Fernet key is checked before a restore writes anything (issue 13, item 4),
and a restore stops reading a table file at its manifest's bounds (item 6).

Real PostgreSQL with the tiny Airflow-shaped schema of ``mini_airflow``; every refusal
leaves the target exactly as it was (rows and sequences: ``metadata_fingerprint``),
exits 2 from the CLI with the reason, and prints no traceback.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from mwaa_pause_resume.cli.app import app
from mwaa_pause_resume.metadata import export_snapshot, open_store
from mwaa_pause_resume.metadata.streams import BUFFER
from tests.metadata.metadata_fingerprint import changed, fingerprint
from tests.metadata.mini_airflow import MiniPair

pytestmark = pytest.mark.postgres
runner = CliRunner()
OTHER = Fernet.generate_key().decode()  # a key of neither database


@pytest.fixture(autouse=True)
def _no_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW__CORE__FERNET_KEY", raising=False)
    monkeypatch.delenv("MWAA_PR_SOURCE_FERNET_KEY", raising=False)


def _own_secret(pair: MiniPair, key: str) -> None:
    """The target's own variable, encrypted under ``key`` (the target environment's)."""
    token = Fernet(key.encode()).encrypt(b"target's own").decode()
    with pair.target.cursor() as cur:
        cur.execute(
            "INSERT INTO variable (key, val, is_encrypted) VALUES ('own', %s, true)", (token,)
        )
    pair.target.commit()


def _import(pair: MiniPair, folder: Path, *args: str) -> Any:
    # made here by `metadata export` (unsigned): the engine's own checks are under test
    command = ["metadata", "import", "--db-url", pair.target_url, "--from", str(folder)]
    return runner.invoke(app, [*command, *args, "--allow-unsigned"])


def _refused(pair: MiniPair, folder: Path, pattern: str, *args: str) -> None:
    """The CLI import exits 2 naming ``pattern``, and the target is unchanged."""
    before = fingerprint(pair.target)
    done = _import(pair, folder, *args)
    assert done.exit_code == 2, done.output
    assert re.search(pattern, " ".join(done.stderr.split())), done.stderr
    assert "Traceback" not in done.output and isinstance(done.exception, SystemExit)
    assert not changed(before, fingerprint(pair.target))


def test_a_wrong_target_key_is_refused_before_any_write(
    mini_pair: MiniPair, tmp_path: Path
) -> None:
    """Imported under a key that is not the target's, the secrets would be unreadable by
    the target's Airflow: the key must decrypt the target's own secrets first."""
    target_key = Fernet.generate_key().decode()
    _own_secret(mini_pair, target_key)
    export_snapshot(mini_pair.source, open_store(str(tmp_path)), fernet_key=mini_pair.key)
    _refused(
        mini_pair, tmp_path,
        r"the target Fernet key does not decrypt the target database's own secrets "
        r"\(variable 'own' \(val\)\).*nothing was changed",
        "--fernet-key", OTHER, "--source-fernet-key", mini_pair.key,
    )  # fmt: skip
    # the target's key (a rotated list whose second key is the one in use, too) restores
    rotated = f"{Fernet.generate_key().decode()},{target_key}"
    done = _import(mini_pair, tmp_path, "--fernet-key", rotated, "--source-fernet-key",
                   mini_pair.key)  # fmt: skip
    assert done.exit_code == 0, done.output
    with mini_pair.target.cursor() as cur:
        cur.execute("SELECT val FROM variable WHERE key = 'secret'")
        (token,) = cur.fetchone()
    assert (
        Fernet(rotated.split(",", maxsplit=1)[0].encode()).decrypt(token.encode())
        == b"secret value"
    )


def test_no_key_into_a_database_that_encrypts_is_refused(
    mini_pair: MiniPair, tmp_path: Path
) -> None:
    _own_secret(mini_pair, Fernet.generate_key().decode())
    export_snapshot(mini_pair.source, open_store(str(tmp_path)), fernet_key=mini_pair.key)
    _refused(
        mini_pair, tmp_path,
        r"the target database encrypts its secrets \(variable 'own' \(val\) is encrypted\) "
        r"and no target Fernet key was given: the snapshot's secrets would be written in "
        r"plaintext; nothing was changed.*--fernet-key",
        "--source-fernet-key", mini_pair.key,
    )  # fmt: skip


def test_encrypted_secrets_are_never_written_in_plaintext(
    mini_pair: MiniPair, tmp_path: Path
) -> None:
    """A target without encrypted rows yet (a fresh environment) and no key given: the
    snapshot's encrypted secrets are not decrypted into plaintext rows."""
    export_snapshot(mini_pair.source, open_store(str(tmp_path)), fernet_key=mini_pair.key)
    _refused(
        mini_pair, tmp_path,
        r"the snapshot's secrets are encrypted and no target Fernet key was given: they "
        r"would be written into the target database in plaintext",
        "--source-fernet-key", mini_pair.key,
    )  # fmt: skip


def _plaintext_snapshot(pair: MiniPair, folder: Path) -> None:
    """A snapshot in the ``none`` scheme: a source without a key (no encrypted value)."""
    with pair.source.cursor() as cur:
        cur.execute("UPDATE variable SET val = 'no longer secret', is_encrypted = false")
    pair.source.commit()
    manifest = export_snapshot(pair.source, open_store(str(folder)), fernet_key=None)
    assert manifest.secrets.scheme == "none"


def test_a_plaintext_snapshot_never_goes_into_a_database_that_encrypts(
    mini_pair: MiniPair, tmp_path: Path
) -> None:
    """Nothing vouches for a ``none`` snapshot's connections and variables (anyone who can
    write the folder can make one): a database that encrypts its secrets refuses it."""
    _plaintext_snapshot(mini_pair, tmp_path)
    plaintext = r"holds its secrets in plaintext \(secrets scheme 'none'"
    _refused(mini_pair, tmp_path, rf"{plaintext}.*\(a Fernet key was given\)",
             "--fernet-key", mini_pair.key)  # fmt: skip
    _own_secret(mini_pair, mini_pair.key)
    _refused(mini_pair, tmp_path, rf"{plaintext}.*\(variable 'own' \(val\) is encrypted\)")
    # a database without encryption takes it, as before
    with mini_pair.target.cursor() as cur:
        cur.execute("DELETE FROM variable")
    mini_pair.target.commit()
    done = _import(mini_pair, tmp_path)
    assert done.exit_code == 0, done.output


def _replace_job_file(folder: Path, data: bytes, **entry: Any) -> None:
    (folder / "tables/job.csv.gz").write_bytes(data)
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    job = manifest["tables"]["job"]
    job.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), **entry)
    manifest["tables"]["job"] = {k: v for k, v in job.items() if v is not None}
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("entry", "stop"),
    [
        ({}, r"expands to more than the manifest's \d+ bytes"),
        ({"raw_bytes": None}, r"holds more than the manifest's 3 rows"),  # an older manifest
    ],
    ids=["decompressed size", "rows"],
)
def test_a_gzip_bomb_stops_before_it_fills_the_staging_table(
    mini_pair: MiniPair, tmp_path: Path, entry: dict[str, Any], stop: str
) -> None:
    """2.5 MB of gzip holding 256 MB of valid job rows, re-hashed into the manifest: the
    restore stops reading at the manifest's bound, before the first chunk reaches COPY."""
    export_snapshot(mini_pair.source, open_store(str(tmp_path)), fernet_key=mini_pair.key)
    first_row = gzip.decompress((tmp_path / "tables/job.csv.gz").read_bytes()).split(b"\n")[0]
    block = 8 << 20
    member = gzip.compress((first_row + b"\n") * (block // (len(first_row) + 1)), 9, mtime=0)
    _replace_job_file(tmp_path, member * 32, **entry)
    before = fingerprint(mini_pair.target)
    done = _import(mini_pair, tmp_path, "--fernet-key", mini_pair.key, "--source-fernet-key",
                   mini_pair.key)  # fmt: skip
    assert done.exit_code == 2, done.output
    message = " ".join(done.stderr.split())
    assert re.search(rf"tables/job\.csv\.gz \(table job\) {stop}", message), message
    read = re.search(r"reading stopped after (\d+) decompressed bytes", message)
    assert read is not None and int(read[1]) <= 2 * BUFFER, message
    assert "nothing was changed" in message and "Traceback" not in done.output
    assert not changed(before, fingerprint(mini_pair.target))


def test_a_table_missing_from_the_snapshot_is_refused(mini_pair: MiniPair, tmp_path: Path) -> None:
    """Removed from the manifest together with its file: the target's schema says every
    export of it writes that table, so the snapshot is incomplete."""
    export_snapshot(mini_pair.source, open_store(str(tmp_path)), fernet_key=mini_pair.key)
    (tmp_path / "tables/log.csv.gz").unlink()
    path = tmp_path / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["tables"]["log"]
    path.write_text(json.dumps(manifest))
    _refused(
        mini_pair, tmp_path, r"the snapshot has no rows file for table\(s\) log",
        "--fernet-key", mini_pair.key, "--source-fernet-key", mini_pair.key,
    )  # fmt: skip
