"""Misheard names put back from a roster: which words are name slots, which name wins, and the real model end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engines.local.roster import (
    MAX_LOSS,
    MIN_MARGIN,
    STAND_IN,
    VOCATIVE,
    NameRescorer,
    NameSlot,
    choose_name,
    first_names,
    name_slots,
)
from bot.engines.local.transcribe import Transcriber, Word, load_audio

pytestmark = pytest.mark.models  # loads the speech models: left out of `make test-fast`

MEETINGS = Path(__file__).resolve().parents[2] / "data" / "meetings"
ROSTER = ["Alice", "Bob", "Carol", "Dave"]


def heard(text: str, unsure: str = "") -> list[Word]:
    """Words one second apart; those in ``unsure`` (space-separated) were heard with probability 0.3."""
    doubtful = set(unsure.split())
    return [
        Word(token, float(i), i + 0.5, probability=0.3 if token in doubtful else 0.95)
        for i, token in enumerate(text.split())
    ]


def test_first_names_come_from_full_names_once_each_in_order():
    assert first_names(["Dave Smith", "alice", "Dave Jones", "  Bob  ", "", "Speaker 2", "Carol O'Neil"]) == [
        "Dave",
        "Alice",
        "Bob",
        "Carol",
    ]
    assert first_names(["José Díaz", "Zoë"]) == ["José", "Zoë"]
    assert first_names(["Ann", "Ben", "Cy", "Di"], limit=3) == ["Ann", "Ben", "Cy"]


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("Name, could you send it?", 0),
        ("Good catch. Name. Please update the posting today.", 2),
        ("Perfect, name, come along the mobile search.", 1),
        ("I like that. Name. Would you be able to set it up?", 3),
    ],
)
def test_a_stand_in_name_is_a_slot(text, index):
    assert name_slots(heard(text), ROSTER) == [NameSlot(index, STAND_IN)]


@pytest.mark.parametrize("text", ["My name is Tom.", "What is the name of the file?", "Let's name it after her."])
def test_the_word_name_talked_about_is_no_slot(text):
    assert name_slots(heard(text), ROSTER) == []


def test_an_unsure_word_said_to_someone_before_a_request_is_a_slot():
    assert name_slots(heard("Maybe. Mom, will you pull the data?", "Mom,"), ROSTER) == [NameSlot(1, VOCATIVE)]
    assert name_slots(heard("Thanks Carol. Ma, can you update the ticket?", "Ma,"), ROSTER) == [NameSlot(2, VOCATIVE)]
    assert name_slots(heard("Ma, do you want to go first?", "Ma,"), ROSTER) == [NameSlot(0, VOCATIVE)]


@pytest.mark.parametrize(
    ("text", "unsure"),
    [
        ("Mom, will you pull the data?", ""),  # heard with confidence: what was said
        ("Mom, the data is in.", "Mom,"),  # no request or question follows
        ("Okay, can you pull the data?", "Okay,"),  # a discourse marker, never a name
        ("Then, will you pull the data?", "Then,"),  # a common word
        ("Bob, will you pull the data?", "Bob,"),  # already a roster name
        ("We should ask Mom, will you?", "Mom,"),  # not where an address starts
    ],
)
def test_other_words_are_no_slots(text, unsure):
    assert name_slots(heard(text, unsure), ROSTER) == []


def test_the_best_name_must_clearly_beat_the_runner_up():
    assert choose_name(STAND_IN, -10.0, {"Dave": -12.0, "Bob": -12.0 - MIN_MARGIN - 0.1}) == "Dave"
    assert choose_name(STAND_IN, -10.0, {"Dave": -12.0, "Bob": -12.0 - MIN_MARGIN + 0.1}) is None
    assert choose_name(STAND_IN, -10.0, {"Dave": -12.0}) == "Dave"
    assert choose_name(STAND_IN, -10.0, {}) is None


def test_a_name_replaces_a_real_word_only_when_it_costs_the_sentence_little():
    scores = {"Bob": -12.0, "Tom": -20.0}
    assert choose_name(VOCATIVE, -12.0 + MAX_LOSS - 0.1, scores) == "Bob"
    assert choose_name(VOCATIVE, -12.0 + MAX_LOSS + 0.1, scores) is None
    # A stand-in is no word anyone said: however much likelier Whisper found it, a clear best name wins
    assert choose_name(STAND_IN, 0.0, scores) == "Bob"


class ScriptedRescorer(NameRescorer):
    """The rescorer's choices with the model replaced by fixed scores per name written in the slot."""

    def __init__(self, scores: dict[str, float], original: float = -10.0):
        self.scores, self.original, self.scored = scores, original, []

    def _encode(self, audio, start, end):
        return None

    def _log_probabilities(self, encoded, texts):
        self.scored.append(texts)
        original, *variants = texts
        return [self.original] + [
            next(score for name, score in self.scores.items() if f" {name}" in text and f" {name}" not in original)
            for text in variants
        ]


def test_the_winning_name_is_written_in_the_slot_keeping_its_punctuation_and_times():
    words = heard("Good catch. Name. Please update the posting.")
    restored = ScriptedRescorer({"Alice": -30.0, "Bob": -25.0, "Carol": -30.0, "Dave": -20.0}).restore(
        None, words, ROSTER
    )
    assert [w.text for w in restored] == ["Good", "catch.", "Dave.", "Please", "update", "the", "posting."]
    assert (restored[2].start, restored[2].end) == (words[2].start, words[2].end)


def test_a_name_said_elsewhere_in_the_segment_is_not_a_candidate_for_the_slot():
    rescorer = ScriptedRescorer({"Alice": -30.0, "Bob": -9.0, "Carol": -30.0, "Dave": -20.0})
    restored = rescorer.restore(None, heard("Name, what did you think of Bob?"), ROSTER)
    assert restored[0].text == "Dave,"
    assert not any(" Bob," in text for text in rescorer.scored[0][1:])


def test_without_a_slot_or_a_roster_nothing_is_scored():
    rescorer = ScriptedRescorer({"Dave": 0.0})
    words = heard("Dave, can you send it?")
    assert rescorer.restore(None, words, ROSTER) == words
    assert rescorer.restore(None, heard("Name, can you send it?"), []) == heard("Name, can you send it?")
    assert rescorer.scored == []


@pytest.fixture(scope="module")
def standup_audio():
    return load_audio(MEETINGS / "standup.mp3")


def test_tiny_en_mishears_bob_and_the_roster_puts_him_back(standup_audio):
    # The rescoring alone: tiny.en without the roster as hotwords (they change more than the name slots), decoding
    # with the previous window's text as context, which is where it mishears "Bob" in this recording
    transcriber = Transcriber(
        "tiny.en", cpu_threads=2, names_as_hotwords=False, decode={"condition_on_previous_text": True}
    )
    without = " ".join(u.text for u in transcriber.transcribe(standup_audio))
    restored = " ".join(u.text for u in transcriber.transcribe(standup_audio, roster=("Bob Lee", "Alice", "Carol")))
    assert "Bob, can you also update the ticket" not in without
    assert "Bob, can you also update the ticket" in restored
    # Only name slots change
    assert len(restored.split()) == len(without.split())
