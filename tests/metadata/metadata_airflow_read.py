"""Runs inside an Airflow virtualenv: read secrets back through Airflow's own models.

Variables, connection passwords/extras and trigger kwargs are decrypted by Airflow
with the Fernet key of its environment; prints one JSON line prefixed RESULT.
"""

from __future__ import annotations

import json

from airflow.models import Connection, Trigger, Variable
from airflow.utils.session import create_session


def main() -> None:
    with create_session() as session:
        variables = {v.key: v.val for v in session.query(Variable).all()}
        connections = {
            c.conn_id: {"password": c.password, "extra": c.extra}
            for c in session.query(Connection).all()
        }
        triggers = [t.kwargs.get("note") for t in session.query(Trigger).all()]
    print(
        "RESULT "
        + json.dumps({"variables": variables, "connections": connections, "triggers": triggers})
    )


if __name__ == "__main__":
    main()
