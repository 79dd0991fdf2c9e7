"""The names the workflows and the DAGs agree on: the DAG ids and the objects the export
DAG writes for the pause workflow to read back.

The DAG files register these ids; the workflow triggers them by the ids of its
settings, whose defaults are these (an operator may rename the DAGs).
"""

from __future__ import annotations

EXPORT_DAG_ID = "mwaa_export_data"
IMPORT_DAG_ID = "mwaa_import_data"
# The DAGs' paused states before the export DAG paused them (dags.quiesce writes it into
# the snapshot; a failed pause puts them back from it: functions.failure).
PAUSED_STATES_FILE = "paused-states.json"
