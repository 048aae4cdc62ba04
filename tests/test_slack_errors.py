"""Slack's error boundary (bot/slack_io.py): every failure of a Slack call comes out as a ``SlackError`` with Slack's
code, and ``bot.retry`` retries exactly the ones that may pass."""

from __future__ import annotations

import socket

import pytest
from slack_sdk import WebClient

from bot import retry
from bot.errors import SlackError, user_text
from bot.slack_io import CONNECTION_ERROR, SlackIO, make_web_client
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def slack():
    with FakeSlack() as running:
        yield running


def test_a_refusal_no_retry_can_fix_fails_at_once_with_words_for_the_user(slack):
    io = SlackIO(make_web_client(slack.bot_token, slack.api_url))
    slack.fail("chat.postMessage", error="not_in_channel")

    with pytest.raises(SlackError) as refused:
        io.post("C111", {"text": "the notes"})

    assert refused.value.code == "not_in_channel"
    assert not retry.is_retryable(refused.value)
    assert "Invite me" in user_text(refused.value)


def test_a_passing_failure_is_retried_later(slack):
    io = SlackIO(make_web_client(slack.bot_token, slack.api_url))
    slack.fail("chat.update", error="internal_error", status=500, times=5)  # past slack_sdk's own two retries

    with pytest.raises(SlackError) as failed:
        io.update("C111", "1.0", {"text": "done"})

    assert retry.is_retryable(failed.value)
    assert "kept refusing" in user_text(failed.value, gave_up=True)


def test_a_plain_web_client_is_put_behind_the_boundary_too(slack):
    io = SlackIO(WebClient(token=slack.bot_token, base_url=slack.api_url, timeout=10))
    slack.fail("reactions.add", error="channel_not_found")

    with pytest.raises(SlackError) as refused:
        io.react("C111", "1.0", "x")
    assert refused.value.code == "channel_not_found"


def test_slack_out_of_reach_is_a_retryable_slack_error():
    with socket.socket() as closed:  # a port nobody listens on: the connection is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    client = WebClient(token="xoxb-test", base_url=f"http://127.0.0.1:{port}/api/", timeout=2, retry_handlers=[])

    with pytest.raises(SlackError) as unreachable:
        SlackIO(client).post("C111", {"text": "hello"})

    assert unreachable.value.code == CONNECTION_ERROR
    assert retry.is_retryable(unreachable.value)


def test_a_bug_is_never_retried():
    assert not retry.is_retryable(AttributeError("'NoneType' object has no attribute 'ts'"))
    assert not retry.is_retryable(KeyError("ts"))
