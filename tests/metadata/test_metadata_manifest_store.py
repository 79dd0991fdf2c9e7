"""Manifest validation and the local store (pure, no database)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mwaa_pause_resume.metadata import Manifest, SnapshotInvalid, open_store, verify_snapshot
from mwaa_pause_resume.metadata.errors import WrongKey
from mwaa_pause_resume.metadata.secrets import Cipher, fingerprint

GOOD: dict[str, Any] = {
    "format_version": 1,
    "created_at": "2026-03-01T00:00:00+00:00",
    "airflow_version": "2.10.3",
    "alembic_revision": "5f2621c13b39",
    "scope": "full",
    "tables": {
        "variable": {
            "columns": [{"name": "id", "type": "integer"}],
            "rows": 1,
            "bytes": 3,
            "sha256": "0" * 64,
            "file": "tables/variable.csv.gz",
        }
    },
    "excluded_dag_runs": [{"dag_id": "d", "run_id": "r"}],
    "interrupted": [{"dag_id": "d", "run_id": "r", "task_id": "t", "map_index": -1}],
    "paused_states": {"d": True},
    "secrets": {"scheme": "source-fernet-key", "key_fingerprint": "ab"},
}


def test_manifest_round_trips() -> None:
    manifest = Manifest.from_json(json.dumps(GOOD))
    assert Manifest.from_json(manifest.to_json()).to_dict() == manifest.to_dict()
    assert manifest.tables["variable"].column_names == ["id"]


def test_a_full_manifest_holds_every_restore_item() -> None:
    from mwaa_pause_resume.metadata.restore_summary import ITEMS

    manifest = Manifest.from_dict(GOOD)
    assert manifest.items is None and "items" not in manifest.to_dict()
    assert manifest.held_items() == ITEMS


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format_version": 9}, "format_version 9 is not supported"),
        ({"scope": "partial"}, "scope 'partial'"),
        ({"tables": []}, "tables of the wrong type"),
        (
            {
                "tables": {
                    "x": {
                        "columns": [],
                        "rows": 0,
                        "bytes": 0,
                        "sha256": "0" * 64,
                        "file": "tables/x",
                    }
                }
            },
            "no columns",
        ),
        (
            {
                "tables": {
                    "x": {
                        "columns": [{"name": "a", "type": "int"}],
                        "rows": 0,
                        "bytes": 0,
                        "sha256": "0" * 64,
                        "file": "../../etc/passwd",
                    }
                }
            },
            "unsafe file name",
        ),
        (
            {
                "tables": {
                    "x": {
                        "columns": [{"name": "a", "type": "int"}],
                        "rows": 0,
                        "bytes": 0,
                        "sha256": "xyz",
                        "file": "tables/x",
                    }
                }
            },
            "malformed sha256",
        ),
        ({"secrets": {"scheme": "kms-envelope"}}, "without secrets.encrypted_data_key"),
        ({"secrets": {"scheme": "rot13"}}, "secrets.scheme 'rot13'"),
        ({"paused_states": {"d": "yes"}}, "non-boolean"),
        ({"interrupted": [{"dag_id": "d"}]}, "interrupted entry"),
        ({"created_at": None}, "created_at of the wrong type"),
        ({"items": "variables"}, "items of the wrong type"),
        ({"items": ["variables", 3]}, "items entry that is not a name"),
    ],
)
def test_manifest_rejects_bad_shapes(change: dict[str, Any], message: str) -> None:
    with pytest.raises(SnapshotInvalid, match=message):
        Manifest.from_dict({**GOOD, **change})


def test_manifest_rejects_non_json() -> None:
    with pytest.raises(SnapshotInvalid, match="not valid JSON"):
        Manifest.from_json("{nope")


def test_local_store_writes_atomically(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "snap"))
    with store.open_write("tables/a.csv.gz") as out:
        out.write(b"abc")
    with pytest.raises(RuntimeError), store.open_write("tables/b.csv.gz") as out:
        out.write(b"partial")
        raise RuntimeError("interrupted")
    assert store.list() == ["tables/a.csv.gz"]
    assert sorted(p.name for p in (tmp_path / "snap" / "tables").iterdir()) == ["a.csv.gz"]
    store.put_json("manifest.json", {"a": 1})
    assert store.get_json("manifest.json") == {"a": 1}
    store.delete_prefix("tables/")
    assert store.list() == ["manifest.json"]
    with pytest.raises(ValueError, match="bad object name"):
        store.exists("../escape")


def test_verify_names_a_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(SnapshotInvalid, match=r"no manifest\.json"):
        verify_snapshot(open_store(str(tmp_path)))


def test_unsupported_location_scheme() -> None:
    with pytest.raises(SnapshotInvalid, match="unsupported snapshot location"):
        open_store("gs://bucket/x")


def test_cipher_matches_airflow_multifernet_and_fingerprint_hides_key() -> None:
    from cryptography.fernet import Fernet

    k_new, k_old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    cipher = Cipher(f"{k_new},{k_old}", "key")
    old_token = Fernet(k_old.encode()).encrypt(b"v").decode()
    assert cipher.decrypt(old_token, "x") == "v"  # any key of the list decrypts
    assert Fernet(k_new.encode()).decrypt(cipher.encrypt("w").encode()) == b"w"  # first encrypts
    assert fingerprint(k_new) != fingerprint(k_old) and k_new not in fingerprint(k_new)
    with pytest.raises(WrongKey, match="not a valid Fernet key"):
        Cipher("short", "source Fernet key")


def test_docs_classify_every_table() -> None:
    from mwaa_pause_resume.metadata import KEPT, REGENERATED

    text = (Path(__file__).parents[2] / "docs" / "metadata.md").read_text()
    undocumented = [t for t in [*KEPT, *REGENERATED] if t not in text]
    assert undocumented == []


def test_revision_compatibility_set() -> None:
    from mwaa_pause_resume.metadata.schema_compat import compatible, describe_revision

    assert compatible("5f2621c13b39", "5f2621c13b39")
    assert compatible("22ed7efa9da2", "5f2621c13b39")  # MWAA 2.10.1 -> 2.10.3 / 2.11.0
    assert not compatible("5f2621c13b39", "fe199e1abd77")
    assert not compatible(None, "fe199e1abd77")
    assert not compatible("1d6611b6ab7c", "d2f4e1b3c5a7")  # 3.2.1 and 3.3.1 differ
    # named from the registry: every supported version migrated to the revision
    assert describe_revision("5f2621c13b39") == "5f2621c13b39 (Airflow 2.10.3, 2.11.0, 2.11.2)"
    assert describe_revision("d2f4e1b3c5a7") == "d2f4e1b3c5a7 (Airflow 3.3.1)"
    assert describe_revision("686269002441") == "686269002441 (no supported Airflow version)"
