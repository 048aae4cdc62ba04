"""Who each speaker is: names from every source in order of trust, merges, and what "Who's who" shows."""

from __future__ import annotations

import json

from bot.models import ActionItem, Conversation, Insights, Message, Person, Question
from bot.render import render_insights
from bot.render.whoswho import MAX_ROWS, PICK_ACTION, SAME_ACTION, UNDO_VOICE_ACTION, whoswho_blocks
from bot.speakers import (
    CORRECTED,
    ENGINE,
    INFERRED,
    LABEL,
    RECOGNISED,
    TRANSCRIPT_FILE,
    found_speakers,
    relabel,
    resolve_names,
)
from bot.store.speakers import NOBODY, PERSON, VOICE, SpeakerChoice
from tests.render.helpers import validated
from tests.render.scenarios import NOTES_NOW, OWNERS, TZ, launch_meeting, ledger_for

USERS = {"U0ALICE": "Alice Example", "U0BOB": "Bob Builder"}


def _meeting(*speakers: tuple[str | None, str, str, float]) -> Insights:
    """Messages of (member id, speaker name, text, seconds); the second message's speaker owns an action item."""
    messages = tuple(
        Message(id=f"m{n}", text=text, speaker=Person(id=member, name=name), duration_seconds=seconds)
        for n, (member, name, text, seconds) in enumerate(speakers)
    )
    owner = messages[1].speaker
    return Insights(
        conversation=Conversation(id="c1", name="Sync"),
        messages=messages,
        members=tuple(dict.fromkeys(m.speaker for m in messages)),
        action_items=(ActionItem(id="a1", text="send the budget", assignee=Person(name=owner.name), definitive=True),),
        questions=(Question(id="q1", text="Is legal done?", asked_by=Person(id=owner.id, name=owner.name)),),
    )


TWO = _meeting(
    (None, "Speaker 1", "Good morning everyone, let us start with the budget review today", 30.0),
    (None, "Speaker 2", "I will send the budget", 10.0),
)


def _names(insights: Insights, choices: dict[str, SpeakerChoice], *, engine: str = "local", file: bool = False):
    return resolve_names(
        found_speakers(insights), choices, engine=engine, from_transcript_file=file, user_name=USERS.get
    )


def test_found_speakers_say_how_each_starts_and_their_share_of_the_talk():
    first, second = found_speakers(TWO)
    assert (first.key, first.engine_name, first.share) == ("Speaker 1", "Speaker 1", 0.75)
    assert first.first_words == "Good morning everyone, let us start with the…"
    assert (second.first_words, second.share) == ("I will send the budget", 0.25)


def test_each_source_in_order_of_trust():
    named = _meeting((None, "Bob", "Hi all", 1.0), (None, "Carol", "Thanks Bob", 1.0), (None, "Speaker 3", "ok", 1.0))
    assert [n.source for n in _names(named, {}).values()] == [INFERRED, INFERRED, LABEL]
    assert [n.source for n in _names(named, {}, file=True).values()][:2] == [TRANSCRIPT_FILE, TRANSCRIPT_FILE]
    assert [n.source for n in _names(named, {}, engine="symbl").values()][:2] == [ENGINE, ENGINE]
    voice = {"Bob": SpeakerChoice("Bob", "U0BOB", VOICE), "Carol": SpeakerChoice("Carol", "U0ALICE", VOICE)}
    by_voice = _names(named, voice)
    assert (by_voice["Bob"].name, by_voice["Bob"].source, by_voice["Bob"].source_words) == (
        "Bob Builder",
        RECOGNISED,
        "recognised by voice",
    )
    corrected = {**voice, "Carol": SpeakerChoice("Carol", "U0BOB", PERSON)}
    assert _names(named, corrected)["Carol"].source == CORRECTED
    assert _names(named, corrected)["Carol"].source_words is None  # a correction needs no explanation
    undone = {"Bob": SpeakerChoice("Bob", None, PERSON)}  # "not who the voice said": back to the talk's name
    assert (_names(named, undone)["Bob"].name, _names(named, undone)["Bob"].source) == ("Bob", INFERRED)


def test_a_named_speaker_is_renamed_everywhere_and_a_merged_one_takes_its_name():
    choices = {
        "Speaker 2": SpeakerChoice("Speaker 2", "U0ALICE", PERSON),
        "Speaker 1": SpeakerChoice("Speaker 1", None, NOBODY, merged_into="Speaker 2"),
    }
    names = _names(TWO, choices)
    renamed = relabel(TWO, names, found_speakers(TWO))
    assert [m.speaker.name for m in renamed.messages] == ["Alice Example", "Alice Example"]
    assert renamed.action_items[0].assignee.name == "Alice Example"
    assert renamed.questions[0].asked_by.name == "Alice Example"
    assert [m.name for m in renamed.members] == ["Alice Example"]
    assert names["Speaker 1"].merged_into == "Speaker 2"


