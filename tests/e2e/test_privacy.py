"""End-to-end: a private channel's meeting stays private.

Someone who is not in the private channel cannot add his recording to its meeting, cannot see it in
``/symbl status``, cannot tell its id from a made-up one, and cannot close its action items with a button from
another channel's message.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import sqlalchemy as sa

from tests.e2e.conftest import wait_quiescent, wait_until
from tests.e2e.harness import CHANNEL, USER, command_answer
from tests.fakes.slack_requests import block_action_body

PRIVATE = "GPRIV01"
OWNER = "U0OWNER"
ACTION_ITEM = "Marco will send the updated budget to finance by Friday"


def _processed(stack, channel: str, user: str, url: str) -> tuple:
    """Run ``/symbl process`` in ``channel``; the notes message and its conversation id once the results are in."""
    before = len(stack.symbl.requests_to("GET", "/v1/conversations/"))
    status, _, _ = stack.app.command(stack.slack, f"process {url}", channel=channel, user=user)
    assert status == 200
    parent = wait_until(lambda: [m for m in stack.slack.messages.get(channel, []) if not m.is_reply], 10)[0]

    def notes():
        found = [m for m in stack.slack.thread(channel, parent.ts) if ACTION_ITEM in json.dumps(m.blocks)]
        return found[0] if found else None

    message = wait_until(notes, 30, f"the notes in {channel}")
    wait_until(lambda: len(stack.symbl.requests_to("GET", "/v1/conversations/")) > before, 10)
    conversation_id = stack.symbl.requests_to("GET", "/v1/conversations/")[-1].path.split("/")[3]
    return message, conversation_id


def _done_item(message) -> str:
    """The ledger id of the first item with a menu."""
    return next(
        b["block_id"].removeprefix("ledger:")
        for b in message.blocks
        if (b.get("accessory") or {}).get("action_id") == "ledger_menu"
    )


def _item_status(stack, item_id: str) -> str:
    engine = sa.create_engine(stack.app.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT status FROM ledger_items WHERE id = :id"), {"id": item_id}).scalar()
    finally:
        engine.dispose()


def _click_done(stack, item_id: str, message, channel: str, user: str):
    response_url = stack.slack.response_url()
    body = block_action_body(
        "ledger_menu",
        selected_option={"text": {"type": "plain_text", "text": "Mark done"}, "value": "done"},
        element_type="overflow",
        block_id="ledger:" + item_id,
        channel_id=channel,
        user_id=user,
        message_ts=message.ts,
        thread_ts=message.thread_ts,
        response_url=response_url,
    )
    status, _, _ = stack.app.post_signed(body, "application/x-www-form-urlencoded")
    assert status == 200
    return urlsplit(response_url).path


def test_a_non_member_cannot_reach_a_private_meeting(make_stack):
    stack = make_stack()
    stack.slack.add_channel(PRIVATE, members=(OWNER,))
    stack.slack.add_channel(CHANNEL, members=(USER, OWNER))
    private_notes, private_id = _processed(stack, PRIVATE, OWNER, "https://media.example.com/board.mp3")
    own_notes, _ = _processed(stack, CHANNEL, USER, "https://media.example.com/mine.mp3")

    # append: the private id and a made-up one get the very same bytes, and nothing reaches the engine.
    # The membership check runs after the ack: both get the same ack, then the same answer.
    forbidden = command_answer(stack.app, stack.slack, f"append {private_id} https://media.example.com/leak.mp3")
    unknown = command_answer(stack.app, stack.slack, "append 5815170693595136 https://media.example.com/leak.mp3")
    assert json.dumps(forbidden) == json.dumps(unknown)  # byte-identical ack and answer
    assert "couldn't find" in forbidden[1]["text"]
    assert private_id not in json.dumps(forbidden)
    # status in his channel shows nothing of the private meeting (nor the leaked job: none was made).
    _, status_answer, _ = stack.app.command(stack.slack, "status")
    assert "board" not in status_answer.lower() and private_id not in status_answer
    wait_quiescent(stack.slack, stack.app.env["DATABASE_URL"])
    assert not stack.symbl.requests_to("PUT", "/v1/process/audio/url/"), "the non-member's recording was appended"

    # A member of the private channel may append from elsewhere (so the refusal above is about membership).
    _, allowed = command_answer(
        stack.app, stack.slack, f"append {private_id} https://media.example.com/p2.mp3", user=OWNER
    )
    assert "Adding it" in allowed["text"]
    wait_until(lambda: stack.symbl.requests_to("PUT", "/v1/process/audio/url/"), 10, "the member's append")

    # Mark done on his own notes message, naming the private meeting's item: nothing changes.
    private_item = _done_item(private_notes)
    path = _click_done(stack, private_item, own_notes, CHANNEL, USER)
    answer = wait_until(lambda: [r for r in stack.slack.responses if r.path == path], 10, "an answer")[0]
    assert "couldn't find that action item" in answer.body["text"]
    assert _item_status(stack, private_item) == "open"
    # The same click from the private notes message itself is honoured.
    _click_done(stack, private_item, private_notes, PRIVATE, OWNER)
    wait_until(lambda: _item_status(stack, private_item) == "done", 10, "the item closed from its own message")
