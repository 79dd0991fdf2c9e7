"""Which account and region a request is for, as AWS and moto tell (standard library; moto
optional).

MWAA environments are per account and region. The region is the one the request was
signed for (the SigV4 credential scope, ``Credential=AKID/date/region/airflow/...``).
The account is moto's: ``MOTO_ACCOUNT_ID`` if set, else an ``x-moto-account-id`` header,
else the account of the access key, which moto's IAM knows for the keys it issued (an
``sts:AssumeRole`` on a role in account B gives credentials of account B). A request
without a signature, or with a key moto never issued ("testing"), is for the
emulator's own account and region, so single-account tests see one backend as before.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/")


def request_placement(
    headers: Mapping[str, str], default_account: str, default_region: str
) -> tuple[str, str]:
    """(account id, region) of a request; the defaults where the request does not say."""
    found = _SCOPE.search(_header(headers, "Authorization"))
    if found is None:
        return default_account, default_region
    access_key, region = found.groups()
    account = (
        os.environ.get("MOTO_ACCOUNT_ID")
        or _header(headers, "x-moto-account-id")
        or issued_account(access_key)
        or default_account
    )
    return account, region


def issued_account(access_key: str) -> str | None:
    """The account moto's IAM issued ``access_key`` in (users' keys and assumed roles'
    credentials), or None (not moto's, or moto not installed)."""
    try:
        from moto.iam.models import iam_backends
    except ImportError:  # the emulator alone, without moto
        return None
    # list(): moto's own lookup does the same, other threads may add accounts meanwhile.
    for account_id, account in list(iam_backends.items()):
        for backend in list(account.values()):
            if access_key in backend.access_keys:
                return str(account_id)
    return None


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return str(value or "")
