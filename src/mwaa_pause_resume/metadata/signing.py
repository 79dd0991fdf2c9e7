"""MACs by an HMAC key held in KMS: the one message format every signed object uses.

A signed object is ``{"payload": {...}, "mac": "<base64>"}``. The MAC covers the
canonical JSON of the payload (sorted keys, no spaces, ASCII), and every payload
carries a ``purpose`` so that a MAC made for one use (say, a manifest) is never
accepted for another (say, an import authorization). KMS computes and checks the
MAC (``GenerateMac`` / ``VerifyMac``, HMAC_SHA_256): the key never leaves KMS, and
whoever may only call ``VerifyMac`` (the MWAA execution roles) cannot make one.

The verifier always names the key it trusts; a key id inside a signed object is
never used (an attacker would bring their own key). KMS takes messages of at most
4096 bytes, so large objects are MACed through their sha256 digest.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from mwaa_pause_resume.metadata.errors import SnapshotInvalid
from mwaa_pause_resume.shared.aws_error_fields import error_code

MAC_ALGORITHM = "HMAC_SHA_256"
MAX_MESSAGE_BYTES = 4096  # KMS GenerateMac/VerifyMac limit
EXPORT_AUTHORIZATION = "export-authorization"
IMPORT_AUTHORIZATION = "import-authorization"
MANIFEST = "manifest"
ENVIRONMENT = "environment"
PURPOSES = frozenset({EXPORT_AUTHORIZATION, IMPORT_AUTHORIZATION, MANIFEST, ENVIRONMENT})


class SignatureInvalid(SnapshotInvalid):
    """A signed object is missing, malformed, made for another purpose, or its MAC does not
    match (altered, or MACed with another key)."""


def canonical(payload: dict[str, Any]) -> bytes:
    """The exact bytes a MAC covers: the same payload always gives the same bytes."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode()


def _message(purpose: str, fields: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown MAC purpose {purpose!r}")
    payload = {**fields, "purpose": purpose}
    message = canonical(payload)
    if len(message) > MAX_MESSAGE_BYTES:  # a caller bug: MAC a digest of large payloads
        raise ValueError(f"MAC message of {len(message)} bytes exceeds {MAX_MESSAGE_BYTES}")
    return payload, message


def sign(kms: Any, key_id: str, purpose: str, fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` plus ``purpose``, MACed by ``key_id`` (KMS GenerateMac)."""
    payload, message = _message(purpose, fields)
    answer = kms.generate_mac(KeyId=key_id, Message=message, MacAlgorithm=MAC_ALGORITHM)
    return {"payload": payload, "mac": base64.b64encode(answer["Mac"]).decode()}


def payload_of(signed: Any, purpose: str, what: str) -> tuple[dict[str, Any], bytes]:
    """The payload and MAC of a signed object, checked for shape and purpose (no KMS call)."""
    if not isinstance(signed, dict) or not isinstance(signed.get("payload"), dict):
        raise SignatureInvalid(
            f"{what} is not a signed object ({{'payload': {{...}}, 'mac': '...'}})",
            hint="only the pause and resume workflows make these; a hand-made one is refused",
        )
    payload: dict[str, Any] = signed["payload"]
    if payload.get("purpose") != purpose:
        raise SignatureInvalid(
            f"{what} was signed for {payload.get('purpose')!r}, not {purpose!r}",
            hint="a signature made for one use is never accepted for another",
        )
    try:
        mac = base64.b64decode(str(signed.get("mac", "")), validate=True)
    except (binascii.Error, ValueError):
        mac = b""
    if not mac:
        raise SignatureInvalid(f"{what} has no MAC", hint="it was not made by the workflows")
    return payload, mac


def verify(kms: Any, key_id: str, purpose: str, signed: Any, what: str) -> dict[str, Any]:
    """The payload of ``signed`` once KMS confirms its MAC under the trusted ``key_id``;
    :class:`SignatureInvalid` otherwise. Other KMS errors (access denied, no such key)
    propagate: the caller fails closed either way."""
    payload, mac = payload_of(signed, purpose, what)
    try:
        message = canonical(payload)
    except (TypeError, ValueError) as exc:
        raise SignatureInvalid(f"{what} has a payload that is not plain JSON: {exc}") from None
    try:
        answer = kms.verify_mac(KeyId=key_id, Message=message, MacAlgorithm=MAC_ALGORITHM, Mac=mac)
    except Exception as exc:
        if error_code(exc) not in ("KMSInvalidMacException", "InvalidCiphertextException"):
            raise
        answer = {"MacValid": False}
    if answer.get("MacValid") is not True:
        raise SignatureInvalid(
            f"{what} does not carry a valid MAC of this deployment's key: it was altered "
            "or made by someone else",
            hint="only the pause and resume workflows make these; nothing was changed",
        )
    return payload
