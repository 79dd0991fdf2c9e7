"""Runs inside an Airflow virtualenv: read variables and connections back through
Airflow's own models (decrypting with the configured Fernet key); prints JSON."""

from __future__ import annotations

import json

from airflow.models import Connection, Variable
from airflow.utils.session import create_session


def main() -> None:
    with create_session() as session:
        variables = {v.key: v.val for v in session.query(Variable).all()}
        connections = {
            c.conn_id: {
                "password": c.password,
                "extra": c.extra,
                "login": c.login,
                "host": c.host,
                "schema": c.schema,
                "port": c.port,
            }
            for c in session.query(Connection).all()
        }
    print("RESULT " + json.dumps({"variables": variables, "connections": connections}))


if __name__ == "__main__":
    main()
