"""The target's Fernet key, checked before a restore writes anything (issue 13).

A restore re-encrypts the snapshot's secrets under the key it is given. With the wrong
key, Airflow could not read them afterwards; with no key, they would be written in
plaintext into a database whose other secrets are encrypted. So, in the restore's
transaction and before its first write:

* every encrypted value the target already holds (variable.val, connection.password
  and .extra, trigger.kwargs) must decrypt with the given key: it is this database's;
* a target that holds encrypted values needs a key, and so does a snapshot whose
  secrets are encrypted (they are never decrypted into plaintext rows);
* a snapshot whose secrets are plaintext (scheme ``none``) never goes into a database
  that encrypts (a key given, or encrypted values): such a snapshot carries no key at
  all, so nothing vouches for its connections and variables.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from mwaa_pause_resume.metadata.catalog import Catalog, quote
from mwaa_pause_resume.metadata.errors import SnapshotIncompatible, WrongKey
from mwaa_pause_resume.metadata.flags import SecretScheme
from mwaa_pause_resume.metadata.manifest import Manifest
from mwaa_pause_resume.metadata.secrets import SECRET_FIELDS, Cipher, secret_fields

KEY_HINT = (
    "pass the target environment's [core] fernet_key exactly, all of its comma-separated "
    "keys (--fernet-key or AIRFLOW__CORE__FERNET_KEY; the import DAG reads it from Airflow)"
)


def check_keys(cur: Any, catalog: Catalog, manifest: Manifest, target: Cipher | None) -> None:
    """Raise :class:`WrongKey` or :class:`SnapshotIncompatible` unless ``target`` (the
    key the restore will encrypt with) fits the target database and the snapshot."""
    found = None  # the first encrypted value of the target, as "<table> '<key>' (<column>)"
    values = encrypted_values(cur, catalog)
    try:
        for where, token in values:
            found = found or where
            if target is None:
                break  # one is enough to know the database encrypts
            try:
                target.decrypt(token, where)
            except WrongKey:
                raise WrongKey(
                    "the target Fernet key does not decrypt the target database's own "
                    f"secrets ({where}): it is not this database's key, and secrets imported "
                    "under it could not be read by Airflow; nothing was changed",
                    hint=KEY_HINT,
                ) from None
    finally:
        values.close()  # closes the server-side cursor it may hold open
    scheme = manifest.secrets.scheme
    if target is not None or found:
        refuse_plaintext_snapshot(
            manifest, "a Fernet key was given" if target is not None else f"{found} is encrypted"
        )
    if target is None and found:
        raise WrongKey(
            f"the target database encrypts its secrets ({found} is encrypted) and no target "
            "Fernet key was given: the snapshot's secrets would be written in plaintext; "
            "nothing was changed",
            hint=KEY_HINT,
        )
    if target is None and scheme != SecretScheme.NONE and _holds_secrets(manifest):
        raise WrongKey(
            "the snapshot's secrets are encrypted and no target Fernet key was given: they "
            "would be written into the target database in plaintext; nothing was changed",
            hint=KEY_HINT + "; a target Airflow without a key needs one set first",
        )


def refuse_plaintext_snapshot(manifest: Manifest, why: str) -> None:
    """:class:`SnapshotIncompatible` when the snapshot's secrets are plaintext (scheme
    ``none``): the target encrypts (``why`` says how that is known), and no key vouches
    for such a snapshot's connections and variables. The database restore and the
    rest-only import both ask."""
    if manifest.secrets.scheme != SecretScheme.NONE:
        return
    raise SnapshotIncompatible(
        "the snapshot holds its secrets in plaintext (secrets scheme 'none': exported "
        f"without any key) and the target encrypts its secrets ({why}); such a "
        "snapshot is never imported into it, since no key vouches for its connections "
        "and variables; nothing was changed",
        hint="export the source again with a Fernet key (--fernet-key: its own, or any "
        "new key when it has none) or to a store with a KMS key, and import that snapshot",
    )


def encrypted_values(cur: Any, catalog: Catalog) -> Generator[tuple[str, str], None, None]:
    """(where, ciphertext) of every encrypted value in the database, batch by batch."""
    for table in SECRET_FIELDS:
        info = catalog.tables.get(table)
        if info is None:
            continue
        cols = info.column_names
        label = next((c for c in ("key", "conn_id", "id") if c in cols), cols[0])
        for field in secret_fields(table, cols):
            value = quote(field.column)
            # as Airflow decides: the flag column, or (trigger kwargs) not plain JSON
            encrypted = quote(field.flag) if field.flag else f"left({value}, 1) <> '{{'"
            with cur.connection.cursor(name=f"_mpr_keys_{table}_{field.column}") as reader:
                reader.execute(
                    f"SELECT {quote(label)}::text, {value} FROM {quote(table)} "
                    f"WHERE {value} IS NOT NULL AND {value} <> '' AND {encrypted}"
                )
                while batch := reader.fetchmany(1000):
                    for name, token in batch:
                        yield f"{table} {name!r} ({field.column})", token


def _holds_secrets(manifest: Manifest) -> bool:
    """Whether any table of the snapshot that carries secrets has rows."""
    return any(manifest.tables[t].rows for t in SECRET_FIELDS if t in manifest.tables)
