"""The ``[notifications]`` section: chat channels and a webhook (shapes and validation).

```toml
[notifications.slack]            # or [[notifications.slack]] for several channels
workspace_id = "T07EA123LEP"
channel_id = "C0123456789"

[notifications.teams]
team_id = "00000000-0000-0000-0000-000000000000"
channel_id = "19%3Aabc...%40thread.tacv2"
tenant_id = "00000000-0000-0000-0000-000000000000"

[notifications.webhook]
url_secret = "mwaa/chat-webhook"  # or url_parameter = "/mwaa/chat-webhook" (SecureString)
```

Each environment's ``notification_types`` say which statuses reach the channels. The
id shapes are those AWS::Chatbot accepts, so a typo fails ``validate``, not the deploy.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mwaa_pause_resume.config.problems import Invalid, did_you_mean

WEBHOOK_FORMATS = ("text", "json")  # as functions.chat_message.WEBHOOK_FORMATS


@dataclass(frozen=True)
class SlackChannel:
    workspace_id: str
    channel_id: str


@dataclass(frozen=True)
class TeamsChannel:
    team_id: str
    channel_id: str  # URL-encoded, as AWS::Chatbot takes it
    tenant_id: str


@dataclass(frozen=True)
class ChatWebhook:
    """Exactly one of ``url_secret`` (Secrets Manager) and ``url_parameter`` (SSM)."""

    url_secret: str | None = None
    url_parameter: str | None = None
    format: str = "text"
    kms_key_arn: str | None = None  # the customer managed key of the secret, if any
    # Run in [deployment] lambda_subnet_ids (an endpoint reachable only from there).
    in_vpc: bool = False


@dataclass(frozen=True)
class ChatNotifications:
    slack: tuple[SlackChannel, ...] = ()
    teams: tuple[TeamsChannel, ...] = ()
    webhook: ChatWebhook | None = None

    @property
    def configured(self) -> bool:
        return bool(self.slack or self.teams or self.webhook)

    @property
    def channels(self) -> int:
        return len(self.slack) + len(self.teams)

    def describe(self) -> list[str]:
        """One line per destination (``plan``, ``validate``); never a URL."""
        lines = [f"Slack workspace {s.workspace_id}, channel {s.channel_id}" for s in self.slack]
        lines += [f"Microsoft Teams team {t.team_id}, channel {t.channel_id}" for t in self.teams]
        if self.webhook is not None:
            where = (
                f"Secrets Manager secret {self.webhook.url_secret}"
                if self.webhook.url_secret
                else f"SSM SecureString parameter {self.webhook.url_parameter}"
            )
            lines.append(f"webhook, URL in the {where} (body format {self.webhook.format})")
        return lines


# -- field rules (AWS::Chatbot's patterns) -------------------------------------------------
_SLACK_WORKSPACE = re.compile(r"[0-9A-Z]{1,255}")
_SLACK_CHANNEL = re.compile(r"[A-Za-z0-9]{1,255}")
_SLACK_ARCHIVE = re.compile(r"https://[^/]+\.slack\.com/archives/([A-Za-z0-9]+)/?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TEAMS_CHANNEL = re.compile(r"[a-zA-Z0-9-_=+/.,]*%3[aA][a-zA-Z0-9-_=+/.,]*%40[a-zA-Z0-9-_=+/.,]*")
_SECRET_NAME = re.compile(r"[A-Za-z0-9/_+=.@-]{1,512}")
_PARAMETER_NAME = re.compile(r"/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")
_KMS_KEY_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):kms:[a-z0-9-]+:\d{12}:key/[0-9a-fA-F-]{36}")
CONSOLE = "the Amazon Q Developer in chat applications console (Configured clients)"


def slack_workspace_id(value: str) -> str:
    if not _SLACK_WORKSPACE.fullmatch(value):
        hint = (
            f"; did you mean {value.upper()!r}?"
            if _SLACK_WORKSPACE.fullmatch(value.upper())
            else ""
        )
        raise Invalid(
            f"{value!r} is not a Slack workspace id",
            f"copy the workspace id from {CONSOLE} after authorizing the workspace there: "
            f"capital letters and digits, e.g. T07EA123LEP{hint}",
        )
    return value


def slack_channel_id(value: str) -> str:
    archive = _SLACK_ARCHIVE.fullmatch(value)
    if archive:
        raise Invalid(
            f"{value!r} is a link to the channel, not its id",
            f"did you mean {archive.group(1)!r}? (the last part of the link)",
        )
    if not _SLACK_CHANNEL.fullmatch(value):
        raise Invalid(
            f"{value!r} is not a Slack channel id",
            "use the channel's id, not its name: in Slack, open the channel's details; "
            "the id (e.g. C0123456789) is at the bottom",
        )
    return value


def uuid(what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not _UUID.fullmatch(value):
            raise Invalid(
                f"{value!r} is not a Microsoft Teams {what} id",
                f"copy the {what} id from the channel's link in Teams "
                "(groupId= for the team, tenantId= for the tenant): a GUID, "
                "e.g. 1a2b3c4d-0000-4000-8000-123456789abc",
            )
        return value.lower()

    return check


def teams_channel_id(value: str) -> str:
    """The channel id as AWS::Chatbot takes it: URL-encoded (``19%3A...%40thread.tacv2``);
    the decoded form Teams shows (``19:...@thread.tacv2``) is encoded here."""
    encoded = value if "%" in value else urllib.parse.quote(value, safe="")
    if not _TEAMS_CHANNEL.fullmatch(encoded):
        raise Invalid(
            f"{value!r} is not a Microsoft Teams channel id",
            "copy it from the channel's link in Teams (Get link to channel): the part "
            "after /channel/, e.g. 19%3Aabc123%40thread.tacv2",
        )
    return encoded


def secret_name(value: str) -> str:
    _not_a_url(value, "secretsmanager create-secret --name NAME --secret-string")
    if value.startswith("arn:") or not _SECRET_NAME.fullmatch(value):
        raise Invalid(
            f"{value!r} is not a Secrets Manager secret name",
            "write the secret's name (letters, digits and /_+=.@-), e.g. mwaa/chat-webhook",
        )
    return value


def parameter_name(value: str) -> str:
    _not_a_url(value, "ssm put-parameter --type SecureString --name NAME --value")
    if (
        len(value) > 2048
        or not _PARAMETER_NAME.fullmatch(value)
        or ("/" in value.strip("/") and not value.startswith("/"))
        or value.lstrip("/").lower().startswith(("aws", "ssm"))
    ):
        raise Invalid(
            f"{value!r} is not an SSM parameter name",
            "write the parameter's name, e.g. /mwaa/chat-webhook (a path starts with '/'; "
            "names may not start with aws or ssm)",
        )
    return value


def _not_a_url(value: str, command: str) -> None:
    if "://" in value:
        raise Invalid(
            "holds a URL: a webhook URL carries its token and must not be in the configuration",
            f"store it (aws {command} 'https://...') and write the name here; "
            "remove the URL from this file and from its history",
        )


def kms_key_arn(value: str) -> str:
    if not _KMS_KEY_ARN.fullmatch(value):
        raise Invalid(
            f"{value!r} is not a KMS key ARN",
            "write the key's ARN, e.g. arn:aws:kms:eu-west-1:111122223333:key/<key id>, or "
            "remove kms_key_arn when the secret uses the AWS managed key",
        )
    return value


def webhook_format(value: str) -> str:
    if value not in WEBHOOK_FORMATS:
        raise Invalid(
            f"{value!r} is not a webhook format",
            did_you_mean(value, WEBHOOK_FORMATS, "formats")
            + ' ("text": {"text": ...}; "json": the same with the facts)',
        )
    return value


def _flag(value: str) -> str:
    """Marks a true/false key in the tables below (checked by type, not by this rule)."""
    return value


# -- building --------------------------------------------------------------------------------
Path = tuple[str | int, ...]
Add = Callable[[Path, str, str], None]
_KINDS = ("slack", "teams", "webhook")
_SLACK = {"workspace_id": slack_workspace_id, "channel_id": slack_channel_id}
_TEAMS = {"team_id": uuid("team"), "channel_id": teams_channel_id, "tenant_id": uuid("tenant")}
_WEBHOOK = {
    "url_secret": secret_name,
    "url_parameter": parameter_name,
    "format": webhook_format,
    "kms_key_arn": kms_key_arn,
    "in_vpc": _flag,
}
_EXAMPLES = {
    "slack": 'workspace_id = "T07EA123LEP" and channel_id = "C0123456789"',
    "teams": "team_id, channel_id and tenant_id",
    "webhook": 'url_secret = "mwaa/chat-webhook"',
}


def _fields(
    table: Mapping[str, Any], rules: Mapping[str, Callable[[str], str]], path: Path, add: Add
) -> dict[str, Any] | None:
    """Checked values, or None when something is wrong (each problem added)."""
    values: dict[str, Any] = {}
    ok = True
    for key, raw in table.items():
        rule = rules.get(key)
        if rule is None:
            add((*path, key), "is not a known key", did_you_mean(key, rules, "keys"))
            ok = False
        elif rule is _flag:
            if isinstance(raw, bool):
                values[key] = raw
            else:
                add((*path, key), "must be true or false", f"write {key} = true (no quotes)")
                ok = False
        elif not isinstance(raw, str) or not raw.strip():
            add((*path, key), "must be non-empty text", f'write {key} = "..."')
            ok = False
        else:
            try:
                values[key] = rule(raw.strip())
            except Invalid as exc:
                add((*path, key), exc.message, exc.fix)
                ok = False
    return values if ok else None


def _entries(value: Any, path: Path, add: Add) -> list[tuple[Path, Mapping[str, Any]]]:
    """A table, or an array of tables (several channels)."""
    if isinstance(value, Mapping):
        return [(path, value)]
    if isinstance(value, list) and all(isinstance(v, Mapping) for v in value):
        return [((*path, i), v) for i, v in enumerate(value)]
    add(
        path, "must be a table", f"write [{'.'.join(map(str, path))}] followed by key = value lines"
    )
    return []


def build_notifications(value: Any, add: Add) -> ChatNotifications:
    """``[notifications]`` -> :class:`ChatNotifications`; problems go to ``add``."""
    if value is None:
        return ChatNotifications()
    if not isinstance(value, Mapping):
        add(
            ("notifications",),
            "must be a table",
            "write [notifications.slack], [notifications.teams] or [notifications.webhook]",
        )
        return ChatNotifications()
    slack: list[SlackChannel] = []
    teams: list[TeamsChannel] = []
    webhook: ChatWebhook | None = None
    for kind, table in value.items():
        path: Path = ("notifications", kind)
        if kind not in _KINDS:
            add(path, "is not a known kind of notification", did_you_mean(kind, _KINDS, "kinds"))
            continue
        if kind == "webhook":
            if not isinstance(table, Mapping):
                add(
                    path,
                    "must be a table (one webhook)",
                    'write [notifications.webhook] with url_secret = "..."',
                )
                continue
            webhook = _webhook(table, path, add)
            continue
        for where, entry in _entries(table, path, add):
            rules = _SLACK if kind == "slack" else _TEAMS
            values = _fields(entry, rules, where, add)
            if values is None:
                continue
            missing = [k for k in rules if k not in values]
            for key in missing:
                add((*where, key), "is required", f"set {_EXAMPLES[kind]}")
            if missing:
                continue
            if kind == "slack":
                slack.append(SlackChannel(**values))
            else:
                teams.append(TeamsChannel(**values))
    for kind, channels in (("slack", slack), ("teams", teams)):
        if len(set(channels)) != len(channels):
            add(("notifications", kind), "lists the same channel twice", "list each channel once")
    return ChatNotifications(tuple(slack), tuple(teams), webhook)


def check_webhook_network(chat: ChatNotifications, lambdas_in_vpc: bool, add: Add) -> None:
    """``in_vpc`` needs the functions' subnets of ``[deployment]``."""
    if chat.webhook is not None and chat.webhook.in_vpc and not lambdas_in_vpc:
        add(
            ("notifications", "webhook", "in_vpc"),
            "is true but [deployment] lambda_subnet_ids is not set",
            "set lambda_subnet_ids and lambda_security_group_ids in [deployment] (subnets "
            "with a route to the endpoint and to Secrets Manager or SSM), or remove in_vpc",
        )


def _webhook(table: Mapping[str, Any], path: Path, add: Add) -> ChatWebhook | None:
    values = _fields(table, _WEBHOOK, path, add)
    if values is None:
        return None
    where = [k for k in ("url_secret", "url_parameter") if k in values]
    if len(where) != 1:
        add(
            path,
            "needs exactly one of url_secret and url_parameter"
            + (" (both are set)" if where else ""),
            'store the URL in Secrets Manager and set url_secret = "<secret name>", or in an '
            'SSM SecureString parameter and set url_parameter = "/<parameter name>"',
        )
        return None
    return ChatWebhook(**values)
