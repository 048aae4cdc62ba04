"""End-to-end: "Who's who" on the notes, through the real app over HTTP (SQLite and PostgreSQL).

A meeting whose speakers Symbl only knows as "Speaker 1/2/3" (diarization gives no names and no emails). Picking
@alice for the speaker who took on the budget shows her everywhere people read: the notes (as a mention, owner of
her item), the ledger (the item's owner in the digest), a new transcript file (the old one deleted) and Symbl's
member. An append keeps the name, a merge folds one speaker into another, and another workspace's click is refused.
"""

from __future__ import annotations

import json
from dataclasses import replace

import sqlalchemy as sa

from tests.e2e.conftest import wait_until
from tests.e2e.harness import CHANNEL, USER, command_answer
from tests.e2e.test_digests import ask_for_digest, click, controls
from tests.e2e.test_slack_flows import notes_in, share_file, wait_for_results
from tests.fakes.slack_requests import block_action_body
from tests.fakes.symbl_data import Speaker

ALICE = "UALICE01"
ITEM = "Marco will send the updated budget to finance by Friday"  # said by, and assigned to, the second speaker
SECOND_SPEAKER_WORDS = "I will send the updated budget"


def nameless_speakers(stack) -> None:
    stack.symbl.data = replace(
        stack.symbl.data, speakers=(Speaker("Speaker 1", ""), Speaker("Speaker 2", ""), Speaker("Speaker 3", ""))
    )
    stack.slack.add_user(ALICE, name="alice", real_name="Alice Example")
    stack.slack.add_channel(CHANNEL, members=(USER, ALICE), name="general")


def speaker_rows(message) -> list[dict]:
    return [b for b in message.blocks or [] if str(b.get("block_id", "")).startswith("whoswho:")]


def row_of(message, words: str) -> dict:
    return next(b for b in speaker_rows(message) if words in b["text"]["text"])


def item_line(message) -> str:
    return next(json.dumps(b) for b in message.blocks if ITEM in json.dumps(b))


def redrawn(stack, message, edits_before: int):
    return wait_until(
        lambda: (m := stack.slack.message(CHANNEL, message.ts)).edits > edits_before and m, 15, "the notes redrawn"
    )


def pick(stack, message, row: dict, user: str):
    before = stack.slack.message(CHANNEL, message.ts).edits
    click(stack, message, "whoswho_pick", block_id=row["block_id"], selected_user=user)
    return redrawn(stack, message, before)


def same_person(stack, message, label: str):
    _, menu = controls(message, "whoswho_same")[0]
    option = next(o for o in menu["options"] if o["text"]["text"] == label)
    before = stack.slack.message(CHANNEL, message.ts).edits
    click(stack, message, "whoswho_same", block_id="whoswho-actions", selected_option=option)
    return redrawn(stack, message, before)


def transcripts(stack, thread_ts: str):
    return [u for u in stack.slack.uploads if u.thread_ts == thread_ts]


