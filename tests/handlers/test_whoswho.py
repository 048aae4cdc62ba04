""" "Who's who" under the notes, through the Bolt app: a click is acknowledged at once, and everything that needs
Slack (checking the picked person, the private refusals, the redraw) comes after the ack."""

from __future__ import annotations

import sqlalchemy as sa

from bot.render.whoswho import PICK_ACTION, ROW_PREFIX, SAME, SAME_ACTION
from bot.speakers import found_speakers, short_id
from bot.store.tables import SearchPassage
from tests.handlers.bolt_harness import CHANNEL
from tests.render.helpers import sample_insights

LUCY = short_id(found_speakers(sample_insights())[0].key)


def pick(bolt, meeting, row: str, user: str):
    return bolt.action(
        PICK_ACTION,
        block_id=f"{ROW_PREFIX}{row}",
        selected_user=user,
        channel_id=CHANNEL,
        message_ts=meeting.notes_ts,
    )


def test_naming_a_speaker_redraws_the_notes_with_the_person_after_the_ack(bolt, slack, meeting):
    slack.add_user("U0ALICE", name="alice")
    done = pick(bolt, meeting, LUCY, "U0ALICE")
    assert done.body == ""
    [redraw] = [call for call in done.called("chat.update") if call["ts"] == meeting.notes_ts]
    assert "<@U0ALICE>" in str(redraw["blocks"])


def test_refused_clicks_answer_privately_and_change_nothing(bolt, slack, meeting):
    slack.add_user("U0ALICE", name="alice")
    unknown_speaker = pick(bolt, meeting, "0" * 12, "U0ALICE")
    stranger = pick(bolt, meeting, LUCY, "U0NOBODY")
    itself = bolt.action(
        SAME_ACTION,
        selected_option={"value": f"{SAME}:{LUCY}:{LUCY}"},
        channel_id=CHANNEL,
        message_ts=meeting.notes_ts,
    )
    said = [done.responses[0]["text"] for done in (unknown_speaker, stranger, itself)]
    assert said == [
        "I couldn't find that speaker in this meeting's notes; nothing was changed.",
        "I couldn't find that person in this workspace's Slack; nothing was changed.",
        "A speaker can't be merged with itself; pick two different speakers.",
    ]
    assert not any(done.called("chat.update") for done in (unknown_speaker, stranger, itself))


def test_a_named_speaker_is_searchable_by_the_new_name_at_once(bolt, slack, meeting):
    slack.add_user("U0ALICE", name="alice", real_name="Alice Liddell")
    pick(bolt, meeting, LUCY, "U0ALICE")
    with bolt.services.database.session(writes=False) as session:
        speakers = set(session.scalars(sa.select(SearchPassage.speaker).where(SearchPassage.lines.startswith("m"))))
    assert any("Alice" in (speaker or "") for speaker in speakers), speakers
