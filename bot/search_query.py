"""The ``/symbl search`` grammar (pure): words, "quoted phrases", ``from:``, ``in:``, ``after:``, ``before:``.

Every word is reduced to the same tokens the index holds (letters and digits, lower-cased; everything else
separates), so no character a person types can reach either database's full-text syntax: ``"``, ``*``, ``NEAR``,
``OR`` or SQL are words or separators here, never operators. A trailing ``*`` on a word asks for words that
start with it (``budg*``, ``"updated budg*"``), the one operator both PostgreSQL (``:*``) and SQLite FTS5 (``*``) share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

MAX_QUERY_CHARS = 500
MAX_TERMS = 12
MIN_PREFIX_CHARS = 2  # "a*" would match half the index

_TOKEN = re.compile(r"[^\W_]+")
_PIECE = re.compile(r'"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+)')
_FILTER = re.compile(r"^(?P<key>[A-Za-z]+):(?P<value>.+)$")
# Slack may send a mention or a channel escaped (<@U123|name>, <#C123|name>) or as typed (@name, #name).
_USER_MENTION = re.compile(r"^<@(?P<id>[UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL_MENTION = re.compile(r"^<#(?P<id>[CG][A-Z0-9]+)(?:\|(?P<name>[^>]*))?>$")
_CHANNEL_NAME = re.compile(r"^#?(?P<name>[a-z0-9][a-z0-9._-]{0,79})$")
KNOWN_FILTERS = ("from", "in", "after", "before")


def tokens(text: str) -> list[str]:
    """The words of ``text`` as the index keeps them: runs of letters and digits, lower-cased."""
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class Phrase:
    """Words that must appear together, in this order; ``prefix``: the last one may be the start of a word."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class SearchQuery:
    phrases: tuple[Phrase, ...]
    speaker: str | None = None  # as typed after from: (a name or handle), matched against speakers' names
    speaker_user_id: str | None = None  # from:<@U…>: matched by that user's Slack names
    channel_id: str | None = None
    channel_name: str | None = None
    after: datetime | None = None  # meetings on or after this day (UTC)
    before: datetime | None = None  # meetings before this day

    @property
    def highlight_terms(self) -> tuple[tuple[str, bool], ...]:
        """(word, is_prefix) of every word to highlight in a snippet."""
        found: dict[tuple[str, bool], None] = {}
        for phrase in self.phrases:
            for i, word in enumerate(phrase.words):
                found[(word, phrase.prefix and i == len(phrase.words) - 1)] = None
        return tuple(found)


@dataclass(frozen=True)
class QueryProblem:
    """Why the query cannot be run, in words for the person who typed it."""

    text: str


USAGE = (
    'Search with words or "a phrase", and narrow it with `from:@person`, `in:#channel`, `after:2026-01-31` or '
    '`before:2026-02-28`. For example: `/symbl search "legal review" from:@grace after:2026-01-01`.'
)


def _date(value: str) -> datetime | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _phrase(text: str) -> Phrase | None:
    words = tokens(text)
    if not words:
        return None
    prefix = text.rstrip().endswith("*") and len(words[-1]) >= MIN_PREFIX_CHARS
    return Phrase(tuple(words), prefix=prefix)


def _apply_filter(key: str, value: str, fields: dict) -> str | None:
    """Put one filter into ``fields``; a problem's text when it is not understood."""
    if key == "from":
        if mention := _USER_MENTION.match(value):
            fields["speaker_user_id"] = mention.group("id")
            return None
        name = " ".join(tokens(value.removeprefix("@")))
        if not name:
            return "`from:` needs a person, like `from:@grace`."
        fields["speaker"] = name
        return None
    if key == "in":
        if mention := _CHANNEL_MENTION.match(value):
            fields["channel_id"] = mention.group("id")
            return None
        if named := _CHANNEL_NAME.match(value.lower()):
            fields["channel_name"] = named.group("name")
            return None
        return "`in:` needs a channel, like `in:#general`."
    when = _date(value)
    if when is None:
        return f"`{key}:` needs a date written like 2026-01-31."
    fields[key] = when
    return None


def parse(text: str) -> SearchQuery | QueryProblem:
    """Parse what follows ``/symbl search``."""
    text = (text or "").strip()
    if not text:
        return QueryProblem("What should I look for? " + USAGE)
    if len(text) > MAX_QUERY_CHARS:
        return QueryProblem(f"That search is too long: keep it under {MAX_QUERY_CHARS} characters.")
    phrases: list[Phrase] = []
    fields: dict = {}
    for piece in _PIECE.finditer(text):
        if piece.group("phrase") is not None:
            if phrase := _phrase(piece.group("phrase")):
                phrases.append(phrase)
            continue
        word = piece.group("word")
        if (found := _FILTER.match(word)) and not word.startswith("http"):
            key = found.group("key").lower()
            if key not in KNOWN_FILTERS:
                shown = key if len(key) <= 20 else key[:20] + "…"
                return QueryProblem(f"I don't know the filter `{shown}:`. " + USAGE)
            if problem := _apply_filter(key, found.group("value"), fields):
                return QueryProblem(problem)
            continue
        if phrase := _phrase(word):
            phrases.append(phrase)
    if not phrases:
        return QueryProblem("Give me at least one word to look for (letters or digits). " + USAGE)
    if sum(len(p.words) for p in phrases) > MAX_TERMS:
        return QueryProblem(f"That is a lot of words: search with at most {MAX_TERMS}.")
    if fields.get("after") and fields.get("before") and fields["after"] >= fields["before"]:
        return QueryProblem("`after:` must be an earlier date than `before:`.")
    return SearchQuery(phrases=tuple(phrases), **fields)


# Between two words of a phrase: anything but a letter, a digit or a line break (a phrase is found within a line).
_BETWEEN_WORDS = r"(?:[^\w\n]|_)+"


def phrase_patterns(query: SearchQuery) -> list[re.Pattern]:
    """One pattern per phrase over lower-cased text: its words together and whole (the last one's start, for a
    prefix), exactly where ``tokens`` would find them in this order, within one line.

    Each pattern begins with its first word itself, so the regular expression engine can jump to where that word
    occurs; that it is not the end of a longer word is checked just after it, looking back.
    """
    patterns = []
    for phrase in query.phrases:
        first, *rest = (re.escape(w) for w in phrase.words)
        words = [first + rf"(?<![^\W_]{first})", *rest]
        words[-1] += r"[^\W_]*" if phrase.prefix else r"(?![^\W_])"
        patterns.append(re.compile(_BETWEEN_WORDS.join(words)))
    return patterns
