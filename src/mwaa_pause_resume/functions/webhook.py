"""POST each message of the chat topic to the configured HTTPS webhook.

Subscribed to the chat topic (SNS invokes it asynchronously). The URL carries a token,
so it is never in the template or the configuration: it is read at run time from a
Secrets Manager secret (``WEBHOOK_SECRET_NAME``; the secret string is the URL, or JSON
``{"url": ...}``) or an SSM SecureString parameter (``WEBHOOK_PARAMETER_NAME``), and
cached for a few minutes so a rotated URL is picked up without a redeploy.

A refused or unreachable endpoint is retried here (429, 5xx, network errors), then the
function fails: Lambda retries the event twice more, then sends it to the dead-letter
queue, whose alarm tells the operators (infra/chat.py).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from mwaa_pause_resume.functions import aws
from mwaa_pause_resume.functions.chat_message import WEBHOOK_FORMATS, webhook_body

SECRET_VARIABLE = "WEBHOOK_SECRET_NAME"
PARAMETER_VARIABLE = "WEBHOOK_PARAMETER_NAME"
FORMAT_VARIABLE = "WEBHOOK_FORMAT"
TIMEOUT_SECONDS = 10.0  # per request; the function's own timeout covers every attempt
ATTEMPTS = 3
BACKOFF_SECONDS = 2.0  # doubled after each failed attempt
CACHE_SECONDS = 300.0
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
# Plain HTTP only to this machine (tests, a local relay); anything else must be HTTPS.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

_cache: dict[str, tuple[float, str]] = {}


class WebhookFailed(Exception):
    """The endpoint did not accept the message (the name shows in the function's errors)."""


class WebhookNotConfigured(Exception):
    """The stored URL is missing or is not an HTTPS URL."""


def checked_url(value: str, where: str) -> str:
    url = value.strip()
    parts = urllib.parse.urlsplit(url)
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    )
    if not (secure and parts.hostname):
        # never echo the value: it may be the secret itself, or close to it
        raise WebhookNotConfigured(f"{where} does not hold an https:// URL")
    return url


def _stored_value() -> tuple[str, str]:
    secret, parameter = os.environ.get(SECRET_VARIABLE), os.environ.get(PARAMETER_VARIABLE)
    try:
        if secret:
            value = aws.client("secretsmanager").get_secret_value(SecretId=secret)
            return str(value.get("SecretString") or ""), f"secret {secret}"
        if parameter:
            value = aws.client("ssm").get_parameter(Name=parameter, WithDecryption=True)
            return str(value["Parameter"]["Value"]), f"parameter {parameter}"
    except Exception as exc:
        raise aws.translate(exc, f"read the webhook URL from {secret or parameter}") from exc
    raise WebhookNotConfigured(f"neither {SECRET_VARIABLE} nor {PARAMETER_VARIABLE} is set")


def webhook_url(now: float | None = None) -> str:
    now = time.monotonic() if now is None else now
    cached = _cache.get("url")
    if cached and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    raw, where = _stored_value()
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = raw
    value = parsed.get("url", "") if isinstance(parsed, dict) else parsed
    url = checked_url(str(value), where)
    _cache["url"] = (now, url)
    return url


def post(url: str, body: dict[str, Any]) -> int:
    """POST ``body`` as JSON; retry what may pass later. Returns the HTTP status."""
    data = json.dumps(body).encode()
    delay, last = BACKOFF_SECONDS, ""
    for attempt in range(1, ATTEMPTS + 1):
        request = urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "mwaa-pause-resume"},
        )
        try:  # the scheme was checked: https, or http to this machine only
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code not in RETRYABLE_STATUS:
                break
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            last = f"{type(reason).__name__}: {reason}"
        if attempt < ATTEMPTS:
            time.sleep(delay)
            delay *= 2
    # the URL is not in the message: it carries the token
    host = urllib.parse.urlsplit(url).hostname
    raise WebhookFailed(
        f"the webhook at {host} refused the message ({last}) after {attempt} attempt(s)"
    )


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    fmt = os.environ.get(FORMAT_VARIABLE, "text")
    fmt = fmt if fmt in WEBHOOK_FORMATS else "text"
    url = webhook_url()
    delivered = 0
    for record in event.get("Records") or []:
        raw = (record.get("Sns") or {}).get("Message") or ""
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        body = webhook_body(message, fmt) if isinstance(message, dict) else {"text": raw}
        post(url, body)
        delivered += 1
    return {"delivered": delivered}
