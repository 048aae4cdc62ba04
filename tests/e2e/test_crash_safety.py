"""Crash safety: the app is killed (SIGKILL, the whole process group) at each stage boundary, then restarted.

After the restart every recording must end with exactly one notes message (a new message in its thread, posted
after a status message that ends as a pointer to it) and one transcript: nothing lost, nothing posted twice.
The named points are failpoints (``bot/failpoints.py``); ``bench/`` runs the same check over many random kill
times.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_quiescent, wait_until
from tests.e2e.harness import CHANNEL
from tests.e2e.test_slack_flows import ACTION_ITEM, assert_one_outcome, bot_replies, share_file

BOUNDARIES = [
    "after_ack",  # killed by the test right after Slack got its 200
    "before_parent_post",
    "after_parent_post",  # the parent message is out, its ts not yet saved
    "after_status_post",  # the status message is out, its ts not yet saved
    "after_fetching",  # after the download
    "after_submitting",  # after the submit
    "while_polling",
    "after_collecting",  # after the insights are fetched
    "before_notes_post",  # the intent to post the notes is saved, the notes are not posted yet
    "after_notes_post",  # the notes are out, their ts not yet saved
    "between_notes_and_pointer",  # the notes' ts is saved, the status message not yet turned into the pointer
    "between_result_and_transcript",
]


def outcome(stack, thread_ts):
    """(result messages, transcript uploads, status-like bot messages) in the thread."""
    replies = bot_replies(stack.slack, thread_ts)
    results = [m for m in replies if ACTION_ITEM in str(m.blocks)]
    uploads = [u for u in stack.slack.uploads if u.thread_ts == thread_ts]
    return results, uploads, replies


def parent_of_command(stack, before: set[str]) -> str:
    """The command's parent message (posted after the restart when the crash came before it)."""
    new = wait_until(
        lambda: [m for m in stack.slack.messages.get(CHANNEL, []) if not m.is_reply and m.ts not in before],
        30,
        "the command's parent message",
    )
    return new[0].ts


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_a_crash_at_each_stage_boundary_ends_in_exactly_one_result_and_one_transcript(make_stack, boundary):
    failpoint = {} if boundary == "after_ack" else {"BOT_FAILPOINT": boundary}
    stack = make_stack(**failpoint)
    by_command = "parent" in boundary
    before = {m.ts for m in stack.slack.messages.get(CHANNEL, [])}
    if by_command:
        status, _, _ = stack.app.command(stack.slack, "process https://media.example.com/crash.mp4 Crash test")
    else:
        _, event = share_file(stack, "crash.mp4", "video/mp4")
        status, _, _ = stack.app.event(event)
    assert status == 200
    if boundary == "after_ack":
        stack.app.kill()
    else:
        wait_until(lambda: stack.app.process.poll() is not None, 30, f"the crash at {boundary}")

    stack.app.env.pop("BOT_FAILPOINT", None)
    stack.app.restart()
    thread_ts = parent_of_command(stack, before) if by_command else event["ts"]
    wait_until(lambda: all(outcome(stack, thread_ts)[:2]), 30, "results and transcript after the restart")
    wait_quiescent(stack.slack, stack.app.env["DATABASE_URL"])  # a duplicate on its way has shown up by now

    results, uploads, _replies = outcome(stack, thread_ts)
    assert len(results) == 1, f"{len(results)} results after a crash at {boundary}"
    assert len(uploads) == 1, f"{len(uploads)} transcripts after a crash at {boundary}"
    wait_until(lambda: "below" in str(outcome(stack, thread_ts)[2]), 10, "the status message pointing to the notes")
    assert_one_outcome(stack, thread_ts)  # one status message, now a pointer, and the notes; no stray third one
    parents = [m for m in stack.slack.messages.get(CHANNEL, []) if not m.is_reply and m.ts not in before]
    # The channel's first recording also brings the note saying what the app keeps (bot.consent), once.
    consent = [
        m for m in parents if str((m.metadata or {}).get("event_payload", {}).get("tag", "")).startswith("consent:")
    ]
    assert len(consent) <= 1, f"{len(consent)} consent notes after a crash at {boundary}"
    assert len(parents) - len(consent) == 1, "one top-level message: the command's parent, or the user's share"
