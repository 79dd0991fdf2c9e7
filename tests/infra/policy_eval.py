"""Which requests a bucket policy's Deny statements refuse (test oracle, small on purpose).

Covers the IAM policy grammar the stack's bucket policy uses: ``Action`` lists,
``Resource``/``NotResource`` with ``*``/``?`` wildcards, and ``ArnLike``/``ArnNotLike``
on ``aws:PrincipalArn`` (the IAM reference semantics). Any other condition makes the
statement unmatched for the caller to notice: :func:`denied` refuses to guess.
"""

from __future__ import annotations

import re
from typing import Any


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _glob(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.S) is not None


def _condition_holds(condition: dict[str, Any], principal_arn: str) -> bool:
    for operator, tests in condition.items():
        if operator not in ("ArnLike", "ArnNotLike") or set(tests) != {"aws:PrincipalArn"}:
            raise AssertionError(f"the oracle does not know condition {operator} {tests}")
        hit = any(_glob(p, principal_arn) for p in _as_list(tests["aws:PrincipalArn"]))
        if hit != (operator == "ArnLike"):
            return False
    return True


def denied(
    statements: list[dict[str, Any]], principal_arn: str, action: str, resource: str
) -> bool:
    """Whether a Deny statement (Principal ``*``) matches the request."""
    for statement in statements:
        if statement["Effect"] != "Deny":
            continue
        if statement.get("Condition", {}).get("Bool"):  # the TLS deny: requests use TLS
            continue
        if not any(_glob(a, action) for a in _as_list(statement["Action"])):
            continue
        if "Resource" in statement:
            in_scope = any(_glob(r, resource) for r in _as_list(statement["Resource"]))
        else:
            in_scope = not any(_glob(r, resource) for r in _as_list(statement["NotResource"]))
        if in_scope and _condition_holds(statement.get("Condition", {}), principal_arn):
            return True
    return False
