"""Due dates said in meetings ("by Friday", "in two days", "March tenth"), resolved against the meeting's date.

A small hand-written resolver rather than a date-parsing dependency: meetings use a handful of relative forms,
and the conventions below are the ones a deadline needs (documented in tests/data/meetings/README.md):

* a weekday ("on Friday", "by next Friday") is the next such day strictly after the meeting day, so "Friday"
  said on a Friday is a week later; a bare or plural weekday ("move it to Thursday", "on Tuesdays") is not a
  deadline and is ignored;
* "next week" is the Friday of the following week, "this week" / "end of the week" this week's Friday,
  "this weekend" its Saturday, "end of the month" the month's last day, "in N days/weeks/months" (also "within…",
  "N weeks from now") adds to the day, "the week after next" is that week's Friday, "mid-July" the 15th, "end of
  March" / "start of April" the month's last / first day, "EOD" the meeting day;
* a calendar date that has already passed this year ("January fifth" said in December) is next year's.

The result is an aware datetime at 17:00 (the end of a working day) in the meeting's own time zone.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta

DUE_TIME = time(17, 0)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_SMALL_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a couple of": 2,
    "a few": 3,
    "couple of": 2,
    "few": 3,
}
_ORDINAL_UNITS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
}
_ORDINAL_TEENS = {
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}


def _ordinal_words() -> dict[str, int]:
    words = {**_ORDINAL_UNITS, **_ORDINAL_TEENS}
    for tens_word, tens in (("twenty", 20), ("thirty", 30)):
        for unit_word, unit in _ORDINAL_UNITS.items():
            if tens + unit <= 31:
                words[f"{tens_word} {unit_word}"] = tens + unit
                words[f"{tens_word}-{unit_word}"] = tens + unit
    return words


ORDINALS = _ordinal_words()

_WEEKDAY = "|".join(WEEKDAYS)
_MONTH = "|".join(MONTHS)
_ORDINAL = "|".join(sorted((re.escape(w) for w in ORDINALS), key=len, reverse=True))


def _day_number_pattern(group: str) -> str:
    return rf"(?:(?P<{group}_digits>\d{{1,2}})(?:st|nd|rd|th)?|(?P<{group}_words>{_ORDINAL}))"


_COUNT = "|".join(sorted((re.escape(w) for w in _SMALL_NUMBERS), key=len, reverse=True))

# Order matters: longer, more specific forms first, so "end of next week" is not read as "next week".
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("day_after_tomorrow", r"\bday after tomorrow\b"),
        ("tomorrow", r"\btomorrow\b"),
        (
            "today",
            # "end of day Thursday" is Thursday's, not today's
            r"\b(?:today|tonight|this (?:morning|afternoon|evening)"
            rf"|end of (?:the )?day(?! (?:on )?(?:{_WEEKDAY}|tomorrow))|eod|cob|close of business)\b",
        ),
        ("end_next_week", r"\b(?:end of next week|next week)\b"),
        ("early_next_week", r"\b(?:early|beginning of|start of) next week\b"),
        ("next_weekend", r"\bnext weekend\b"),
        ("this_weekend", r"\b(?:this|the) weekend\b"),
        ("this_week", r"\b(?:end of (?:the|this) week|this week)\b"),
        ("end_next_month", r"\b(?:end of next month|next month)\b"),
        ("end_month", r"\b(?:end of (?:the|this) month|this month)\b"),
        ("end_quarter", r"\b(?:end of (?:the|this) quarter|this quarter)\b"),
        ("end_year", r"\b(?:end of (?:the|this) year|this year)\b"),
        ("week_after_next", r"\bweek after next\b"),
        ("in_span", rf"\b(?:in|within|in the next) (?P<count>{_COUNT}|\d+) (?P<unit>days?|weeks?|months?)\b"),
        ("from_now", rf"\b(?P<count>{_COUNT}|\d+) (?P<unit>days?|weeks?|months?) from (?:now|today)\b"),
        ("in_unit", r"\b(?:in|within) a (?P<unit>day|week|month)\b"),
        # "by mid-July", "by the end of March", "by the start of April"
        ("mid_month", rf"\bmid[- ](?P<month>{_MONTH})\b"),
        ("month_end", rf"\bend of (?P<month>{_MONTH})\b"),
        ("month_start", rf"\b(?:start|beginning) of (?P<month>{_MONTH})\b"),
        (
            "month_day",
            rf"\b(?P<month>{_MONTH}) (?:the )?{_day_number_pattern('md')}\b",
        ),
        (
            "day_of_month",
            rf"\b(?:the )?{_day_number_pattern('dm')} of (?P<month>{_MONTH})\b",
        ),
        # A weekday is a deadline only after a word that makes it one; "'s" and plurals are not dates.
        (
            "weekday",
            # "my" is how small Whisper models often hear a quick "by" ("a fix my Thursday").
            rf"\b(?:by|my|on|until|till|before|for|due|next|this|coming|end of (?:the )?day) (?:next |this |coming )?"
            rf"(?P<day>{_WEEKDAY})\b(?!'s|s)",
        ),
        ("the_day", rf"\b(?:by|on|until|before) the {_day_number_pattern('td')}\b(?! of)"),
    )
)


def _friday_of_week(day: date) -> date:
    return day + timedelta(days=4 - day.weekday())


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _end_of_month(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _day_number(match: re.Match[str], group: str) -> int | None:
    digits, words = match.group(f"{group}_digits"), match.group(f"{group}_words")
    if digits:
        return int(digits)
    return ORDINALS.get(words.lower().replace("-", " ").replace("  ", " ")) or ORDINALS.get(words.lower())


def _calendar_date(today: date, month: int, day_number: int | None) -> date | None:
    if not day_number:
        return None
    for year in (today.year, today.year + 1):
        if day_number <= calendar.monthrange(year, month)[1]:
            candidate = date(year, month, day_number)
            if candidate >= today:
                return candidate
    return None


def _resolve(name: str, match: re.Match[str], today: date) -> date | None:  # noqa: PLR0912 - one case per form
    match name:
        case "today":
            return today
        case "tomorrow":
            return today + timedelta(days=1)
        case "day_after_tomorrow":
            return today + timedelta(days=2)
        case "end_next_week":
            return _friday_of_week(today) + timedelta(days=7)
        case "early_next_week":
            return _friday_of_week(today) + timedelta(days=3)
        case "this_week":
            friday = _friday_of_week(today)
            return friday if friday >= today else friday + timedelta(days=7)
        case "this_weekend":
            saturday = _friday_of_week(today) + timedelta(days=1)
            return saturday if saturday >= today else saturday + timedelta(days=7)
        case "next_weekend":
            return _friday_of_week(today) + timedelta(days=8)
        case "end_month":
            return _end_of_month(today)
        case "end_next_month":
            return _end_of_month(_add_months(today.replace(day=1), 1))
        case "end_quarter":
            return _end_of_month(date(today.year, (today.month - 1) // 3 * 3 + 3, 1))
        case "end_year":
            return date(today.year, 12, 31)
        case "week_after_next":
            return _friday_of_week(today) + timedelta(days=14)
        case "mid_month" | "month_end" | "month_start":
            month = MONTHS.index(match.group("month").lower()) + 1
            day_number = {"mid_month": 15, "month_start": 1}.get(name)
            if day_number is None:
                year = today.year if month >= today.month else today.year + 1
                day_number = calendar.monthrange(year, month)[1]
            return _calendar_date(today, month, day_number)
        case "in_span" | "in_unit" | "from_now":
            count_text = match.groupdict().get("count") or "1"
            count = int(count_text) if count_text.isdigit() else _SMALL_NUMBERS[count_text.lower()]
            unit = match.group("unit").lower().rstrip("s")
            if unit == "month":
                return _add_months(today, count)
            return today + timedelta(days=count * (7 if unit == "week" else 1))
        case "month_day":
            return _calendar_date(today, MONTHS.index(match.group("month").lower()) + 1, _day_number(match, "md"))
        case "day_of_month":
            return _calendar_date(today, MONTHS.index(match.group("month").lower()) + 1, _day_number(match, "dm"))
        case "weekday":
            ahead = (WEEKDAYS.index(match.group("day").lower()) - today.weekday()) % 7
            return today + timedelta(days=ahead or 7)
        case "the_day":
            number = _day_number(match, "td")
            month_start = today.replace(day=1)
            for months in (0, 1):
                candidate = _add_months(month_start, months)
                if number and number <= calendar.monthrange(candidate.year, candidate.month)[1]:
                    candidate = candidate.replace(day=number)
                    if candidate >= today:
                        return candidate
            return None
    return None


def find_due_date(text: str, meeting_start: datetime) -> datetime | None:
    """The deadline ``text`` mentions, resolved against ``meeting_start`` (aware), or None when it names none.

    When a sentence names several, the first one said wins.
    """
    today = meeting_start.date()
    found: list[tuple[int, date]] = []
    for name, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            resolved = _resolve(name, match, today)
            if resolved is not None:
                found.append((match.start(), resolved))
            break
    if not found:
        return None
    _, day = min(found, key=lambda item: item[0])
    return datetime.combine(day, DUE_TIME, tzinfo=meeting_start.tzinfo)