def test_merges_that_loop_stop_instead_of_hanging():
    choices = {
        "Speaker 1": SpeakerChoice("Speaker 1", None, NOBODY, merged_into="Speaker 2"),
        "Speaker 2": SpeakerChoice("Speaker 2", None, NOBODY, merged_into="Speaker 1"),
    }
    names = _names(TWO, choices)
    assert {n.name for n in names.values()} <= {"Speaker 1", "Speaker 2"}


def test_symbl_members_are_matched_by_id_and_people_who_are_not_speakers_are_left_alone():
    meeting = _meeting(("m-1", "Speaker 1", "Hello", 5.0), ("m-2", "Speaker 2", "I will send it", 5.0))
    meeting = Insights(
        **{**meeting.__dict__, "follow_ups": (ActionItem(id="f1", text="call", assignee=Person(name="Grace")),)}
    )
    names = _names(meeting, {"m-2": SpeakerChoice("m-2", "U0BOB", PERSON)}, engine="symbl")
    renamed = relabel(meeting, names, found_speakers(meeting))
    assert renamed.messages[1].speaker == Person(id="m-2", name="Bob Builder")
    assert renamed.follow_ups[0].assignee == Person(name="Grace")


def test_whoswho_rows_have_a_picker_each_the_same_person_menu_and_an_undo_for_a_voice():
    choices = {"Speaker 2": SpeakerChoice("Speaker 2", "U0ALICE", VOICE)}
    names = _names(TWO, choices)
    blocks = whoswho_blocks(found_speakers(TWO), names)
    rows, actions = blocks[:2], blocks[2]
    assert [r["accessory"]["action_id"] for r in rows] == [PICK_ACTION, PICK_ACTION]
    assert "initial_user" not in rows[0]["accessory"] and rows[1]["accessory"]["initial_user"] == "U0ALICE"
    assert "<@U0ALICE> _(recognised by voice)_ · 25% of the talk · “I will send the budget”" in rows[1]["text"]["text"]
    menu, undo = actions["elements"]
    assert menu["action_id"] == SAME_ACTION
    assert [o["text"]["text"] for o in menu["options"]] == ["Speaker 1 is Alice Example", "Alice Example is Speaker 1"]
    assert (undo["action_id"], undo["text"]["text"]) == (UNDO_VOICE_ACTION, "Not Alice Example? Undo")


def test_many_speakers_stay_compact_and_the_notes_stay_valid():
    many = _meeting(*[(None, f"Speaker {n}", f"words of speaker {n}", float(n)) for n in range(1, 13)])
    blocks = whoswho_blocks(found_speakers(many), _names(many, {}))
    assert len(blocks) == MAX_ROWS + 2  # the rows of those who talk most, one grey line, one actions block
    assert "Speaker 1," in blocks[MAX_ROWS]["elements"][0]["text"]  # the quietest are listed
    payload = render_insights(many, whoswho=blocks, askers={})
    validated(payload)
    assert len(payload["blocks"]) <= 50


def test_a_named_asker_is_mentioned_and_markup_in_names_is_escaped():
    meeting = _meeting((None, "<!channel>", "Hello there", 5.0), (None, "Speaker 2", "I will send it", 5.0))
    names = _names(meeting, {"Speaker 2": SpeakerChoice("Speaker 2", "U0ALICE", PERSON)})
    renamed = relabel(meeting, names, found_speakers(meeting))
    payload = render_insights(
        renamed, whoswho=whoswho_blocks(found_speakers(meeting), names), askers={"Alice Example": "U0ALICE"}
    )
    shown = json.dumps(payload["blocks"], ensure_ascii=False)
    assert "Is legal done? — _<@U0ALICE>_" in shown
    mrkdwn = [b["text"]["text"] for b in payload["blocks"] if b.get("type") == "section"]
    assert not [text for text in mrkdwn if "<!channel>" in text]  # plain-text option labels ping nobody
    assert any("&lt;!channel&gt;" in text for text in mrkdwn)


def test_the_31_minute_meeting_with_who_s_who_stays_compact():
    meeting = launch_meeting()  # 4 speakers, 17 blocks of notes without "Who's who"
    found = found_speakers(meeting)
    blocks = whoswho_blocks(found, resolve_names(found, {}, engine="symbl"))
    payload = render_insights(meeting, owners=OWNERS, tz=TZ, ledger=ledger_for(meeting), now=NOTES_NOW, whoswho=blocks)
    validated(payload)
    assert len(payload["blocks"]) == 17 + 1 + 4 + 1  # a divider, a row per speaker, the "Same person…" menu
