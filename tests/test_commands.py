"""The /symbl grammar: every form a user types, and a helpful answer for every mistake."""

import pytest

from bot.commands import Append, Auto, Digest, Help, Process, Retention, ShowSettings, Status, Voice, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        ("HELP", Help()),
        ("process https://example.com/call.mp4", Process("https://example.com/call.mp4")),
        ("process <https://example.com/call.mp4>", Process("https://example.com/call.mp4")),
        ("process <https://example.com/a.mp3|a.mp3> Weekly sync", Process("https://example.com/a.mp3", "Weekly sync")),
        ("append 5815170693595136 https://x.io/b.wav", Append("5815170693595136", "https://x.io/b.wav")),
        ("status", Status()),
        ("auto off", Auto(enabled=False)),
        ("auto ON", Auto(enabled=True)),
        ("digest daily 09:00 Europe/Paris", Digest("schedule", ("daily", "09:00", "Europe/Paris"))),
        ("digest Weekly mon 17:30 always", Digest("schedule", ("Weekly", "mon", "17:30", "always"))),
        ("digest now", Digest("now")),
        ("digest OFF", Digest("off")),
        ("settings", ShowSettings()),
        ("voice", Voice("show")),
        ("voice ON", Voice("on")),
        ("voice off", Voice("off")),
    ],
)
def test_understood_forms(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("process", "needs the link"),
        ("append 123", "needs a conversation id and a link"),
        ("append ../../etc https://x.io/a.mp3", "doesn't look right"),
        ("auto maybe", "auto on"),
        ("voice maybe", "/symbl voice on"),
        ("voice on off", "/symbl voice on"),
        ("digest", "/symbl digest now"),
        ("digest sometimes", "/symbl digest daily 09:00"),
        ("digest now please", "/symbl digest now"),
        ("frobnicate now", "don't know the command `frobnicate`"),
        ("x" * 500, "…"),
    ],
)
def test_mistakes_get_help_naming_the_problem(text, hint):
    result = parse(text)
    assert isinstance(result, Help)
    assert hint in result.problem


def test_long_names_are_cut():
    result = parse("process https://e.com/a.mp4 " + "n" * 1000)
    assert len(result.name) == 200


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("retention 30", 30),
        ("retention 1", 1),
        ("retention 3650", 3650),
        ("RETENTION OFF", 0),
        ("retention default", None),
    ],
)
def test_retention_takes_whole_days_off_or_default(text, days):
    assert parse(text) == Retention(days=days)


@pytest.mark.parametrize("word", ["abc", "-3", "99999999", "1.5", "0", "3651", "1e3", "٣٠", "+5"])
def test_retention_refuses_anything_but_a_whole_number_of_days_in_range(word):
    parsed = parse(f"retention {word}")
    assert isinstance(parsed, Help)
    assert f"`{word}` isn't a number of days" in parsed.problem and "from 1 to 3650" in parsed.problem


@pytest.mark.parametrize("text", ["retention", "retention 30 days"])
def test_retention_without_exactly_one_word_gives_its_usage(text):
    parsed = parse(text)
    assert isinstance(parsed, Help) and parsed.problem.startswith("Use `/symbl retention <days>`")
