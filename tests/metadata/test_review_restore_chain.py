"""Review: pause -> resume -> pause -> resume chains and the restore guard.

Snapshot S1 restored into B; S2 exported from B holds S1's restore record in its audit
log. Restoring S2 into a fresh C works. Restoring S1 into C is refused (C holds S1's
history already), but S1 is not the state C was last restored to: the import DAG must
not take that refusal for "this import already succeeded" (it does so only for a retry
of the snapshot last restored). ``AlreadyRestored.restored_last`` tells the two apart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from metadata_seed import EXPORT_RUN

from mwaa_pause_resume.metadata import (
    AlreadyRestored,
    export_snapshot,
    open_store,
    restore_snapshot,
)

pytestmark = [pytest.mark.postgres, pytest.mark.airflow]


def test_chain_refusals_say_whether_the_snapshot_was_restored_last(
    make_pair: Callable[..., Any], tmp_path: Path
) -> None:
    pair = make_pair("2.10.3")
    export_snapshot(
        pair.source,
        pair.store,
        fernet_key=pair.k1,
        airflow_version=pair.version,
        exclude_dag_runs=[EXPORT_RUN],
        original_paused=pair.facts["original_paused"],
    )  # S1
    restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    # B retried: S1 is what B was last restored to
    with pytest.raises(AlreadyRestored) as retry:
        restore_snapshot(pair.target, pair.store, fernet_key=pair.k2, snapshot_key=pair.k1)
    assert retry.value.restored_last is True
    assert "history of snapshot" not in retry.value.message

    onward = make_pair("2.10.3", seed_target_rows=False)  # its fresh target plays C
    s2 = open_store(str(tmp_path / "s2"))
    export_snapshot(pair.target, s2, fernet_key=pair.k2)
    report = restore_snapshot(onward.target, s2, fernet_key=onward.k2, snapshot_key=pair.k2)
    assert not report.forced  # S1's record inside S2 does not stop S2

    with pytest.raises(AlreadyRestored) as older:
        restore_snapshot(onward.target, pair.store, fernet_key=onward.k2, snapshot_key=pair.k1)
    assert older.value.restored_last is False
    assert "as history of snapshot s2" in older.value.message

    with pytest.raises(AlreadyRestored) as again:
        restore_snapshot(onward.target, s2, fernet_key=onward.k2, snapshot_key=pair.k2)
    assert again.value.restored_last is True
