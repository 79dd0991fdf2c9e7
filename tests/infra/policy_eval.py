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
    account = principal_arn.split(":")[4]
    return any(v in ("*", principal_arn) or v.endswith(f"::{account}:root") for v in values)


def allowed(
    statements: list[dict[str, Any]],
    principal_arn: str,
    action: str,
    resource: str,
    context: dict[str, Any] | None = None,
) -> bool:
    """IAM's decision within one policy: some Allow matches and no Deny does. Requests
    use TLS (``aws:SecureTransport`` true) unless ``context`` says otherwise."""
    request = {
        "principal": principal_arn,
        "action": action,
        "resource": resource,
        "context": {"aws:SecureTransport": "true", **(context or {})},
    }
    matching = [s for s in statements if _statement_matches(s, request)]
    return any(s["Effect"] == "Allow" for s in matching) and not any(
        s["Effect"] == "Deny" for s in matching
    )
