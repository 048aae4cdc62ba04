"""What a digest says, from the channel's meetings and ledger: pure functions, tested with fixed clocks.

"Unanswered" is judged by words, as a reader skimming later meetings would: a question counts as answered when a
later meeting in the channel has a statement (not itself a question) that carries most of the question's content
words. It is a heuristic, tuned to prefer listing a question that was answered over hiding one that was not.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.codec import insights_from_dict
from bot.digest.model import DigestContent, LedgerEntry, MeetingSummary, OpenQuestion, TopicCount
from bot.models import Insights
from bot.store.digests import MeetingRecord

MAX_TOPICS = 10
ANSWER_OVERLAP = 0.6  # share of a question's content words a later statement must carry to answer it
_WORD = re.compile(r"[a-z0-9']+")
_STOPWORDS = frozenset(
    """a about after again all also am an and any are as at be because been before being but by can could did do
    does doing done for from get got had has have having he her here hers him his how i if in into is it its just
    let me more most my no not now of off on once only or our ours out over own please same she should so some
    such than that the their theirs them then there these they this those through to too under until up us very
    was we were what when where which while who whom why will with would yes you your yours anyone anything
    someone something everyone everything think know going go""".split()  # noqa: SIM905 - a word list reads better
)


def content_words(text: str) -> frozenset[str]:
    """The words of a sentence that carry its subject, crudely stemmed (plural and -ing/-ed endings folded)."""
    words = set()
    for raw in _WORD.findall(text.lower()):
        word = raw.strip("'")
        if len(word) < 3 or word in _STOPWORDS:
            continue
        suffix = next((x for x in ("ing", "ed", "es", "s") if word.endswith(x) and len(word) - len(x) >= 3), "")
        words.add(word[: len(word) - len(suffix)])
    return frozenset(words)


def is_answered(question: str, statements: Iterable[str]) -> bool:
    """Whether one of ``statements`` carries most of the question's content words."""
    wanted = content_words(question)
    if len(wanted) < 2:
        return False  # "Any questions?" cannot be matched to an answer; keep it listed
    need = max(2, round(len(wanted) * ANSWER_OVERLAP))
    return any(len(wanted & content_words(s)) >= need for s in statements if not s.rstrip().endswith("?"))


def build_content(
    *,
    channel_id: str,
    period_start: datetime,
    period_end: datetime,
    meetings: Sequence[MeetingRecord],
    open_items: Sequence[LedgerEntry],
    follow_ups: Sequence[LedgerEntry],
) -> DigestContent:
    """The digest for (``period_start``, ``period_end``].

    ``meetings`` are the channel's meetings finished after ``period_start``, oldest first (later ones too: they may
    answer the period's questions); ``open_items`` the channel's open action items; ``follow_ups`` its open
    follow-ups (those of the period's meetings are shown).
    """
    parsed = [(m, insights_from_dict(m.insights)) for m in meetings]
    in_period = [(m, i) for m, i in parsed if period_start < m.finished_at <= period_end]
    period_ids = {m.conversation_id for m, _ in in_period}
    return DigestContent(
        channel_id=channel_id,
        period_start=period_start,
        period_end=period_end,
        meetings=tuple(_summary(m, i) for m, i in in_period),
        open_items=tuple(open_items),
        follow_ups=tuple(f for f in follow_ups if f.conversation_id in period_ids),
        questions=tuple(_open_questions(in_period, parsed)),
        topics=tuple(top_topics(i for _, i in in_period)),
    )


def _summary(meeting: MeetingRecord, insights: Insights) -> MeetingSummary:
    return MeetingSummary(
        conversation_id=meeting.conversation_id,
        name=meeting.name or insights.conversation.name,
        duration_seconds=insights.duration_seconds,
        permalink=meeting.permalink,
        finished_at=meeting.finished_at,
    )


def _open_questions(
    in_period: Sequence[tuple[MeetingRecord, Insights]], everything: Sequence[tuple[MeetingRecord, Insights]]
) -> list[OpenQuestion]:
    found = []
    for meeting, insights in in_period:
        later = [i for m, i in everything if m.finished_at > meeting.finished_at]
        statements = [msg.text for i in later for msg in i.messages]
        for question in insights.questions:
            if is_answered(question.text, statements):
                continue
            found.append(
                OpenQuestion(
                    text=question.text,
                    asked_by=question.asked_by.display_name if question.asked_by else None,
                    meeting_name=meeting.name or insights.conversation.name,
                    permalink=meeting.permalink,
                )
            )
    return found


def top_topics(meetings: Iterable[Insights], limit: int = MAX_TOPICS) -> list[TopicCount]:
    """Topics across meetings: scores summed by (case-folded) text, ranked by how many meetings raised them."""
    scores: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    shown: dict[str, str] = {}
    for insights in meetings:
        for key in {t.text.strip().lower() for t in insights.topics if t.text.strip()}:
            counts[key] += 1
        for topic in insights.topics:
            key = topic.text.strip().lower()
            if key:
                scores[key] += topic.score
                shown.setdefault(key, topic.text.strip())
    ranked = sorted(scores, key=lambda k: (-counts[k], -scores[k], k))[:limit]
    return [TopicCount(text=shown[k], score=scores[k], meetings=counts[k]) for k in ranked]
