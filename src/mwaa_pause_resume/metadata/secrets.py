"""Fernet-encrypted columns: Airflow-compatible keys, the snapshot key, re-encryption.

Airflow encrypts variable.val, connection.password, connection.extra and (2.9+)
trigger.kwargs with ``MultiFernet`` built from ``[core] fernet_key`` (a
comma-separated list; the first key encrypts, any key decrypts). A snapshot
never holds these values as the source stored them: export decrypts them and
re-encrypts under the snapshot key; restore decrypts with the snapshot key and
encrypts under the target's key. The snapshot key is either a KMS data key
(envelope encryption: only the KMS-encrypted data key is in the manifest) or,
without KMS, the source's primary Fernet key, of which the manifest keeps only
an HMAC fingerprint so a wrong key is refused before anything is written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from mwaa_pause_resume.metadata.errors import WrongKey
from mwaa_pause_resume.metadata.flags import SecretScheme
from mwaa_pause_resume.metadata.key_context import ENVIRONMENT_CONTEXT_KEY, encryption_context
from mwaa_pause_resume.metadata.manifest import Secrets

FINGERPRINT_MESSAGE = b"mwaa-pause-resume snapshot key v1"


@dataclass(frozen=True)
class SecretField:
    """One encrypted column; ``flag`` is its is_encrypted column (None: detect by content)."""

    column: str
    flag: str | None
    # Airflow decrypts variable.val when not None, connection fields only when truthy.
    empty_is_plain: bool = False


# Per table; columns missing from a schema version are ignored.
SECRET_FIELDS: dict[str, tuple[SecretField, ...]] = {
    "variable": (SecretField("val", "is_encrypted"),),
    "connection": (
        SecretField("password", "is_encrypted", empty_is_plain=True),
        SecretField("extra", "is_extra_encrypted", empty_is_plain=True),
    ),
    "trigger": (SecretField("kwargs", None),),
}


class Cipher:
    """Airflow's MultiFernet for a comma-separated key list (first key encrypts)."""

    def __init__(self, keys: str, what: str) -> None:
        parts = [p.strip() for p in keys.split(",") if p.strip()]
        if not parts:
            raise WrongKey(f"the {what} is empty", hint="pass a Fernet key or leave it unset")
        try:
            self.fernets = [Fernet(p.encode()) for p in parts]
        except (ValueError, binascii.Error):
            raise WrongKey(
                f"the {what} is not a valid Fernet key (32 url-safe base64-encoded bytes; "
                "several keys may be separated by commas)",
                hint="copy the value of [core] fernet_key / AIRFLOW__CORE__FERNET_KEY exactly",
            ) from None
        self.parts = parts
        self.what = what
        self._multi = MultiFernet(self.fernets)

    @classmethod
    def from_raw_key(cls, raw: bytes, what: str) -> Cipher:
        return cls(base64.urlsafe_b64encode(raw).decode(), what)

    def encrypt(self, plain: str) -> str:
        return self._multi.encrypt(plain.encode()).decode()

    def decrypt(self, token: str, where: str) -> str:
        try:
            return self._multi.decrypt(token.encode()).decode()
        except InvalidToken:
            raise WrongKey(
                f"{where} cannot be decrypted with the {self.what}",
                hint="pass the key this value was encrypted with (Airflow's [core] fernet_key "
                "of that environment)",
            ) from None


def optional_cipher(keys: str | None, what: str) -> Cipher | None:
    return Cipher(keys, what) if keys and keys.strip() else None


