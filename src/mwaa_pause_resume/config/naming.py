"""How a configuration problem names its field and says how to supply a missing one.

The TOML builder names fields by their TOML path (``environments[0].name``); the seed
reader (``seed_env.EnvNaming``) names the environment variable the user set instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

FieldPath = tuple[str | int, ...]
# Records one problem: the field's path, what is wrong, how to fix it.
AddProblem = Callable[[FieldPath, str, str], None]
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class Naming:
    """How problems name a field, and how to supply a missing one (TOML spelling)."""

    def name(self, path: FieldPath) -> str:
        out = ""
        for part in path:
            if isinstance(part, int):
                out += f"[{part}]"
            else:
                text = part if _BARE_KEY.fullmatch(part) else json.dumps(part)
                out += f".{text}" if out else text
        return out

    def key(self, key: str) -> str:
        """How a key is spelled inside messages."""
        return key

    def missing_fix(self, key: str) -> str:
        if key == "name":  # the one key [defaults] refuses: it must differ per environment
            return 'add name = "..." (the MWAA environment\'s name) to this [[environments]] entry'
        return f"add {key} = ... to this [[environments]] entry or to [defaults]"
