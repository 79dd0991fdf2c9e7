"""IAM decisions within one policy (test oracle, small on purpose).

Covers the IAM policy grammar the stack's policies use: ``Action``/``NotAction`` lists,
``Resource``/``NotResource`` with ``*``/``?`` wildcards, ``Principal`` as ``*``, an
account or an ARN, and the condition operators in :data:`_MATCHERS` with their ``Not``
forms (a negated operator holds when the key is absent, as in IAM). Any other operator
raises: the oracle refuses to guess.
"""

from __future__ import annotations

import re
from typing import Any


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _glob(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.S) is not None


# -- whole-policy decisions (Allow and Deny, with the condition operators the stack's
# -- identity, trust, bucket and key policies use) ----------------------------------

_MATCHERS = {
    "StringEquals": lambda wanted, value: wanted == value,
    "StringLike": _glob,
    "ArnEquals": lambda wanted, value: wanted == value,
    "ArnLike": _glob,
    "Bool": lambda wanted, value: str(wanted).lower() == str(value).lower(),
}


def _context(request: dict[str, Any], key: str) -> list[str]:
    """The request's values for a condition key; the principal's account from its ARN."""
    if key == "aws:PrincipalArn":
        return [request["principal"]]
    if key == "aws:PrincipalAccount":
        return [request["principal"].split(":")[4]]
    value = request.get("context", {}).get(key)
    return [] if value is None else [str(v) for v in _as_list(value)]


def _conditions_hold(condition: dict[str, Any], request: dict[str, Any]) -> bool:
    for qualified, tests in condition.items():
        # ForAllValues: every value of a multivalued key matches (none at all: true).
        every, _, operator = qualified.rpartition(":")
        negated = operator.startswith(("StringNot", "ArnNot"))
        base = operator.replace("Not", "", 1) if negated else operator
        if base not in _MATCHERS or every not in ("", "ForAllValues"):
            raise AssertionError(f"the oracle does not know condition operator {qualified}")
        for key, wanted in tests.items():
            values = _context(request, key)

            def hit(value: str, wanted: Any = wanted, base: str = base) -> bool:
                return any(_MATCHERS[base](w, value) for w in _as_list(wanted))

            if every:
                if not all(hit(v) != negated for v in values):
                    return False
            elif any(hit(v) for v in values) == negated:
                return False
    return True


def _statement_matches(statement: dict[str, Any], request: dict[str, Any]) -> bool:
    if "Action" in statement:
        acts = any(_glob(a, request["action"]) for a in _as_list(statement["Action"]))
    else:
        acts = not any(_glob(a, request["action"]) for a in _as_list(statement["NotAction"]))
    if not acts:
        return False
    if "Resource" in statement:
        in_scope = any(_glob(r, request["resource"]) for r in _as_list(statement["Resource"]))
    elif "NotResource" in statement:
        in_scope = not any(
            _glob(r, request["resource"]) for r in _as_list(statement["NotResource"])
        )
    else:  # a trust policy: the resource is the role itself
        in_scope = True
    return (
        in_scope
        and _principal_matches(statement, request["principal"])
        and _conditions_hold(statement.get("Condition", {}), request)
    )


def _principal_matches(statement: dict[str, Any], principal_arn: str) -> bool:
    """``Principal`` of a resource or trust policy (identity policies have none): ``*``,
    an account's root (any principal of that account) or an exact ARN."""
    if "Principal" not in statement:
        return True
    named = statement["Principal"]
    values = ["*"] if named == "*" else _as_list(named.get("AWS", []))
    parts = principal_arn.split(":")  # a rendered token (``<Role.Arn>``) has no account
    root = f"::{parts[4]}:root" if len(parts) > 4 else None
    return any(v in ("*", principal_arn) or (root and v.endswith(root)) for v in values)


def _matching(
    statements: list[dict[str, Any]],
    principal_arn: str,
    action: str,
    resource: str,
    context: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """The statements that match the request (over TLS unless ``context`` says otherwise)."""
    request = {
        "principal": principal_arn,
        "action": action,
        "resource": resource,
        "context": {"aws:SecureTransport": "true", **(context or {})},
    }
    return [s for s in statements if _statement_matches(s, request)]


def allowed(
    statements: list[dict[str, Any]],
    principal_arn: str,
    action: str,
    resource: str,
    context: dict[str, Any] | None = None,
) -> bool:
    """IAM's decision within one policy: some Allow matches and no Deny does."""
    matching = _matching(statements, principal_arn, action, resource, context)
    return any(s["Effect"] == "Allow" for s in matching) and not any(
        s["Effect"] == "Deny" for s in matching
    )


def denied(
    statements: list[dict[str, Any]],
    principal_arn: str,
    action: str,
    resource: str,
    context: dict[str, Any] | None = None,
) -> bool:
    """Whether some Deny statement matches the request (``context`` adds condition keys,
    e.g. ``s3:DataAccessPointArn``)."""
    matching = _matching(statements, principal_arn, action, resource, context)
    return any(s["Effect"] == "Deny" for s in matching)
