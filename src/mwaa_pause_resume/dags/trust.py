"""The DAGs' trust file: which HMAC key and which snapshot root they trust.

``mwaa_pause_resume/dags/trust.json`` in the DAGs folder is written by whoever
installs the DAGs (the stack's BucketDeployment, the sandbox, the tests), never
read from a run's conf: a run could otherwise name its own key. Without it the
DAGs refuse every run. Standard library only (the file ships in the DAG bundle).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mwaa_pause_resume.shared.snapshot_access_point import access_point_arn

TRUST_FILE = "trust.json"
TRUST_PATH = f"mwaa_pause_resume/dags/{TRUST_FILE}"  # relative to the DAGs folder
FORMAT_VERSION = 1


class TrustMissing(RuntimeError):
    """The DAGs folder has no usable trust file: the DAGs were not deployed by the tool."""


@dataclass(frozen=True)
class Trust:
    mac_key_id: str  # the deployment's KMS HMAC key (ARN)
    snapshot_root: str  # s3://<backup bucket>/ (or a local folder in tests)
    deployment: str  # the stack name, for messages
    # arn:<partition>:s3:<region>:<account>:accesspoint/<the deployment's name prefix>:
    # the DAGs reach the bucket through their environment's access point
    # (shared/snapshot_access_point.py). None: straight to the bucket (the sandbox, whose
    # moto server serves access points only under AWS's host names).
    access_point_arn_prefix: str | None = None

    def access_point(self, environment: str) -> str | None:
        """The ARN of ``environment``'s access point, or None for the bucket itself."""
        if not self.access_point_arn_prefix:
            return None
        return access_point_arn(self.access_point_arn_prefix, environment)


def trust_document(
    *,
    mac_key_id: str,
    snapshot_root: str,
    deployment: str,
    access_point_arn_prefix: str | None = None,
) -> dict[str, Any]:
    """The trust file's content (values may be CDK tokens, resolved at deploy time)."""
    document = {
        "format_version": FORMAT_VERSION,
        "mac_key_id": mac_key_id,
        "snapshot_root": snapshot_root,
        "deployment": deployment,
    }
    if access_point_arn_prefix:
        document["access_point_arn_prefix"] = access_point_arn_prefix
    return document


def write_trust(dags_folder: Path, document: dict[str, Any]) -> Path:
    """Write the trust file into a DAGs folder (the sandbox and the tests)."""
    target = dags_folder / TRUST_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return target


def dags_folder_trust_path() -> Path:
    """Where the trust file is: in Airflow's DAGs folder (``[core] dags_folder``), wherever
    this code was imported from."""
    from airflow.configuration import conf

    return Path(str(conf.get("core", "dags_folder"))) / TRUST_PATH


def load_trust(path: Path | None = None) -> Trust:
    """The trust file of the DAGs folder (or ``path``), checked."""
    path = path or dags_folder_trust_path()
    howto = (
        "deploy the DAGs with `mwaa-pause-resume deploy` (its BucketDeployment writes "
        f"{TRUST_PATH} with the stack's HMAC key), never by copying the files by hand"
    )
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise TrustMissing(f"no trust file {path}: every run is refused; {howto}") from None
    except (OSError, ValueError) as exc:
        raise TrustMissing(f"trust file {path} is unreadable ({exc}); {howto}") from None
    values = data if isinstance(data, dict) else {}
    fields = ("mac_key_id", "snapshot_root", "deployment")
    if not all(isinstance(values.get(f), str) and values[f] for f in fields):
        raise TrustMissing(f"trust file {path} lacks {', '.join(fields)}; {howto}")
    root = values["snapshot_root"]
    root = root if root.endswith("/") else root + "/"
    access_points = values.get("access_point_arn_prefix")
    if access_points is not None and not (
        isinstance(access_points, str) and access_points.startswith("arn:")
    ):
        raise TrustMissing(f"trust file {path} has an invalid access_point_arn_prefix; {howto}")
    return Trust(values["mac_key_id"], root, values["deployment"], access_points or None)
