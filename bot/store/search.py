"""The meetings' full-text index: what goes in (``entries_from_insights``, ``passages``) and how it is queried
(``SearchIndex``).

A meeting's searchable lines are stored a passage at a time in ``search_passages`` (about 2 KB of consecutive lines
a row; ``tables.SearchPassage`` says why), and the database's own full-text search finds the passages: PostgreSQL
matches ``to_tsvector('simple', text)`` through a GIN index, SQLite an FTS5 table (``unicode61``, diacritics kept)
that triggers keep in step with the rows. Both split text into runs of letters and digits and lower-case them, with
no stemming. The database is asked for passages holding every word of the query; which of a passage's lines answer
it (every phrase, its words together, in one line, said by the person asked about) is decided here, with the same
tokens (``bot.search_query``), so both databases find the same lines. Ranking is done here too, on the newest
``CANDIDATES`` matching lines, so the order is the same on both, and a word found in every meeting costs a bounded
amount of work.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from bot.codec import insights_from_dict
from bot.models import Insights
from bot.search_query import SearchQuery, phrase_patterns, tokens
from bot.store.db import Database
from bot.store.tables import ConversationRecord, SearchPassage

CANDIDATES = 200  # the newest matching lines that are ranked; a page shows a few of them
# A passage holds lines up to this many bytes of text (a longer line is a passage of its own). With its other
# columns a row is then just under 2 KB: two fill a SQLite page, four a PostgreSQL page, and PostgreSQL keeps it
# inline, uncompressed (its TOAST threshold is about 2 KB).
PASSAGE_BYTES = 1_700
FIRST_WINDOW = 100  # passages (about 2,000 lines); see SearchIndex._newest
WINDOW_GROWTH = 2  # the least a window grows by
WINDOW_MARGIN = 2.0

# Where a word was found counts: a decision or task written down beats a passing mention.
KIND_WEIGHT = {"action": 1.5, "follow_up": 1.3, "topic": 1.2, "question": 1.1, "message": 1.0}
# How a line's kind is written in a passage's ``lines``.
KIND_CODES = {"message": "m", "action": "a", "follow_up": "f", "question": "q", "topic": "t"}
KINDS = {code: kind for kind, code in KIND_CODES.items()}


@dataclass(frozen=True)
class Entry:
    kind: str
    text: str
    speaker: str | None = None
    offset_seconds: float | None = None


def entries_from_insights(insights: Insights) -> list[Entry]:
    """Every searchable line of a meeting: each message, action item, follow-up, question and topic."""
    offsets = {m.id: m.offset_seconds for m in insights.messages}

    def first_offset(message_ids: Iterable[str]) -> float | None:
        return next((offsets[i] for i in message_ids if offsets.get(i) is not None), None)

    found = [
        Entry("message", m.text, m.speaker.display_name if m.speaker else None, m.offset_seconds)
        for m in insights.messages
        if m.text.strip()
    ]
    for kind, items in (("action", insights.action_items), ("follow_up", insights.follow_ups)):
        for item in items:
            who = item.assignee or item.speaker
            found.append(Entry(kind, item.text, who.display_name if who else None, first_offset(item.message_ids)))
    for question in insights.questions:
        who = question.asked_by.display_name if question.asked_by else None
        found.append(Entry("question", question.text, who, first_offset(question.message_ids)))
    found += [Entry("topic", t.text, None, first_offset(t.message_ids)) for t in insights.topics if t.text.strip()]
    return found


@dataclass(frozen=True)
class Passage:
    """One ``search_passages`` row's own columns (the meeting's are added when it is written)."""

    speaker: str | None
    lines: str
    text: str


def passages(entries: Iterable[Entry]) -> list[Passage]:
    """A meeting's lines cut into passages: each holds one speaker's lines, in order, up to ``PASSAGE_BYTES``.

    One speaker a passage, so ``from:@person`` is a condition on the row, answered by the database. A passage's
    ``lines`` marks each line with its kind's code and its time in seconds ("m12.5 a130 t": a message at 12.5 s,
    an action item at 130 s, a topic with no time). Passages are numbered in the order their first lines were said.
    """
    building: dict[str | None, _Building] = {}
    done: list[tuple[int, Passage]] = []

    def close(speaker: str | None) -> None:
        passage = building.pop(speaker)
        text = "\n".join(passage.texts)
        done.append((passage.first, Passage(speaker=speaker, lines=" ".join(passage.marks), text=text)))

    for number, entry in enumerate(entries):
        text = " ".join(entry.text.splitlines())  # one line of the passage each
        speaker = (entry.speaker or None) and entry.speaker[:256]
        size = len(text.encode()) + 1
        if speaker in building and building[speaker].size + size > PASSAGE_BYTES:
            close(speaker)
        passage = building.setdefault(speaker, _Building(first=number))
        passage.texts.append(text)
        passage.marks.append(
            KIND_CODES[entry.kind] + ("" if entry.offset_seconds is None else f"{entry.offset_seconds:.6g}")
        )
        passage.size += size
    for speaker in list(building):
        close(speaker)
    return [passage for _, passage in sorted(done, key=lambda found: found[0])]


@dataclass
class _Building:
    first: int  # the meeting's line the passage begins with
    texts: list[str] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)
    size: int = 0


def line_marks(row) -> list[tuple[str, float | None]]:
    """A passage's lines' (kind, seconds into the meeting), in order."""
    return [_mark(mark) for mark in row.lines.split(" ")]


def _mark(mark: str) -> tuple[str, float | None]:
    return KINDS[mark[0]], float(mark[1:]) if len(mark) > 1 else None


@dataclass(frozen=True)
class Hit:
    conversation_id: str
    channel_id: str
    kind: str
    speaker: str | None
    offset_seconds: float | None
    meeting_at: datetime
    text: str
    name: str | None
    permalink: str | None
    thread_ts: str | None
    score: float


def fts5_query(query: SearchQuery) -> str:
    """FTS5 MATCH text: every word of every phrase (its tokens are letters and digits only, so nothing can escape)."""
    return " AND ".join(_words(query, lambda word, prefix: f'"{word}"' + ("*" if prefix else "")))


def tsquery(query: SearchQuery) -> str:
    """``to_tsquery('simple', …)`` text: every word of every phrase, joined by ``&``.

    No phrase operator: with ``<->`` the GIN index cannot tell, and PostgreSQL re-reads each candidate passage to
    check the words' positions; whether they are together in one line is checked here, for both databases.
    """
    return " & ".join(_words(query, lambda word, prefix: word + (":*" if prefix else "")))


def _words(query: SearchQuery, spell) -> list[str]:
    found: dict[str, None] = {}
    for phrase in query.phrases:
        for i, word in enumerate(phrase.words):
            found[spell(word, phrase.prefix and i == len(phrase.words) - 1)] = None
    return list(found)


def score(query: SearchQuery, hit_text: str, kind: str) -> float:
    """How well a line answers the query: query words' share of the line, every phrase counted, kind-weighted."""
    words = tokens(hit_text)
    if not words:
        return 0.0
    terms = query.highlight_terms
    exact = {t for t, prefix in terms if not prefix}
    starts = tuple(t for t, prefix in terms if prefix)
    matched = sum(1 for word in words if word in exact or (starts and word.startswith(starts)))
    density = matched / math.sqrt(len(words))
    return round(density * KIND_WEIGHT.get(kind, 1.0), 6)


