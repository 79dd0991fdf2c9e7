"""Check one raw TOML value against its field's kind, then apply the field's rule."""

from __future__ import annotations

import datetime
from typing import Any

from mwaa_pause_resume.config.fields import DEPLOYMENT_DEFAULTS, ENVIRONMENT_DEFAULTS, FieldSpec
from mwaa_pause_resume.config.problems import Invalid


def coerce(spec: FieldSpec, value: Any) -> Any:
    """Check a value's type against its field kind; apply the field rule."""
    if spec.kind in ("str", "optional_str"):
        if not isinstance(value, str):
            raise Invalid(
                f"must be text, not {type_name(value)}",
                f'put the value in double quotes: {spec.key} = "..."',
            )
        value = value.strip()
        if spec.kind == "optional_str" and not value:
            return None
    elif spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            example = _int_example(spec.key)
            if isinstance(value, float):
                raise Invalid(
                    f"must be a whole number, not {value!r}",
                    f"write it without a decimal point: {spec.key} = {example}",
                )
            raise Invalid(
                f"must be a whole number, not {type_name(value)}",
                f"write a number without quotes: {spec.key} = {example}",
            )
    elif spec.kind == "bool":
        if not isinstance(value, bool):
            raise Invalid(
                f"must be true or false, not {type_name(value)}",
                f"write {spec.key} = true or {spec.key} = false (no quotes)",
            )
    elif spec.kind == "list":
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list):  # TOML's own dates (skip_dates = [2026-12-24]) as text
            items = [i.isoformat() if type(i) is datetime.date else i for i in items]
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise Invalid(
                f"must be a list of text values, not {type_name(value)}",
                f'write {spec.key} = ["first", "second"]',
            )
        value = tuple(i.strip() for i in items if i.strip())
    return spec.rule(value) if spec.rule is not None else value


def _int_example(key: str) -> int:
    """The field's own default as the example (min_workers = 1, not 60)."""
    default = {**ENVIRONMENT_DEFAULTS, **DEPLOYMENT_DEFAULTS}.get(key)
    return default if isinstance(default, int) and not isinstance(default, bool) else 1


def type_name(value: Any) -> str:
    """How a message calls the type the user wrote ("text", "a number", "a table")."""
    names = {bool: "a boolean", int: "a number", float: "a number", str: "text", list: "a list"}
    return names.get(type(value), "a table" if isinstance(value, dict) else type(value).__name__)
