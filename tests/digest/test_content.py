"""What a digest reports: the period's meetings, their follow-ups, questions nobody answered later, top topics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.codec import insights_to_dict
from bot.digest.content import build_content, content_words, is_answered, top_topics
from bot.digest.model import ItemKind, LedgerEntry
from bot.models import Conversation, Insights, Message, Person, Question, Topic
from bot.store.digests import MeetingRecord

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
END = START + timedelta(days=7)


def meeting(conversation_id: str, finished: datetime, *, questions=(), said=(), topics=()) -> MeetingRecord:
    insights = Insights(
        conversation=Conversation(id=conversation_id, name=f"Meeting {conversation_id}"),
        messages=tuple(Message(id=f"m{i}", text=t, offset_seconds=i * 10.0) for i, t in enumerate(said)),
        questions=tuple(Question(id=f"q{i}", text=q, asked_by=Person(name="Ann")) for i, q in enumerate(questions)),
        topics=tuple(Topic(id=f"t{i}", text=t, score=s) for i, (t, s) in enumerate(topics)),
    )
    return MeetingRecord(
        conversation_id=conversation_id,
        name=f"Meeting {conversation_id}",
        finished_at=finished,
        insights=insights_to_dict(insights),
        thread_ts="1.1",
        permalink=f"https://example.slack.com/archives/C1/p{conversation_id}",
    )


def test_a_statement_carrying_the_questions_words_answers_it():
    assert is_answered("Who owns the vendor contract renewal?", ["Dana owns the vendor contract renewal now."])
    assert not is_answered("Who owns the vendor contract renewal?", ["The office party is on Friday."])
    assert not is_answered("Who owns the vendor contract renewal?", ["Does anyone own the vendor contract renewal?"])
    assert not is_answered("Any questions?", ["Questions are welcome."])  # too little to match on


def test_content_words_fold_simple_endings_and_drop_filler():
    assert content_words("We were planning the launches") == {"plann", "launch"}


def test_only_the_periods_meetings_are_listed_and_later_ones_can_answer_their_questions():
    before = meeting("old", START - timedelta(days=1), questions=["What is the launch date?"])
    inside = meeting(
        "a", START + timedelta(days=1), questions=["What is the launch date?", "Who books the offsite venue?"]
    )
    later = meeting("b", START + timedelta(days=2), said=["The launch date is the ninth of December."])
    follow_ups = [
        LedgerEntry(id="f1", kind=ItemKind.FOLLOW_UP, text="Sync on Friday", conversation_id="a"),
        LedgerEntry(id="f2", kind=ItemKind.FOLLOW_UP, text="Older follow-up", conversation_id="old"),
    ]
    content = build_content(
        channel_id="C1",
        period_start=START,
        period_end=END,
        meetings=[m for m in (before, inside, later) if m.finished_at > START],
        open_items=[],
        follow_ups=follow_ups,
    )
    assert [m.conversation_id for m in content.meetings] == ["a", "b"]
    assert [q.text for q in content.questions] == ["Who books the offsite venue?"]
    assert content.questions[0].permalink.endswith("pa") and content.questions[0].asked_by == "Ann"
    assert [f.id for f in content.follow_ups] == ["f1"]
    assert not content.is_empty


def test_a_period_without_meetings_is_empty_even_with_open_items():
    item = LedgerEntry(id="a1", kind=ItemKind.ACTION, text="Send the budget", conversation_id="old")
    content = build_content(
        channel_id="C1", period_start=START, period_end=END, meetings=[], open_items=[item], follow_ups=[]
    )
    assert content.is_empty and content.open_items == (item,)


def test_topics_raised_in_more_meetings_rank_first():
    first = Insights(Conversation("a"), topics=(Topic("1", "Budget", 0.9), Topic("2", "Hiring", 0.95)))
    second = Insights(Conversation("b"), topics=(Topic("3", "budget", 0.5),))
    ranked = top_topics([first, second])
    assert [(t.text, t.meetings) for t in ranked] == [("Budget", 2), ("Hiring", 1)]
    assert abs(ranked[0].score - 1.4) < 1e-9
