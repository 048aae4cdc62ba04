"""End-to-end: ``/symbl search`` finds what was said in processed meetings, and only in channels the asker is in."""

from __future__ import annotations

import json

from tests.e2e.harness import CHANNEL, USER, command_answer
from tests.e2e.test_privacy import OWNER, PRIVATE, _processed


def _search(stack, text: str, *, user: str = USER, channel: str = CHANNEL) -> dict:
    ack, answer = command_answer(stack.app, stack.slack, f"search {text}", user=user, channel=channel)
    assert "answer here" in ack["text"]  # acknowledged before any Slack call
    assert answer is not None
    assert answer.get("response_type") == "ephemeral"
    return answer


def _hits(answer: dict) -> list[str]:
    return [b["text"]["text"] for b in answer.get("blocks") or [] if b["type"] == "section"]


def test_search_finds_a_phrase_with_speaker_time_and_link_and_keeps_private_meetings_private(make_stack):
    stack = make_stack()
    stack.slack.add_user(USER, real_name="Una User")
    stack.slack.add_user(OWNER, real_name="Owen Owner")
    stack.slack.add_channel(CHANNEL, members=(USER, OWNER), name="general")
    stack.slack.add_channel(PRIVATE, members=(OWNER,), name="leadership", private=True)
    notes, _ = _processed(stack, CHANNEL, USER, "https://media.example.com/launch-sync.mp3")
    _processed(stack, PRIVATE, OWNER, "https://media.example.com/board-prep.mp3")

    # A phrase said by Marco 4.8 s into the meeting: the meeting's name, Marco, the time and the thread's link.
    answer = _search(stack, '"updated budget to finance"')
    hits = _hits(answer)
    assert hits, answer
    said = next(h for h in hits if "Action item" not in h)
    assert "launch-sync" in said and "Marco Rossi" in said and "at 0:04" in said
    assert "*updated* *budget* *to* *finance*" in said
    assert f"/archives/{CHANNEL}/p{notes.thread_ts.replace('.', '')}" in said  # the meeting's thread
    assert "board-prep" not in json.dumps(answer)  # the private channel's meeting: not for a non-member

    # The private channel's member finds both meetings, from anywhere.
    both = json.dumps(_search(stack, "budget", user=OWNER))
    assert "launch-sync" in both and "board-prep" in both

    # from: keeps what that person said (or was given), in: one channel.
    from_dana = _hits(_search(stack, "legal from:@dana"))
    assert from_dana and all("Dana Lee" in h for h in from_dana)
    assert _hits(_search(stack, "budget from:@dana")) == []
    in_private = json.dumps(_search(stack, "budget in:#leadership", user=OWNER))
    assert "board-prep" in in_private and "launch-sync" not in in_private
    assert _hits(_search(stack, "budget in:#leadership")) == []  # not a member: nothing, even when named