def test_naming_a_speaker_shows_the_person_everywhere_and_an_append_keeps_it(stack):
    nameless_speakers(stack)
    _, event = share_file(stack, "planning.mp4", "video/mp4")
    stack.app.event(event)
    notes = wait_for_results(stack, event["ts"])[0]
    rows = speaker_rows(notes)
    assert len(rows) == 3
    assert "Who's who" in rows[0]["text"]["text"]
    assert "% of the talk" in rows[1]["text"]["text"] and SECOND_SPEAKER_WORDS in rows[1]["text"]["text"]
    assert f"<@{ALICE}>" not in item_line(notes)
    old_transcript = transcripts(stack, event["ts"])[0]
    assert b"Speaker 2: I will send" in old_transcript.content

    notes = pick(stack, notes, row_of(notes, SECOND_SPEAKER_WORDS), ALICE)

    assert f"<@{ALICE}>" in row_of(notes, SECOND_SPEAKER_WORDS)["text"]["text"]
    assert row_of(notes, SECOND_SPEAKER_WORDS)["accessory"]["initial_user"] == ALICE
    assert f"<@{ALICE}>" in item_line(notes)  # the owner of her action item, from the ledger
    assert "Speaker 2" not in json.dumps(notes.blocks)  # no longer a label anywhere
    new = wait_until(lambda: len(transcripts(stack, event["ts"])) == 2 and transcripts(stack, event["ts"])[1], 10)
    assert b"Alice Example: I will send the updated budget" in new.content
    assert b"Speaker 2:" not in new.content
    wait_until(lambda: old_transcript.file_id in stack.slack.deleted_files, 10, "the old transcript deleted")
    member = wait_until(lambda: stack.symbl.requests_to("PUT", "/v1/conversations/"), 10, "Symbl told")[0]
    assert member.json["name"] == "Alice Example" and member.path.endswith("/members/" + member.json["id"])

    digest = ask_for_digest(stack, 0)
    assert ITEM in json.dumps(digest.blocks)
    assert ALICE in json.dumps(digest.blocks) or "Alice Example" in json.dumps(digest.blocks)

    # An append: the new notes and transcript still name her.
    conversation_id = member.path.split("/")[3]
    stack.app.command(stack.slack, f"append {conversation_id} https://media.example.com/part2.mp3")
    later = wait_until(lambda: len(notes_in(stack.slack, event["ts"])) == 2, 20, "the appended notes")
    appended = notes_in(stack.slack, event["ts"])[1] if later else None
    assert f"<@{ALICE}>" in item_line(appended)
    assert f"<@{ALICE}>" in json.dumps(speaker_rows(appended))
    wait_until(lambda: len(transcripts(stack, event["ts"])) == 3, 10, "the appended transcript")
    assert b"Alice Example: I will send" in transcripts(stack, event["ts"])[2].content


def test_two_speakers_merge_into_one_and_another_workspace_changes_nothing(stack):
    nameless_speakers(stack)
    _, event = share_file(stack, "review.mp4", "video/mp4")
    stack.app.event(event)
    notes = wait_for_results(stack, event["ts"])[0]

    notes = same_person(stack, notes, "Speaker 3 is Speaker 1")

    rows = speaker_rows(notes)
    assert len(rows) == 2
    assert "also Speaker 3" in rows[0]["text"]["text"]
    new = wait_until(lambda: len(transcripts(stack, event["ts"])) == 2 and transcripts(stack, event["ts"])[1], 10)
    assert b"Speaker 3:" not in new.content and b"Speaker 1: Do we have sign-off" in new.content
    _, menu = controls(notes, "whoswho_same")[0]
    assert "Split Speaker 3 from Speaker 1" in [o["text"]["text"] for o in menu["options"]]

    # A signed click from another workspace is refused before any listener; the notes stay as they are.
    edits = stack.slack.message(CHANNEL, notes.ts).edits
    body = block_action_body(
        "whoswho_pick",
        block_id=rows[1]["block_id"],
        selected_user=ALICE,
        team_id="T0002",
        response_url=stack.slack.response_url("T0002"),
        message_ts=notes.ts,
        thread_ts=notes.thread_ts,
    )
    status, _, _ = stack.app.post_signed(body, "application/x-www-form-urlencoded")
    assert status == 403
    assert stack.slack.message(CHANNEL, notes.ts).edits == edits
    assert f"<@{ALICE}>" not in json.dumps(stack.slack.message(CHANNEL, notes.ts).blocks)


def speaker_name_rows(stack) -> int:
    engine = sa.create_engine(stack.app.env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM speaker_names")).scalar()
    finally:
        engine.dispose()


def test_forgetting_the_meeting_forgets_who_its_speakers_were(stack):
    nameless_speakers(stack)
    _, event = share_file(stack, "one-on-one.mp4", "video/mp4")
    stack.app.event(event)
    notes = wait_for_results(stack, event["ts"])[0]
    pick(stack, notes, row_of(notes, SECOND_SPEAKER_WORDS), ALICE)
    assert speaker_name_rows(stack) == 1
    new = wait_until(lambda: len(transcripts(stack, event["ts"])) == 2 and transcripts(stack, event["ts"])[1], 10)
    conversation_id = stack.symbl.requests_to("GET", "/v1/conversations/")[0].path.split("/")[3]

    _, answer = command_answer(stack.app, stack.slack, f"forget {conversation_id}", user=USER)
    assert "Deleting that meeting" in answer["text"]

    wait_until(lambda: speaker_name_rows(stack) == 0, 20, "the speakers' names forgotten")
    wait_until(lambda: new.file_id in stack.slack.deleted_files, 10, "the current transcript deleted too")
