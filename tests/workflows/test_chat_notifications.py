"""Chat notifications: the message (pure), the webhook function against a real local HTTP
server, and a real pause workflow's status change published to the chat topic (moto)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mwaa_pause_resume.functions import chat_message, notification, webhook
from mwaa_pause_resume.functions.chat_message import ChatFacts
from mwaa_pause_resume.sandbox.sfn_local import LocalWorkflows
from tests.workflows.workflow_fakes import ENV, settings

ARN = "arn:aws:states:eu-west-1:111122223333:execution:ResumeWorkflow-x:r-1"
FACTS = ChatFacts(
    environment=ENV,
    action="resume",
    status="SUCCEEDED",
    outcome="resumed",
    duration_seconds=1735,
    execution_url=notification.console_link(ARN),
    snapshot_id="20261125T170200Z-1a2b",
    restore_summary="Scope: full; Restored exactly: dag runs 10",
)


# -- the message (pure) ----------------------------------------------------------------------
def test_the_chat_message_is_a_custom_notification_with_the_facts() -> None:
    message = chat_message.chatbot_message(FACTS)
    assert (message["version"], message["source"]) == ("1.0", "custom")
    content = message["content"]
    assert content["textType"] == "client-markdown"
    assert content["title"] == f"\u2705 MWAA resume of {ENV} resumed"
    assert content["description"].splitlines() == [
        f"*Environment:* {ENV}",
        "*Action:* resume",
        "*Outcome:* resumed (SUCCEEDED)",
        "*Duration:* 28 min 55 s",
        "*Snapshot:* 20261125T170200Z-1a2b",
        "*Restore summary:* Scope: full; Restored exactly: dag runs 10",
        f"*Execution:* https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1"
        f"#/v2/executions/details/{ARN}",
    ]
    assert message["metadata"]["additionalContext"]["duration_seconds"] == "1735"


def test_the_facts_of_a_resume_event_carry_its_restore_summary_on_one_line() -> None:
    from mwaa_pause_resume.metadata.missed_runs import HeldDag
    from mwaa_pause_resume.metadata.restore_summary import RestoreSummary

    summary = RestoreSummary("full")
    summary.add("dag_runs", exact=10)
    summary.hold(HeldDag("etl", "its position could not be set", "unpause it once"))
    output = {
        "outcome": "resumed",
        "snapshot_id": "S1",
        "import": {"summary": summary.compact(500)},
    }
    facts = notification.chat_facts(
        {
            "detail": {
                "executionArn": ARN,
                "stateMachineArn": "arn:aws:states:eu-west-1:1:stateMachine:ResumeWorkflow-x",
                "status": "SUCCEEDED",
                "input": json.dumps({"environment": ENV}),
                "output": json.dumps(output),
                "startDate": 1_000_000,
                "stopDate": 1_000_000 + 1_735_400,
            }
        }
    )
    assert (facts.action, facts.outcome, facts.duration_seconds) == ("resume", "resumed", 1735)
    assert facts.restore_summary == (
        "Scope: full; Restored exactly: dag runs 10; Left paused: 1 DAG"
    )
    assert facts.execution_url == notification.console_link(ARN)


def test_each_status_and_outcome_has_its_look_and_text_stays_on_one_line() -> None:
    looks = {s: ChatFacts(ENV, "pause", s).title() for s in (*chat_message.STATUS_LOOKS, "NEW_ONE")}
    assert looks["FAILED"] == f"\u274c MWAA pause of {ENV} failed"
    assert looks["TIMED_OUT"].endswith("timed out") and looks["NEW_ONE"].endswith("changed status")
    already = ChatFacts(ENV, "pause", "SUCCEEDED", outcome="already_paused")
    assert already.title().endswith("was already paused: nothing to do")
    crafted = ChatFacts(
        ENV, "resume", "FAILED", error="Boom\n*Execution:* https://evil", duration_seconds=7300
    )
    lines = crafted.lines()
    assert "*Error:* Boom *Execution:* https://evil" in lines and "*Duration:* 2 h 01 min" in lines


def test_chat_routes_follow_each_environments_notification_types() -> None:
    routes = chat_message.routes_variable(
        {"a": ("FAILED", "ABORTED"), "b": ("ABORTED", "FAILED"), "c": ("SUCCEEDED",)}
    )
    assert json.loads(routes) == {"*": ["ABORTED", "FAILED"], "c": ["SUCCEEDED"]}
    assert chat_message.wants_chat(routes, "a", "FAILED")
    assert not chat_message.wants_chat(routes, "a", "SUCCEEDED")
    assert chat_message.wants_chat(routes, "c", "SUCCEEDED")
    assert not chat_message.wants_chat(routes, "c", "FAILED")
    assert not chat_message.wants_chat("not json", "a", "FAILED")


def test_the_webhook_body_from_a_chat_message_or_an_alarm() -> None:
    body = chat_message.webhook_body(chat_message.chatbot_message(FACTS), "json")
    assert body["text"].startswith(f"\u2705 MWAA resume of {ENV} resumed\n*Environment:* {ENV}")
    assert body["mwaa_pause_resume"]["outcome"] == "resumed"
    alarm = {
        "AlarmName": "mpr-notifier-errors",
        "NewStateValue": "ALARM",
        "NewStateReason": "Threshold crossed",
        "AlarmDescription": "Read the function's log group",
    }
    assert chat_message.webhook_body(alarm) == {
        "text": "\U0001f6a8 CloudWatch alarm mpr-notifier-errors: ALARM\n"
        "*Reason:* Threshold crossed\n*What to do:* Read the function's log group"
    }


# -- the webhook function against a real HTTP server -------------------------------------------
class Endpoint:
    """A local HTTP server answering each POST with the next status of ``answers``."""

    def __init__(self, answers: list[int], delay: float = 0.0) -> None:
        self.answers, self.delay, self.bodies = answers, delay, []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                endpoint.bodies.append(json.loads(self.rfile.read(length)))
                time.sleep(endpoint.delay)
                status = endpoint.answers.pop(0) if endpoint.answers else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/T0/B0/secret-token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Endpoint]]:
    """``hook(answers, delay=0, stored=None)``: an endpoint whose URL is in a secret (moto)."""
    import boto3
    from moto import mock_aws

    from mwaa_pause_resume.functions import aws

    endpoints: list[Endpoint] = []
    monkeypatch.setattr(webhook, "BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(webhook, "TIMEOUT_SECONDS", 0.3)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv(webhook.SECRET_VARIABLE, "mwaa/chat-webhook")
    webhook._cache.clear()
    with mock_aws():
        aws.reset_clients()

        def make(answers: list[int], delay: float = 0.0, stored: str | None = None) -> Endpoint:
            endpoint = Endpoint(answers, delay)
            endpoints.append(endpoint)
            boto3.client("secretsmanager").create_secret(
                Name="mwaa/chat-webhook",
                SecretString=stored or json.dumps({"url": endpoint.url}),
            )
            return endpoint

        yield make
        aws.reset_clients()
    webhook._cache.clear()
    for endpoint in endpoints:
        endpoint.close()


def _sns_event(*messages: Any) -> dict[str, Any]:
    return {"Records": [{"Sns": {"Message": json.dumps(m)}} for m in messages]}


def test_the_webhook_posts_the_chat_text(hook: Callable[..., Endpoint]) -> None:
    endpoint = hook([])
    out = webhook.handler(_sns_event(chat_message.chatbot_message(FACTS)))
    assert out == {"delivered": 1}
    (body,) = endpoint.bodies
    assert set(body) == {"text"} and "*Execution:* https://eu-west-1.console" in body["text"]


def test_the_webhook_retries_what_may_pass_later(hook: Callable[..., Endpoint]) -> None:
    endpoint = hook([503, 429])
    webhook.handler(_sns_event({"AlarmName": "a", "NewStateValue": "OK"}))
    assert len(endpoint.bodies) == 3  # two refusals, then accepted


def test_the_webhook_fails_without_showing_the_token(hook: Callable[..., Endpoint]) -> None:
    endpoint = hook([404])
    with pytest.raises(
        webhook.WebhookFailed, match=r"127\.0\.0\.1 refused .*HTTP 404.* 1 attempt"
    ) as failed:
        webhook.handler(_sns_event(chat_message.chatbot_message(FACTS)))
    assert "secret-token" not in str(failed.value) and len(endpoint.bodies) == 1


def test_the_webhook_gives_up_on_a_silent_endpoint(hook: Callable[..., Endpoint]) -> None:
    hook([], delay=1.0)
    with pytest.raises(webhook.WebhookFailed, match=r"timed out|TimeoutError"):
        webhook.handler(_sns_event(chat_message.chatbot_message(FACTS)))


def test_the_webhook_refuses_a_url_that_is_not_https(hook: Callable[..., Endpoint]) -> None:
    hook([], stored="http://chat.example.com/hooks/secret-token")
    with pytest.raises(webhook.WebhookNotConfigured, match="secret mwaa/chat-webhook") as refused:
        webhook.handler(_sns_event({"text": "x"}))
    assert "secret-token" not in str(refused.value)


# -- a real workflow's status change, published for chat (moto) -------------------------------
def test_a_failed_pause_is_published_to_the_chat_topic_and_e_mail_keeps_its_text(
    make_local: Callable[..., LocalWorkflows], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real pause state machine (moto) on an environment that does not exist: it fails
    at once, and its status change reaches chat as a custom notification, e-mail as text."""
    local = make_local(seed=False)
    result = local.run("pause", settings())
    assert result.status == "FAILED", result.output
    described = local.client("stepfunctions").describe_execution(executionArn=result.arn)
    event = {
        "detail-type": "Step Functions Execution Status Change",
        "detail": {
            "executionArn": result.arn,
            "stateMachineArn": described["stateMachineArn"],
            "status": described["status"],
            "input": described["input"],
            "error": described.get("error"),
            "cause": described.get("cause"),
            "startDate": int(described["startDate"].timestamp() * 1000),
            "stopDate": int(described["stopDate"].timestamp() * 1000),
        },
    }
    sns, sqs = local.client("sns"), local.client("sqs")
    queues = {}
    for kind in ("email", "chat"):
        topic = sns.create_topic(Name=kind)["TopicArn"]
        url = sqs.create_queue(QueueName=kind)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=arn["Attributes"]["QueueArn"],
            Attributes={"RawMessageDelivery": "true"},
        )
        queues[kind] = url
        variable = "NOTIFICATION_TOPIC_ARN" if kind == "email" else "CHAT_TOPIC_ARN"
        monkeypatch.setenv(variable, topic)
    monkeypatch.setenv("CHAT_ROUTES", chat_message.routes_variable({ENV: ("FAILED",)}))

    notification.handler(event)

    def received(kind: str) -> str:
        (message,) = sqs.receive_message(QueueUrl=queues[kind])["Messages"]
        return str(message["Body"])

    assert received("email").startswith(f"Environment: {ENV}\nWorkflow:    pause\n")
    chat = json.loads(received("chat"))
    assert chat["source"] == "custom"
    assert chat["content"]["title"] == f"\u274c MWAA pause of {ENV} failed"
    facts = chat["metadata"]["additionalContext"]
    assert facts["environment"] == ENV and facts["action"] == "pause"
    assert facts["status"] == "FAILED" and "outcome" not in facts
    assert (
        facts["error"].startswith("EnvironmentNotFound: ") and "nothing to pause" in facts["error"]
    )
    assert int(facts["duration_seconds"]) >= 0
    assert facts["execution_url"].endswith(f"#/v2/executions/details/{result.arn}")
    assert f"*Error:* {facts['error']}" in chat["content"]["description"]
    # a status this environment does not want in chat: e-mail only
    monkeypatch.setenv("CHAT_ROUTES", chat_message.routes_variable({ENV: ("SUCCEEDED",)}))
    notification.handler(event)
    assert received("email") and not sqs.receive_message(QueueUrl=queues["chat"]).get("Messages")
