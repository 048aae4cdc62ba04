"""Due dates said in a meeting resolve against the meeting's own date and time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.engines.local.dates import find_due_date

EASTERN = timezone(timedelta(hours=-5))
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=EASTERN)
FRIDAY = datetime(2026, 3, 6, 10, 0, tzinfo=EASTERN)
LATE_JANUARY = datetime(2026, 1, 28, 14, 0, tzinfo=EASTERN)
END_OF_YEAR = datetime(2026, 12, 29, 11, 0, tzinfo=EASTERN)


@pytest.mark.parametrize(
    ("said", "meeting", "expected"),
    [
        ("I'll send it by Friday", MONDAY, date(2026, 3, 6)),
        ("I'll send it by Friday", FRIDAY, date(2026, 3, 13)),  # said on a Friday: the next one
        ("let's meet again next Friday", FRIDAY, date(2026, 3, 13)),
        ("I'll do it tomorrow", MONDAY, date(2026, 3, 3)),
        ("I'll do it tomorrow", datetime(2026, 2, 28, 9, 0, tzinfo=EASTERN), date(2026, 3, 1)),
        ("please finish it today", MONDAY, date(2026, 3, 2)),
        ("I'll get to it next week", MONDAY, date(2026, 3, 13)),  # the Friday of next week
        ("done by the end of the week", MONDAY, date(2026, 3, 6)),
        ("a draft by the end of the month", LATE_JANUARY, date(2026, 1, 31)),
        ("by the end of the month", datetime(2028, 2, 10, 9, 0, tzinfo=EASTERN), date(2028, 2, 29)),
        ("remove the flags by March tenth", MONDAY, date(2026, 3, 10)),
        ("remove the flags by March 10th", MONDAY, date(2026, 3, 10)),
        ("submit it before the twentieth of March", MONDAY, date(2026, 3, 20)),
        ("set that up in two days", datetime(2026, 2, 27, 9, 0, tzinfo=EASTERN), date(2026, 3, 1)),
        ("same time in two weeks", END_OF_YEAR, date(2027, 1, 12)),
        ("let's meet again on January fifth", END_OF_YEAR, date(2027, 1, 5)),  # already past this year
        ("I'll roll out a fix by Thursday", END_OF_YEAR, date(2026, 12, 31)),
        ("I'll write it this weekend", datetime(2026, 4, 15, 9, 0, tzinfo=EASTERN), date(2026, 4, 18)),
        ("by the twenty first of January", END_OF_YEAR, date(2027, 1, 21)),
        ("I'll have it by end of day Thursday", MONDAY, date(2026, 3, 5)),  # Thursday's end of day, not today's
        ("send it over by EOD", MONDAY, date(2026, 3, 2)),
        ("we'll have numbers within two weeks", MONDAY, date(2026, 3, 16)),
        ("a week from today", MONDAY, date(2026, 3, 9)),
        ("the week after next", MONDAY, date(2026, 3, 20)),  # its Friday
        ("clean it up by mid-July", MONDAY, date(2026, 7, 15)),
        ("done by the end of March", MONDAY, date(2026, 3, 31)),
        ("done by the end of February", MONDAY, date(2027, 2, 28)),  # this year's is over
        ("ready by the start of April", MONDAY, date(2026, 4, 1)),
    ],
)
def test_relative_dates_resolve_against_the_meeting_day(said, meeting, expected):
    due = find_due_date(said, meeting)
    assert due is not None
    assert due.date() == expected
    assert due.tzinfo == meeting.tzinfo  # the meeting's own zone, not the server's


@pytest.mark.parametrize(
    "said",
    [
        "let's review Saturday's outage",  # a possessive names a past day, not a deadline
        "I could pair with Carol on Tuesdays",  # a habit, not a deadline
        "it would be better to move it to Thursday",  # rescheduling, not a due date
        "nothing to do with time at all",
        "we may want to look at it",  # "may" the verb is not May the month
    ],
)
def test_phrases_that_are_not_deadlines_give_no_due_date(said):
    assert find_due_date(said, MONDAY) is None


def test_the_first_deadline_said_wins():
    due = find_due_date("I'll send it tomorrow and review it on Friday", MONDAY)
    assert due is not None
    assert due.date() == date(2026, 3, 3)
