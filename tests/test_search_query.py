"""The search grammar: filters, phrases and prefixes; anything else is a word, never the database's syntax."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.search_query import Phrase, QueryProblem, SearchQuery, parse


def test_words_phrases_prefixes_and_filters():
    query = parse('"Legal review" budg* from:@grace.hopper in:#launch-team after:2026-01-31 before:2026-03-01')
    assert query == SearchQuery(
        phrases=(Phrase(("legal", "review")), Phrase(("budg",), prefix=True)),
        speaker="grace hopper",
        channel_name="launch-team",
        after=datetime(2026, 1, 31, tzinfo=UTC),
        before=datetime(2026, 3, 1, tzinfo=UTC),
    )


def test_escaped_mentions_name_the_user_and_the_channel():
    query = parse("budget from:<@U123|grace> in:<#C456|launch>")
    assert (query.speaker_user_id, query.channel_id) == ("U123", "C456")


def test_operators_of_either_database_are_words_or_separators():
    assert parse('budget OR "x" NEAR(a b) -c ^d').phrases == (
        Phrase(("budget",)),
        Phrase(("or",)),
        Phrase(("x",)),
        Phrase(("near", "a")),
        Phrase(("b",)),
        Phrase(("c",)),
        Phrase(("d",)),
    )


def test_problems_are_named():
    for text, words in (
        ("", "What should I look for?"),
        ("*", "at least one word"),
        ("a" * 501, "too long"),
        ("budget size:big", "`size:`"),
        ("budget after:soon", "needs a date"),
        ("budget after:2026-03-01 before:2026-02-01", "earlier date"),
        (" ".join(["word"] * 13), "at most 12"),
    ):
        problem = parse(text)
        assert isinstance(problem, QueryProblem) and words in problem.text, (text, problem)
