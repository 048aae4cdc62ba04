"""The full-text index on both databases: the same lines found, in the same order, with every filter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.search_query import QueryProblem, parse
from bot.store.jobs import JobStore
from bot.store.search import Entry, SearchIndex

MARCH = datetime(2026, 3, 2, 15, tzinfo=UTC)
APRIL = datetime(2026, 4, 6, 15, tzinfo=UTC)


@pytest.fixture
def index(database) -> SearchIndex:
    jobs = JobStore(database)
    index = SearchIndex(database)
    for conversation, channel, when, lines in (
        (
            "c-march",
            "CGEN",
            MARCH,
            [
                Entry("message", "We decided to drop the caching idea for now.", "Priya Raman", 65.0),
                Entry("message", "I'll talk to legal about the privacy policy.", "Marco Rossi", 130.0),
                Entry("action", "Marco will talk to legal by Friday.", "Marco Rossi", 130.0),
                Entry("topic", "privacy policy", None, 130.0),
            ],
        ),
        (
            "c-april",
            "GPRIV",
            APRIL,
            [
                Entry("message", "The follow-up with legal is done; budgets are approved.", "Dana Lee", 12.0),
                Entry("message", "Café ordering and the caching layer, again.", "Priya Raman", 40.0),
            ],
        ),
    ):
        jobs.record_conversation(
            team_id="T1",
            conversation_id=conversation,
            channel_id=channel,
            thread_ts="1.1",
            name=conversation,
            engine="symbl",
        )
        index.replace(team_id="T1", channel_id=channel, conversation_id=conversation, meeting_at=when, entries=lines)
    return index


def _found(index: SearchIndex, text: str, channels=("CGEN", "GPRIV"), speakers=()) -> list[tuple[str, str]]:
    query = parse(text)
    assert not isinstance(query, QueryProblem), query
    return [(h.conversation_id, h.text) for h in index.search("T1", query, channels, speakers)]


def test_a_phrase_is_found_with_its_meeting_speaker_and_time(index):
    hits = index.search("T1", parse('"talk to legal"'), ["CGEN", "GPRIV"])
    assert [(h.kind, h.speaker, h.offset_seconds) for h in hits] == [
        ("action", "Marco Rossi", 130.0),
        ("message", "Marco Rossi", 130.0),
    ]
    assert hits[0].name == "c-march"


def test_words_need_not_be_together_but_all_must_be_there(index):
    assert _found(index, "legal friday") == [("c-march", "Marco will talk to legal by Friday.")]
    assert _found(index, '"legal friday"') == []


def test_hyphens_apostrophes_case_and_accents_are_read_alike_on_both_databases(index):
    assert _found(index, "FOLLOW-UP") == [("c-april", "The follow-up with legal is done; budgets are approved.")]
    assert _found(index, '"follow up with"') == _found(index, "FOLLOW-UP")
    assert _found(index, "i'll legal") == [("c-march", "I'll talk to legal about the privacy policy.")]
    assert _found(index, "café") == [("c-april", "Café ordering and the caching layer, again.")]
    assert _found(index, "cafe") == []  # no accent folding on either database


def test_a_trailing_star_finds_the_start_of_words(index):
    assert {c for c, _ in _found(index, "cach*")} == {"c-march", "c-april"}
    assert _found(index, "budget") == []
    assert _found(index, "budget*") == [("c-april", "The follow-up with legal is done; budgets are approved.")]


def test_only_the_given_channels_are_searched(index):
    assert {c for c, _ in _found(index, "legal", channels=("CGEN",))} == {"c-march"}
    assert _found(index, "legal", channels=()) == []


def test_speaker_and_dates_narrow_the_results(index):
    assert {t for _, t in _found(index, "legal", speakers=("dana",))} == {
        "The follow-up with legal is done; budgets are approved."
    }
    assert {c for c, _ in _found(index, "legal after:2026-04-01")} == {"c-april"}
    assert {c for c, _ in _found(index, "legal before:2026-04-01")} == {"c-march"}


def test_operators_of_either_database_are_only_words(index):
    for text in ('legal OR "', "legal NEAR budget", "legal*)", "'; DROP TABLE search_passages; --", "legal AND NOT"):
        query = parse(text)
        if not isinstance(query, QueryProblem):
            index.search("T1", query, ["CGEN", "GPRIV"])  # never a syntax error
    assert _found(index, "legal") != []


def test_replacing_a_meeting_replaces_its_lines_and_remove_empties_it(index):
    index.replace(
        team_id="T1",
        channel_id="CGEN",
        conversation_id="c-march",
        meeting_at=MARCH,
        entries=[Entry("message", "Appended: the vendor shortlist.", "Dana Lee", 500.0)],
    )
    assert _found(index, "caching") == [("c-april", "Café ordering and the caching layer, again.")]
    assert _found(index, "shortlist") == [("c-march", "Appended: the vendor shortlist.")]
    index.remove("T1", "c-march")
    assert _found(index, "shortlist") == []


def test_a_phrase_is_found_within_one_line_not_across_two(index):
    """Lines share a passage in the index; a phrase (or all the words of a query) must still be in one line."""
    index.replace(
        team_id="T1",
        channel_id="CGEN",
        conversation_id="c-march",
        meeting_at=MARCH,
        entries=[
            Entry("message", "We need a vendor", "Dana Lee", 1.0),
            Entry("message", "shortlist by May.\nIt is final.", "Dana Lee", 2.0),
        ],
    )
    assert _found(index, '"vendor shortlist"') == []
    assert _found(index, "final vendor") == []
    assert _found(index, '"may it is"') == [("c-march", "shortlist by May. It is final.")]  # one line, one message
    hit = index.search("T1", parse("final"), ["CGEN"])[0]
    assert (hit.kind, hit.speaker, hit.offset_seconds) == ("message", "Dana Lee", 2.0)


def test_another_workspace_finds_nothing(index):
    assert index.search("T2", parse("legal"), ["CGEN", "GPRIV"]) == []


def test_the_newest_matches_are_found_however_the_windows_grow(database, monkeypatch):
    """Sparse and dense words over many small windows: always the newest CANDIDATES matches, on both databases."""
    from bot.store import search

    monkeypatch.setattr(search, "FIRST_WINDOW", 4)
    monkeypatch.setattr(search, "CANDIDATES", 5)
    monkeypatch.setattr(search, "PASSAGE_BYTES", 30)  # two or three lines a passage: many passages, many windows
    index = SearchIndex(database)
    lines = [
        Entry("message", f"line {n} " + ("dense " if n % 2 else "") + ("sparse" if n % 37 == 0 else ""), "A", n)
        for n in range(300)
    ]
    JobStore(database).record_conversation(
        team_id="T1", conversation_id="c", channel_id="CGEN", thread_ts="1.1", name="c", engine="symbl"
    )
    index.replace(team_id="T1", channel_id="CGEN", conversation_id="c", meeting_at=MARCH, entries=lines)

    def offsets(word: str) -> list[float]:
        return sorted(h.offset_seconds for h in index.search("T1", parse(word), ["CGEN"]))

    assert offsets("dense") == [289.0, 291.0, 293.0, 295.0, 297.0, 299.0][1:]
    assert offsets("sparse") == [148.0, 185.0, 222.0, 259.0, 296.0]
    assert offsets("nowhere") == []


@pytest.mark.parametrize(
    ("span", "found", "expected"),
    [(2_000, 0, 800_000), (2_000, 1, 800_000), (2_000, 100, 8_000), (2_000, 199, 4_020), (2_000, 150, 5_333)],
)
def test_a_window_grows_to_what_the_matches_found_so_far_say_it_needs(span, found, expected):
    from bot.store.search import _next_span

    assert _next_span(span, found) == expected


def test_a_meetings_lines_become_passages_of_one_speaker_each_in_order(monkeypatch):
    from bot.store import search

    monkeypatch.setattr(search, "PASSAGE_BYTES", 40)
    lines = [
        Entry("message", "First thing from Priya.", "Priya", 0.5),
        Entry("message", "Marco answers.", "Marco", 3.25),
        Entry("message", "Priya again, a longer line.", "Priya", 7.0),
        Entry("action", "Marco sends the deck.", "Marco", 3.25),
        Entry("topic", "deck", None, None),
    ]
    found = search.passages(lines)
    assert [(p.speaker, p.text) for p in found] == [
        ("Priya", "First thing from Priya."),
        ("Marco", "Marco answers.\nMarco sends the deck."),
        ("Priya", "Priya again, a longer line."),  # over 40 bytes with the first: a passage of its own
        (None, "deck"),
    ]
    assert [search.line_marks(p) for p in found] == [
        [("message", 0.5)],
        [("message", 3.25), ("action", 3.25)],
        [("message", 7.0)],
        [("topic", None)],
    ]
