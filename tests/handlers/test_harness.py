"""The harness itself: a listener that calls Slack before its ack must fail the test that dispatches to it."""

from __future__ import annotations

import pytest

from tests.fakes.slack_requests import slash_command_body


def test_a_slack_call_before_the_ack_fails_the_dispatch(bolt, slack):
    def slow_ack(ack, client):
        client.users_info(user="U111")  # what /symbl digest did before #11
        ack("done")

    bolt.app.command("/slow")(slow_ack)
    body = slash_command_body("", response_url=slack.response_url(), command="/slow")
    with pytest.raises(AssertionError, match=r"Slack was called before the ack: \['users.info'\]"):
        bolt.dispatch(body, "application/x-www-form-urlencoded")


def test_a_lazy_listener_that_fails_fails_the_dispatch(bolt, slack):
    def broken(body):
        raise RuntimeError("a bug after the ack")

    bolt.app.command("/broken")(ack=lambda ack: ack(), lazy=[broken])
    body = slash_command_body("", response_url=slack.response_url(), command="/broken")
    with pytest.raises(AssertionError, match="a bug after the ack"):
        bolt.dispatch(body, "application/x-www-form-urlencoded")