@dataclass(frozen=True)
class _Line:
    conversation_id: str
    channel_id: str
    meeting_at: datetime
    kind: str
    offset_seconds: float | None
    speaker: str | None
    text: str


class SearchIndex:
    """Writes a meeting's lines and finds lines across a workspace's meetings."""

    def __init__(self, database: Database):
        self.db = database

    def replace(
        self,
        *,
        team_id: str,
        channel_id: str,
        conversation_id: str,
        meeting_at: datetime,
        entries: list[Entry],
    ) -> None:
        """Make the meeting's lines exactly ``entries`` (in one transaction: a search sees the old or the new)."""
        with self.db.session() as s:
            s.execute(_meeting(team_id, conversation_id, sa.delete(SearchPassage)))
            rows = passage_rows(
                team_id=team_id,
                channel_id=channel_id,
                conversation_id=conversation_id,
                meeting_at=meeting_at,
                entries=entries,
            )
            if rows:
                s.execute(sa.insert(SearchPassage), rows)

    def remove(self, team_id: str, conversation_id: str) -> None:
        with self.db.session() as s:
            s.execute(_meeting(team_id, conversation_id, sa.delete(SearchPassage)))

    @staticmethod
    def _newest(session, newest: int, statement: sa.Select, window_column, answers) -> list[_Line]:
        """The newest ``CANDIDATES`` matching lines, looked for among the newest passages first.

        A common word is in nearly every passage; asking for all of them and keeping the newest would read them
        all. Passages are numbered as they are written, so the newest window of them is asked first, and the next
        (older, not overlapping) window only while fewer than ``CANDIDATES`` lines were found. Its width is what the
        matches found so far say is needed to hold ``CANDIDATES`` (``_next_span``), so a mid-frequency word takes
        two queries and a rare one goes straight to every passage. Whatever the windows, the answer is the same:
        the newest ``CANDIDATES`` matching lines (``answers`` picks a passage's matching lines, newest first).
        """
        found: list[_Line] = []
        upper, lower = newest + 1, max(newest + 1 - FIRST_WINDOW, 0)
        while True:
            window = statement.where(window_column > lower, window_column < upper)
            # Ordered here, not by the database: an ORDER BY tempts PostgreSQL to walk the primary key and test
            # each passage's text, where asking the GIN index is what a rare word needs.
            for row in sorted(session.execute(window), key=lambda r: r.id, reverse=True):
                found += answers(row)
                if len(found) >= CANDIDATES:
                    break
            if len(found) >= CANDIDATES or lower == 0:
                return found[:CANDIDATES]
            upper = lower + 1
            lower = max(newest + 1 - _next_span(newest + 1 - lower, len(found)), 0)

    def meeting_channels(self, team_id: str) -> list[str]:
        """The channels with searchable meetings in the workspace (whose membership the asker is checked for)."""
        with self.db.session(writes=False) as s:
            return list(
                s.scalars(
                    sa.select(ConversationRecord.channel_id).where(ConversationRecord.team_id == team_id).distinct()
                )
            )

    def search(
        self, team_id: str, query: SearchQuery, channel_ids: Iterable[str], speaker_names: Iterable[str] = ()
    ) -> list[Hit]:
        """The newest ``CANDIDATES`` lines matching ``query`` in ``channel_ids``, best first.

        ``speaker_names``: lines said by (or assigned to) one of these names, matched case-insensitively as part of
        the speaker's name; empty means anyone.
        """
        channels = sorted(set(channel_ids))
        if not channels:
            return []
        p = SearchPassage.__table__.c
        conditions = [p.team_id == team_id, p.channel_id.in_(channels)]
        if self.db.is_postgres:
            conditions.append(
                sa.func.to_tsvector(sa.literal_column("'simple'"), p.text).op("@@")(
                    sa.func.to_tsquery(sa.literal_column("'simple'"), tsquery(query))
                )
            )
            source, window_column = SearchPassage.__table__, p.id
        else:
            fts = sa.table("search_passages_fts", sa.column("rowid"))
            conditions.append(sa.literal_column("search_passages_fts").op("MATCH")(fts5_query(query)))
            source = SearchPassage.__table__.join(fts, fts.c.rowid == p.id)
            # The window on the FTS5 table's own rowid: FTS5 seeks to the range instead of reading a common
            # word's whole list of passages.
            window_column = fts.c.rowid
        if query.after:
            conditions.append(p.meeting_at >= query.after)
        if query.before:
            conditions.append(p.meeting_at < query.before)
        names = [n for n in dict.fromkeys(" ".join(tokens(n)) for n in speaker_names) if n]
        if names:
            conditions.append(sa.or_(*(sa.func.lower(p.speaker).contains(n, autoescape=True) for n in names)))
        patterns = phrase_patterns(query)

        def answers(row) -> list[_Line]:
            found = _lines_holding(row.text, patterns)
            if not found:
                return []
            texts, marks = row.text.split("\n"), row.lines.split(" ")
            return [
                _Line(row.conversation_id, row.channel_id, row.meeting_at, *_mark(marks[i]), row.speaker, texts[i])
                for i in sorted(found, reverse=True)
            ]

        statement = (
            sa.select(p.id, p.conversation_id, p.channel_id, p.meeting_at, p.speaker, p.lines, p.text)
            .select_from(source)
            .where(*conditions)
        )
        c = ConversationRecord.__table__.c
        with self.db.session(writes=False) as s:
            newest = s.execute(sa.select(sa.func.max(SearchPassage.id))).scalar() or 0
            if self.db.is_postgres:
                # Bitmap scans only, for this transaction (set_config's true: as SET LOCAL, both in one round trip):
                # the GIN index's list of passages, cut to the window by the primary key's. Otherwise the planner
                # may walk the window's passages and parse each one's text to test it (it costs to_tsvector over
                # 2 KB as nothing): 70 ms a window, against 2 ms.
                s.execute(
                    sa.text(
                        "SELECT set_config('enable_indexscan', 'off', true), set_config('enable_seqscan', 'off', true)"
                    )
                )
            lines = self._newest(s, newest, statement, window_column, answers)
            ids = {line.conversation_id for line in lines}
            meetings = {
                m.conversation_id: m
                for m in s.execute(
                    sa.select(c.conversation_id, c.name, c.permalink, c.thread_ts).where(
                        c.team_id == team_id, c.conversation_id.in_(ids)
                    )
                )
            }
        hits = [
            Hit(
                conversation_id=line.conversation_id,
                channel_id=line.channel_id,
                kind=line.kind,
                speaker=line.speaker,
                offset_seconds=line.offset_seconds,
                meeting_at=line.meeting_at,
                text=line.text,
                name=meetings[line.conversation_id].name if line.conversation_id in meetings else None,
                permalink=meetings[line.conversation_id].permalink if line.conversation_id in meetings else None,
                thread_ts=meetings[line.conversation_id].thread_ts if line.conversation_id in meetings else None,
                score=score(query, line.text, line.kind),
            )
            for line in lines
        ]
        # Best first; among equals the newer meeting, then the earlier moment in it (stable on both databases).
        return sorted(hits, key=lambda h: (-h.score, -h.meeting_at.timestamp(), h.offset_seconds or 0.0, h.text))


