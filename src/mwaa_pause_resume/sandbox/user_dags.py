"""The user's own DAG files (``sandbox --dags PATH``): which of them Airflow parses, and
how each parse ended, read from Airflow's REST API.

Airflow's DAG processor skips, in its default safe mode, every ``.py`` file whose text
does not contain both "airflow" and "dag" (case-insensitive); such a file is never
reported, neither as DAGs nor as an import error. The sandbox waits until each file
Airflow does parse is seen one way or the other, so the report never depends on how
fast the DAG processor was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

Call = Callable[..., tuple[int, Any]]  # AirflowRestClient.observe

PARSE_WAIT_SECONDS = 120.0


def parsed_by_airflow(folder: Path) -> list[str]:
    """Paths (relative to ``folder``, POSIX) of the files Airflow's safe mode parses."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        text = path.read_bytes().lower()
        if b"airflow" in text and b"dag" in text:
            found.append(path.relative_to(folder).as_posix())
    return found


def import_errors(call: Call) -> list[dict[str, str]]:
    """DAG files that failed to import, by file, with Airflow's own message."""
    status, body = call("GET", "importErrors", {"limit": 1000})
    if status != 200:
        return [{"filename": "?", "error": f"listing import errors: HTTP {status}: {body}"}]
    return [
        {"filename": str(e.get("filename")), "error": str(e.get("stack_trace", ""))[-2000:]}
        for e in body.get("import_errors", [])
    ]


def _dag_files(call: Call) -> list[str]:
    status, body = call("GET", "dags", {"limit": 1000})
    return [str(d.get("fileloc", "")) for d in body.get("dags", [])] if status == 200 else []


def _is(path: str, relative: str) -> bool:
    """Airflow 2 reports absolute paths, Airflow 3 paths relative to the DAG bundle."""
    return path == relative or path.endswith("/" + relative)


def unseen(files: Iterable[str], dag_files: list[str], errors: list[dict[str, str]]) -> list[str]:
    """The files neither a DAG nor an import error comes from yet."""
    seen = [*dag_files, *(e["filename"] for e in errors)]
    return [f for f in files if not any(_is(path, f) for path in seen)]


def wait_until_parsed(
    call: Call, files: list[str], timeout: float = PARSE_WAIT_SECONDS
) -> tuple[list[dict[str, str]], list[str]]:
    """(import errors, files still not parsed after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        errors = import_errors(call)
        missing = unseen(files, _dag_files(call), errors)
        if not missing or time.monotonic() > deadline:
            return errors, missing
        time.sleep(3)
