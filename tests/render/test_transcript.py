"""The plain-text transcript file."""

from __future__ import annotations

from datetime import timedelta

from bot.models import Conversation, Insights, Message, Person
from bot.render import transcript_text
from tests.render.helpers import START, sample_insights


def test_title_and_timestamped_lines():
    text = transcript_text(sample_insights())
    assert text.splitlines() == [
        "Transcript: Weekly sync (42 min)",
        "",
        "[00:01:23] Lucy: Vikram you need to work on a plan.",
        "[01:02:05] Salesman: We need to meet tomorrow.",
    ]


def test_offsets_from_start_times_and_unknown_speakers_and_no_escaping():
    messages = (
        Message(id="1", text="Hello <!channel> & all", start=START),
        Message(id="2", text="line\nbreak", start=START + timedelta(seconds=75), speaker=Person(email="a@b.c")),
    )
    text = transcript_text(Insights(conversation=Conversation(id="c"), messages=messages))
    assert text.splitlines()[2:] == ["[00:00:00] Speaker: Hello <!channel> & all", "[00:01:15] a@b.c: line break"]
    assert text.startswith("Transcript: Meeting notes\n")


def test_empty_transcript_says_so():
    assert "(no speech was transcribed)" in transcript_text(Insights(conversation=Conversation(id="c", name="X")))