def _lines_holding(text: str, patterns: list) -> set[int]:
    """The numbers of the passage's lines where every pattern is found (each pattern stays within a line)."""
    lowered = text.lower()  # lower() never adds or removes a line break, so line numbers carry over
    found: set[int] | None = None
    for pattern in patterns:
        here = {lowered.count("\n", 0, m.start()) for m in pattern.finditer(lowered)}
        found = here if found is None else found & here
        if not found:
            return set()
    return found or set()


def _meeting(team_id: str, conversation_id: str, statement):
    return statement.where(SearchPassage.team_id == team_id, SearchPassage.conversation_id == conversation_id)


def _next_span(span: int, found: int) -> int:
    """How many of the newest passages to have read after the next window, having found ``found`` matching lines
    in the newest ``span``.

    At the density seen so far, ``WINDOW_MARGIN`` times the passages that would hold ``CANDIDATES`` matches (a few
    matches say little, hence the margin); at least ``WINDOW_GROWTH`` times what was read, so a window that found
    nothing is followed by one that can.
    """
    wanted = span * CANDIDATES * WINDOW_MARGIN / max(found, 1)
    return int(max(span * WINDOW_GROWTH, wanted))


def passage_rows(
    *, team_id: str, channel_id: str, conversation_id: str, meeting_at: datetime, entries: Iterable[Entry]
) -> list[dict]:
    """The ``search_passages`` rows of a meeting's lines (for ``replace``, the migration's backfill and the bench)."""
    return [
        {
            "team_id": team_id,
            "channel_id": channel_id,
            "conversation_id": conversation_id,
            "meeting_at": meeting_at,
            "speaker": passage.speaker,
            "lines": passage.lines,
            "text": passage.text,
        }
        for passage in passages(entries)
    ]


def index_meeting(database: Database, *, team_id: str, channel_id: str, insights: Insights, shared_at: datetime):
    """(Re)index a meeting whose notes are being posted; dated by its start, else when it was shared."""
    SearchIndex(database).replace(
        team_id=team_id,
        channel_id=channel_id,
        conversation_id=insights.conversation.id,
        meeting_at=insights.conversation.start or shared_at,
        entries=entries_from_insights(insights),
    )


def entries_from_json(insights_json: str) -> tuple[Insights, list[Entry]]:
    """For the backfill: a job's stored insights and their lines."""
    insights = insights_from_dict(json.loads(insights_json))
    return insights, entries_from_insights(insights)
