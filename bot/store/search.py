"""The meetings' full-text index: what goes in (``entries_from_insights``) and how it is queried (``SearchIndex``).

One row per searchable line in ``search_entries``; the database's own full-text search finds the rows: PostgreSQL
matches ``to_tsvector('simple', text)`` through a GIN index, SQLite an FTS5 table (``unicode61``, diacritics
kept) that triggers keep in step with the rows. Both split text into runs of letters and digits and lower-case
them, with no stemming, and the query is built from the same tokens (``bot.search_query``), so both databases
match the same rows. Ranking is done here in Python on the newest ``CANDIDATES`` matches, so the order is the same
on both too, and a word found in every meeting costs a bounded amount of work.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bot.codec import insights_from_dict
from bot.models import Insights
from bot.search_query import SearchQuery, tokens
from bot.store.db import Database
from bot.store.tables import ConversationRecord, SearchEntry

CANDIDATES = 200  # the newest matches that are ranked; a page shows a few of them
FIRST_WINDOW = 2_000  # lines; see SearchIndex._newest
WINDOW_GROWTH = 2  # the least a window grows by
WINDOW_MARGIN = 2.0
DENSE_SHARE = 0.25  # a window that held this share of CANDIDATES: the next is read newest first, not via the index

# Where a word was found counts: a decision or task written down beats a passing mention.
KIND_WEIGHT = {"action": 1.5, "follow_up": 1.3, "topic": 1.2, "question": 1.1, "message": 1.0}


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
    """FTS5 MATCH text: each phrase quoted (its tokens are letters and digits only, so nothing can escape)."""
    return " AND ".join(f'"{" ".join(p.words)}"' + ("*" if p.prefix else "") for p in query.phrases)


def tsquery(query: SearchQuery) -> str:
    """``to_tsquery('simple', …)`` text: words of a phrase joined by ``<->``, phrases by ``&``."""
    parts = []
    for phrase in query.phrases:
        words = list(phrase.words)
        if phrase.prefix:
            words[-1] += ":*"
        parts.append("(" + " <-> ".join(words) + ")")
    return " & ".join(parts)


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
            s.execute(
                sa.delete(SearchEntry).where(
                    SearchEntry.team_id == team_id, SearchEntry.conversation_id == conversation_id
                )
            )
            if entries:
                s.execute(
                    sa.insert(SearchEntry),
                    [
                        {
                            "team_id": team_id,
                            "channel_id": channel_id,
                            "conversation_id": conversation_id,
                            "kind": e.kind,
                            "speaker": (e.speaker or None) and e.speaker[:256],
                            "offset_seconds": e.offset_seconds,
                            "meeting_at": meeting_at,
                            "text": e.text,
                        }
                        for e in entries
                    ],
                )

    def remove(self, team_id: str, conversation_id: str) -> None:
        with self.db.session() as s:
            s.execute(
                sa.delete(SearchEntry).where(
                    SearchEntry.team_id == team_id, SearchEntry.conversation_id == conversation_id
                )
            )

    @staticmethod
    def _newest(session, first: sa.Select, wide: sa.Select, window_column, id_column) -> list:
        """The newest ``CANDIDATES`` matches, looked for among the newest lines first.

        A common word matches a large share of every line; asking for all its matches and keeping the newest 200
        would read them all. Lines are numbered as they are written, so the newest window is asked first and
        widened only while it holds fewer than ``CANDIDATES`` matches: a common word is answered from the first
        window. The next window is as wide as the matches found so far say it must be to hold ``CANDIDATES``
        (``_next_span``), so a mid-frequency word takes two queries, not four, and a rare one goes straight to
        every line: each query asks the full-text index for the word's whole list again, so fewer queries is
        most of the cost. A window after one that was dense with matches is read like the first (``first``: newest
        lines first, stopping at ``CANDIDATES``), since asking the index for a common word's long list costs more
        than reading the few lines needed. Whatever the windows, the answer is the same: the newest ``CANDIDATES``
        matches.
        """
        newest = session.execute(sa.select(sa.func.max(id_column))).scalar() or 0
        span, statement = FIRST_WINDOW, first
        while True:
            lower = max(newest - span, 0)
            rows = list(session.execute(statement.where(window_column > lower)))
            if len(rows) >= CANDIDATES or lower == 0:
                return rows
            statement = first if len(rows) >= CANDIDATES * DENSE_SHARE else wide
            span = _next_span(span, len(rows))

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
        e = SearchEntry.__table__.c
        conditions = [e.team_id == team_id, e.channel_id.in_(channels)]
        if self.db.is_postgres:
            match = sa.func.to_tsvector(sa.literal_column("'simple'"), e.text).op("@@")(
                sa.func.to_tsquery(sa.literal_column("'simple'"), tsquery(query))
            )
            source = SearchEntry.__table__
            # Past the first window, "+ 0" keeps PostgreSQL from walking the primary key backwards and testing each
            # line's to_tsvector (its choice for a LIMIT when it expects many matches, and slow when they are
            # sparse): the GIN index is asked. In the first window that walk is bounded and is the fastest way to
            # the newest lines with a very common word, whose list in the GIN index is long.
            line_id, order, wide_order = e.id, e.id.desc(), (e.id + 0).desc()
        else:
            fts = sa.table("search_fts", sa.column("rowid"))
            match = sa.literal_column("search_fts").op("MATCH")(fts5_query(query))
            source = SearchEntry.__table__.join(fts, fts.c.rowid == e.id)
            # The window and the order on the FTS5 table's own rowid: FTS5 seeks to the range and reads it newest
            # first, instead of reading a common word's whole list of lines.
            line_id, order = fts.c.rowid, fts.c.rowid.desc()
            wide_order = order
        conditions.append(match)
        if query.after:
            conditions.append(e.meeting_at >= query.after)
        if query.before:
            conditions.append(e.meeting_at < query.before)
        names = [n for n in dict.fromkeys(" ".join(tokens(n)) for n in speaker_names) if n]
        if names:
            conditions.append(sa.or_(*(sa.func.lower(e.speaker).contains(n, autoescape=True) for n in names)))
        c = ConversationRecord.__table__.c
        statement = (
            sa.select(e.conversation_id, e.channel_id, e.kind, e.speaker, e.offset_seconds, e.meeting_at, e.text)
            .select_from(source)
            .where(*conditions)
            .limit(CANDIDATES)
        )
        with self.db.session(writes=False) as s:
            rows = self._newest(s, statement.order_by(order), statement.order_by(wide_order), line_id, e.id)
            ids = {r.conversation_id for r in rows}
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
                conversation_id=r.conversation_id,
                channel_id=r.channel_id,
                kind=r.kind,
                speaker=r.speaker,
                offset_seconds=r.offset_seconds,
                meeting_at=r.meeting_at,
                text=r.text,
                name=meetings[r.conversation_id].name if r.conversation_id in meetings else None,
                permalink=meetings[r.conversation_id].permalink if r.conversation_id in meetings else None,
                thread_ts=meetings[r.conversation_id].thread_ts if r.conversation_id in meetings else None,
                score=score(query, r.text, r.kind),
            )
            for r in rows
        ]
        # Best first; among equals the newer meeting, then the earlier moment in it (stable on both databases).
        return sorted(hits, key=lambda h: (-h.score, -h.meeting_at.timestamp(), h.offset_seconds or 0.0, h.text))


def _next_span(span: int, found: int) -> int:
    """How many of the newest lines the next window reads, having found ``found`` matches in ``span`` of them.

    At the density seen so far, ``WINDOW_MARGIN`` times the lines that would hold ``CANDIDATES`` matches (a few
    matches say little, hence the margin); at least ``WINDOW_GROWTH`` times the last window, so a window that found
    nothing is followed by one that can.
    """
    wanted = span * CANDIDATES * WINDOW_MARGIN / max(found, 1)
    return int(max(span * WINDOW_GROWTH, wanted))


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