def fingerprint(key_part: str) -> str:
    """HMAC-SHA256 of a constant under the key: identifies the key, reveals nothing of it."""
    raw = base64.urlsafe_b64decode(key_part.encode())
    return hmac.new(raw, FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()


def new_snapshot_key(
    source: Cipher | None,
    kms_key_id: str | None,
    kms_client: Any,
    explicit: str | None = None,
    *,
    environment: str | None = None,
) -> tuple[Cipher | None, Secrets]:
    """The cipher that protects secrets inside a new snapshot, and its manifest entry.

    KMS envelope when a KMS key is given (the data key bound to ``environment`` by its
    encryption context); else ``explicit`` (a Fernet key the caller will supply again
    at import); else the source's primary Fernet key; else none.
    """
    if kms_key_id:
        context = encryption_context(environment)
        try:
            made = kms_client.generate_data_key(
                KeyId=kms_key_id, KeySpec="AES_256", **_context_args(context)
            )
        except Exception as exc:
            raise WrongKey(
                f"KMS GenerateDataKey with key {kms_key_id} failed: {exc}",
                hint="check the key id/ARN, its region and kms:GenerateDataKey permission",
            ) from None
        cipher = Cipher.from_raw_key(made["Plaintext"], "snapshot data key")
        blob = base64.b64encode(made["CiphertextBlob"]).decode()
        return cipher, Secrets(
            SecretScheme.KMS_ENVELOPE.value,
            encrypted_data_key=blob,
            kms_key_id=kms_key_id,
            environment=environment or None,
        )
    if explicit:
        chosen = Cipher(explicit, "snapshot key")
        primary = chosen.parts[0]
        return (
            Cipher(primary, "snapshot key"),
            Secrets(SecretScheme.FERNET_KEY.value, key_fingerprint=fingerprint(primary)),
        )
    if source is not None:
        primary = source.parts[0]
        cipher = Cipher(primary, "source Fernet key")
        return cipher, Secrets(
            SecretScheme.SOURCE_FERNET_KEY.value, key_fingerprint=fingerprint(primary)
        )
    return None, Secrets(SecretScheme.NONE.value)


def _context_args(context: dict[str, str]) -> dict[str, Any]:
    return {"EncryptionContext": context} if context else {}


def open_snapshot_key(secrets: Secrets, snapshot_key: str | None, kms_client: Any) -> Cipher | None:
    """The cipher that decrypts a snapshot's secrets; refuses a wrong key up front."""
    if secrets.scheme == SecretScheme.NONE:
        return None
    if secrets.scheme == SecretScheme.KMS_ENVELOPE:
        assert secrets.encrypted_data_key is not None
        args: dict[str, Any] = {"CiphertextBlob": base64.b64decode(secrets.encrypted_data_key)}
        if secrets.kms_key_id:
            args["KeyId"] = secrets.kms_key_id
        args.update(_context_args(encryption_context(secrets.environment)))
        try:
            plain = kms_client.decrypt(**args)["Plaintext"]
        except Exception as exc:
            bound = (
                f", made for environment {secrets.environment!r} "
                f"({ENVIRONMENT_CONTEXT_KEY} in its encryption context)"
                if secrets.environment
                else ""
            )
            raise WrongKey(
                f"KMS could not decrypt the snapshot's data key (key {secrets.kms_key_id}"
                f"{bound}): {exc}",
                hint="the caller needs kms:Decrypt on the snapshot's KMS key, in its region; an "
                "execution role only for data keys of its own environment",
            ) from None
        return Cipher.from_raw_key(plain, "snapshot data key")
    if not snapshot_key and secrets.scheme == SecretScheme.FERNET_KEY:
        raise WrongKey(
            "this snapshot's secrets are encrypted with a snapshot key chosen at export, "
            "and no such key was given",
            hint="pass the key given to export_snapshot(snapshot_key=...) as snapshot_key",
        )
    if not snapshot_key:
        raise WrongKey(
            "this snapshot's secrets are encrypted with the source environment's Fernet key, "
            "and no such key was given",
            hint="pass the source environment's [core] fernet_key as --source-fernet-key "
            "(snapshot_key=...)",
        )
    what = "snapshot key" if secrets.scheme == SecretScheme.FERNET_KEY else "source Fernet key"
    candidates = Cipher(snapshot_key, what)
    for part in candidates.parts:
        if hmac.compare_digest(fingerprint(part), secrets.key_fingerprint or ""):
            return Cipher(part, what)
    raise WrongKey(
        f"the given {what} is not the key this snapshot was written with "
        "(fingerprint mismatch); nothing was changed",
        hint="pass the [core] fernet_key the source environment had when it was exported",
    )


def reencrypt(
    row: dict[str, Any],
    fields: tuple[SecretField, ...],
    src: Cipher | None,
    dst: Cipher | None,
    where: str,
) -> dict[str, Any]:
    """Decrypt ``row``'s secret columns with ``src`` and encrypt them under ``dst``.

    Flags are booleans (or None). Rules mirror Airflow's models: variable.val is
    encrypted when not None, connection fields when non-empty, trigger kwargs are
    ciphertext unless they start with ``{`` (plain JSON written without a key).
    """
    out = dict(row)
    for field in fields:
        if field.column not in out:
            continue
        value = out[field.column]
        if field.flag is None:  # trigger.kwargs
            if value is None:
                continue
            plain = value if value.startswith("{") else _need(src, where).decrypt(value, where)
            out[field.column] = dst.encrypt(plain) if dst else plain
            continue
        present = bool(value) if field.empty_is_plain else value is not None
        if not present:
            continue
        if out.get(field.flag):
            value = _need(src, where).decrypt(value, where)
        if dst is not None:
            out[field.column], out[field.flag] = dst.encrypt(value), True
        else:
            out[field.column], out[field.flag] = value, False
    return out


def check_decrypts(cipher: Cipher | None, token: str, where: str) -> None:
    """Raise :class:`WrongKey` unless ``cipher`` decrypts ``token`` (a stored value)."""
    _need(cipher, where).decrypt(token, where)


def _need(cipher: Cipher | None, where: str) -> Cipher:
    if cipher is None:
        raise WrongKey(
            f"{where} is encrypted but no Fernet key was given",
            hint="pass the environment's [core] fernet_key (--fernet-key or "
            "AIRFLOW__CORE__FERNET_KEY)",
        )
    return cipher


def secret_fields(table: str, columns: Mapping[str, Any] | list[str]) -> tuple[SecretField, ...]:
    names = set(columns)
    return tuple(f for f in SECRET_FIELDS.get(table, ()) if f.column in names)
