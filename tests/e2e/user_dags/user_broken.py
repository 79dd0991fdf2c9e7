"""A user's DAG file that fails to import: the sandbox reports it and goes on."""

from __future__ import annotations

import module_that_does_not_exist  # noqa: F401
