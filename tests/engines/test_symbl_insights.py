"""``fetch_insights`` over HTTP against the emulator: what a user sees, odd payloads, errors, concurrency."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import pytest

from bot.engines.base import MediaFile
from bot.engines.symbl import INSIGHT_ENDPOINTS, SymblEngine
from bot.errors import NotFoundError, ServerError
from bot.models import MediaKind, Person, Sentiment, SubmitOptions
from tests.fakes.symbl_data import ConversationData
from tests.fakes.symbl_doc_samples import MESSAGES_WITH_SENTIMENT, TOPICS_WITH_SENTIMENT
from tests.fakes.symbl_emulator import SymblEmulator


def no_sleep(seconds: float) -> None:
    """Retries happen at once in tests."""


def processed(emulator: SymblEmulator, engine: SymblEngine, options: SubmitOptions | None = None) -> str:
    """Submit a tiny recording, finish its job, and return the conversation id."""
    submission = engine.submit(MediaFile(io.BytesIO(b"\0" * 2048), MediaKind.VIDEO), options=options)
    emulator.complete(submission.job_id)
    return submission.conversation_id


@pytest.fixture
def emulator():
    with SymblEmulator() as running:
        yield running


@pytest.fixture
def engine(emulator) -> SymblEngine:
    return SymblEngine(emulator.url, emulator.app_id, emulator.app_secret, sleep=no_sleep, timeout=(2.0, 5.0))


def test_a_processed_meeting_yields_its_action_items_follow_ups_questions_and_topics(emulator, engine):
    conversation_id = processed(emulator, engine, SubmitOptions(name="Launch review", enable_summary=True))

    insights = engine.fetch_insights(conversation_id)

    assert insights.conversation.id == conversation_id
    assert insights.conversation.name == "Launch review"
    assert insights.duration_seconds == 40.0
    firm, tentative = insights.action_items
    assert firm.text == "Marco will send the updated budget to finance by Friday."
    assert firm.assignee.name == "Marco Rossi"
    assert firm.assignee.email == "marco@example.com"
    assert firm.due == datetime(2026, 3, 6, 7, 0, tzinfo=UTC)
    assert firm.definitive is True
    assert tentative.definitive is False
    assert tentative.assignee is None
    assert tentative.due is None
    assert tentative.speaker.name == "Priya Raman"
    (follow_up,) = insights.follow_ups
    assert follow_up.assignee is None  # Symbl sends an empty object
    assert follow_up.due == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
    assert [q.text for q in insights.questions] == [
        "Do we have sign-off from legal on the new privacy policy?",
        "What is the price of the premium analytics tier?",
    ]
    assert {q.asked_by.name for q in insights.questions} == {"Dana Lee"}
    assert {t.text: t.parents for t in insights.topics}["budget"] == ("launch plan",)
    assert len(insights.messages) == 7
    assert insights.messages[1].speaker.name == "Marco Rossi"
    assert insights.message(firm.message_ids[0]) == insights.messages[1]
    assert {m.name for m in insights.members} == {"Priya Raman", "Marco Rossi", "Dana Lee"}
    assert len(insights.summary) == 2
    assert insights.summary[0].message_ids[0] == insights.messages[0].id


def test_every_endpoint_is_read_once_and_topics_with_their_parents_and_apart_with_sentiment(emulator, engine):
    conversation_id = processed(emulator, engine)
    before = len(emulator.requests_to("GET", "/v1/conversations/"))

    engine.fetch_insights(conversation_id)

    reads = emulator.requests_to("GET", "/v1/conversations/")[before:]
    base = f"/v1/conversations/{conversation_id}"
    assert sorted(r.path for r in reads) == sorted(base + suffix for suffix, _ in INSIGHT_ENDPOINTS.values())
    # parentRefs "does not support sentiment" (§4.2): never both in one read.
    assert sorted(str(r.query) for r in reads if r.path.endswith("/topics")) == sorted(
        [str({"parentRefs": ["true"]}), str({"sentiment": ["true"]})]
    )
    assert next(r for r in reads if r.path.endswith("/messages")).query == {"sentiment": ["true"]}


def test_messages_and_topics_carry_the_sentiment_symbl_served(emulator, engine):
    conversation_id = processed(emulator, engine)

    insights = engine.fetch_insights(conversation_id)

    closing = insights.messages[6]
    assert closing.text == "Great, thanks everyone, talk again on Monday."
    assert closing.sentiment == Sentiment(polarity=0.8, suggested="positive")
    assert [m.sentiment.suggested for m in insights.messages] == [
        "positive",
        "neutral",
        "neutral",
        "negative",
        "positive",
        "neutral",
        "positive",
    ]
    topics = {t.text: t for t in insights.topics}
    assert topics["push notifications"].sentiment == Sentiment(polarity=-0.45, suggested="negative")
    assert topics["push notifications"].parents == ("mobile app",)  # the hierarchy is kept alongside
    assert topics["budget"].sentiment.suggested == "neutral"
    assert all(t.sentiment is not None for t in insights.topics)


def test_the_documented_sentiment_samples_reach_the_insights_over_http():
    data = ConversationData(overrides={"messages": MESSAGES_WITH_SENTIMENT, "topics": TOPICS_WITH_SENTIMENT})
    with SymblEmulator(data=data) as emulator:
        engine = SymblEngine(emulator.url, emulator.app_id, emulator.app_secret, sleep=no_sleep)
        insights = engine.fetch_insights(processed(emulator, engine))

    assert [(m.sentiment.polarity, m.sentiment.suggested) for m in insights.messages] == [
        (0.6, "positive"),
        (0.2, "neutral"),
    ]
    assert {t.text: t.sentiment.suggested for t in insights.topics} == {
        "interns": "positive",
        "new regulations": "negative",
    }


def test_a_summary_that_does_not_exist_yet_is_none_not_an_error(emulator, engine):
    submission = engine.submit(MediaFile(io.BytesIO(b"\0" * 2048), MediaKind.VIDEO))  # job still scheduled

    insights = engine.fetch_insights(submission.conversation_id)

    assert insights.summary is None
    assert insights.action_items == ()
    assert insights.messages == ()


def test_an_unknown_conversation_is_not_found(engine):
    with pytest.raises(NotFoundError) as caught:
        engine.fetch_insights("1111111111111111")
    assert caught.value.server_message == "The conversationId is either invalid or does not exist."


def test_missing_fields_nulls_and_extra_fields_do_not_break_the_result():
    data = ConversationData(
        overrides={
            "": {"id": None, "startTime": "not a date", "future": {"nested": True}},
            "messages": {"messages": [{"text": "Hello there", "from": None}, {"id": "2"}]},
            "topics": {},
            "action-items": {
                "actionItems": [
                    {
                        "id": "a1",
                        "text": "Ship the beta",
                        "dueBy": "someday",
                        "definitive": "yes",
                        "assignee": None,
                        "entities": [{"type": "person", "text": "Ana", "value": {"assignee": True}}],
                        "brandNewField": [1, 2, 3],
                    },
                    {"id": "a2"},
                ]
            },
            "follow-ups": {"followUps": None},
            "questions": {"questions": [{"id": "q1", "text": "Ready?", "from": {}}]},
            "members": {"members": [{"id": "m1", "name": "Ana", "email": None}]},
        }
    )
    with SymblEmulator(data=data) as emulator:
        engine = SymblEngine(emulator.url, emulator.app_id, emulator.app_secret, sleep=no_sleep)
        conversation_id = processed(emulator, engine)

        insights = engine.fetch_insights(conversation_id)

    assert insights.conversation.id == conversation_id
    assert insights.conversation.start is None
    assert [m.text for m in insights.messages] == ["Hello there"]
    assert insights.topics == ()
    (item,) = insights.action_items
    assert item.text == "Ship the beta"
    assert item.due is None
    assert item.definitive is False
    assert item.assignee == Person(name="Ana")
    assert insights.follow_ups == ()
    assert insights.questions[0].asked_by is None
    assert insights.members == (Person(id="m1", name="Ana"),)


def test_the_reads_overlap_instead_of_adding_up(emulator, engine):
    conversation_id = processed(emulator, engine)
    engine.fetch_insights(conversation_id)  # token and connections ready
    emulator.set_latency(0.3, path_regex=r"^/v1/conversations/")

    started = time.monotonic()
    insights = engine.fetch_insights(conversation_id)
    elapsed = time.monotonic() - started

    assert insights.action_items
    assert elapsed < 0.3 * len(INSIGHT_ENDPOINTS) / 2  # sequential reads would take 2.7 s


def test_a_transient_failure_of_one_read_is_retried(emulator, engine):
    conversation_id = processed(emulator, engine)
    emulator.inject_fault("GET", r"/action-items$", status=502)

    insights = engine.fetch_insights(conversation_id)

    assert len(insights.action_items) == 2


def test_a_read_that_keeps_failing_fails_the_whole_fetch(emulator, engine):
    conversation_id = processed(emulator, engine)
    emulator.inject_fault("GET", r"/questions$", status=500, times=100)

    with pytest.raises(ServerError):
        engine.fetch_insights(conversation_id)
