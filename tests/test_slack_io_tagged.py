"""A message posted with a tag is found again after a crash lost its ts, however long its thread has grown."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.slack_io import SlackIO
from tests.fakes.slack_api import FakeSlack


def test_a_tagged_reply_past_the_first_page_of_its_thread_is_found():
    with FakeSlack() as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.api_url, timeout=10)
        io = SlackIO(client)
        parent = io.post("C111", {"text": "🎙️ a meeting"})
        for n in range(230):  # appends and chat: more than one page of 200
            client.chat_postMessage(channel="C111", thread_ts=parent, text=f"reply {n}")
        notes = io.post("C111", {"text": "the notes"}, thread_ts=parent, tag="job-1:notes")
        assert io.find_tagged("C111", "job-1:notes", thread_ts=parent) == notes
        assert io.find_tagged("C111", "job-2:notes", thread_ts=parent) is None  # another job's: never taken
        assert len(slack.calls_to("conversations.replies")) == 4  # two pages per look, read to the end
