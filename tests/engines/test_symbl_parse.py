"""Symbl JSON to the project's dataclasses: documented shapes, and the odd ones real answers come in."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engines.symbl_parse import (
    parse_action_item,
    parse_insights,
    parse_job_status,
    parse_message,
    parse_person,
    parse_sentiment,
    parse_submission,
    parse_time,
)
from bot.models import JobStatus, Person, Sentiment
from tests.fakes.symbl_doc_samples import MESSAGES_WITH_SENTIMENT, TOPICS_WITH_SENTIMENT

# Trimmed from the documented samples (symbl-api.md §4.3): one item with an explicit assignee and a due date,
# one whose assignee is only marked among its entities.
ACTION_ITEMS = {
    "actionItems": [
        {
            "id": "4567077831573504",
            "text": "Vikram you need to work on figuring out a plan.",
            "type": "action_item",
            "score": 0.9456,
            "messageIds": ["4854542482014208"],
            "entities": [
                {"type": "person", "text": "Vikram", "offset": 0, "value": {"assignee": True, "name": "Vikram"}}
            ],
            "from": {"id": "c99e7baf-8d9c-4668-ae08-6bd3384bc642", "name": "Lucy", "userId": "lucy@example.com"},
            "definitive": True,
            "assignee": {},
        },
        {
            "id": "5802630861291520",
            "text": "We need to meet tomorrow for renewing your Insurance policy.",
            "type": "action_item",
            "score": 0.99,
            "messageIds": ["5603838367105024"],
            "entities": [{"type": "date", "text": "tomorrow", "offset": 16, "value": "2020-07-11"}],
            "from": {"name": "Salesman", "userId": "sales@email.com"},
            "assignee": {"name": "Salesman", "email": "sales@email.com"},
            "dueBy": "2020-07-11T07:00:00.000Z",
        },
    ]
}


def test_time_strings_become_aware_datetimes_and_bad_ones_none():
    assert parse_time("2020-07-11T07:00:00.000Z") == datetime(2020, 7, 11, 7, 0, tzinfo=UTC)
    assert parse_time("2020-06-21 16:00:00") == datetime(2020, 6, 21, 16, 0, tzinfo=UTC)
    assert parse_time("2020-07-11T09:00:00+02:00") == datetime(2020, 7, 11, 7, 0, tzinfo=UTC)
    for bad in ("next friday", "", None, 1594450800, {"date": "2020-07-11"}):
        assert parse_time(bad) is None


def test_action_items_carry_assignee_due_date_and_firmness():
    first, second = (parse_action_item(i, d) for i, d in enumerate(ACTION_ITEMS["actionItems"]))
    assert first.assignee == Person(name="Vikram")  # from the person entity, since `assignee` is empty
    assert first.definitive is True
    assert first.due is None
    assert first.speaker == Person(id="c99e7baf-8d9c-4668-ae08-6bd3384bc642", name="Lucy", email="lucy@example.com")
    assert first.message_ids == ("4854542482014208",)
    assert second.assignee == Person(name="Salesman", email="sales@email.com")
    assert second.due == datetime(2020, 7, 11, 7, 0, tzinfo=UTC)
    assert second.definitive is False  # absent means tentative, never a crash


def test_person_is_none_when_nothing_is_known_and_user_id_is_only_an_email_if_it_looks_like_one():
    assert parse_person({}) is None
    assert parse_person(None) is None
    assert parse_person({"name": None, "email": None}) is None
    assert parse_person({"name": "Dana", "userId": "d-123"}) == Person(name="Dana")


def test_messages_without_text_are_dropped_and_numeric_ids_become_strings():
    assert parse_message(0, {"id": "1", "text": None}) is None
    message = parse_message(3, {"id": 6412283618000896, "text": "Hello", "timeOffset": "5.9", "duration": "n/a"})
    assert message.id == "6412283618000896"
    assert message.offset_seconds == 5.9
    assert message.duration_seconds is None
    assert parse_message(4, {"text": "No id here"}).id == "message-4"


def test_insights_survive_missing_wrappers_nulls_and_extra_fields():
    insights = parse_insights(
        "123",
        {
            "conversation": {"id": "123", "name": "Weekly sync", "startTime": "garbage", "metadata": {"x": 1}},
            "messages": {"messages": [{"id": "m1", "text": "Hi", "from": None, "futureField": [1, 2]}, "junk", None]},
            "topics": {"topics": None},
            "action-items": ACTION_ITEMS,
            "follow-ups": {},
            "questions": [],  # a bare list instead of the wrapper object
            "members": {"members": [{"id": "u1", "name": "Dana"}, {}]},
            "summary": None,
        },
    )
    assert insights.conversation.name == "Weekly sync"
    assert insights.conversation.start is None
    assert [m.text for m in insights.messages] == ["Hi"]
    assert insights.messages[0].speaker is None
    assert insights.topics == ()
    assert len(insights.action_items) == 2
    assert insights.follow_ups == ()
    assert insights.questions == ()
    assert insights.members == (Person(id="u1", name="Dana"),)
    assert insights.summary is None


def test_topics_keep_their_parents_and_summary_its_message_refs():
    insights = parse_insights(
        "9",
        {
            "conversation": {},
            "topics": {
                "topics": [
                    {"id": "t1", "text": "interns", "score": 0.71, "parentRefs": [{"type": "topic", "text": "hiring"}]},
                    {"id": "t2", "text": "hiring", "score": None, "parentRefs": None},
                ]
            },
            "summary": {"summary": [{"id": "s1", "text": "They agreed.", "messageRefs": [{"id": "m1"}, {"x": 1}]}]},
        },
    )
    assert insights.conversation.id == "9"  # the id asked for stands in for a missing one
    assert [(t.text, t.parents, t.score) for t in insights.topics] == [
        ("interns", ("hiring",), 0.71),
        ("hiring", (), 0.0),
    ]
    assert [(s.text, s.message_ids) for s in insights.summary] == [("They agreed.", ("m1",))]


def test_submission_and_job_status_answers():
    assert parse_submission({"conversationId": 5815170693595136, "jobId": "9b1d"}).conversation_id == "5815170693595136"
    assert parse_submission({"conversationId": "1"}) is None
    assert parse_job_status({"id": "j", "status": "in_progress"}) is JobStatus.IN_PROGRESS
    assert parse_job_status({"id": "j", "status": "queued"}) is None
    assert parse_job_status({}) is None


# The documented sentiment samples (symbl-api.md §4.1, §4.2; symbl-samples/messages_verbose_sentiment.json and
# topics_sentiment.json), trimmed to the fields that matter here.
TOPICS_WITH_PARENTS = {
    "topics": [
        {
            "id": "5907389282779136",
            "text": "interns",
            "score": 0.7178597920690242,
            "messageIds": ["4600982711304192", "5487363432120320"],
            "parentRefs": [{"type": "topic", "text": "company-wise hiring"}],
        },
        {"id": "5776859730018304", "text": "company-wise hiring", "score": 0.788856914361565, "parentRefs": []},
    ]
}


def test_documented_sentiment_samples_give_each_message_its_polarity_and_label():
    insights = parse_insights("1", {"messages": MESSAGES_WITH_SENTIMENT, "topic-sentiment": TOPICS_WITH_SENTIMENT})
    assert [m.sentiment for m in insights.messages] == [
        Sentiment(polarity=0.6, suggested="positive"),
        Sentiment(polarity=0.2, suggested="neutral"),
    ]


def test_topic_hierarchy_and_topic_sentiment_from_two_reads_are_merged_by_topic_id():
    insights = parse_insights("1", {"topics": TOPICS_WITH_PARENTS, "topic-sentiment": TOPICS_WITH_SENTIMENT})
    interns, hiring = insights.topics
    assert interns.parents == ("company-wise hiring",)
    assert interns.sentiment == Sentiment(polarity=0.389, suggested="positive")
    assert hiring.sentiment is None  # Symbl rated no such topic: no tone is made up
    assert [t.text for t in insights.topics] == ["interns", "company-wise hiring"]  # the hierarchy read decides


def test_a_topic_whose_id_differs_between_the_reads_is_matched_by_its_text():
    rated = {"topics": [{"id": "other", "text": "Interns", "sentiment": {"polarity": {"score": -0.5}}}]}
    insights = parse_insights("1", {"topics": TOPICS_WITH_PARENTS, "topic-sentiment": rated})
    assert insights.topics[0].sentiment == Sentiment(polarity=-0.5, suggested="negative")


def test_odd_sentiment_values_are_dropped_clamped_or_labelled_by_the_documented_thresholds():
    assert parse_sentiment(None) is None
    assert parse_sentiment({"suggested": "positive"}) is None  # a label without a score is not trusted
    assert parse_sentiment({"polarity": {"score": "high"}}) is None
    assert parse_sentiment({"polarity": {"score": float("nan")}}) is None
    assert parse_sentiment({"polarity": {"score": 1.7}, "suggested": "positive"}) == Sentiment(1.0, "positive")
    assert parse_sentiment({"polarity": {"score": "-0.31"}}) == Sentiment(-0.31, "negative")
    assert parse_sentiment({"polarity": {"score": 0.3}, "suggested": "meh"}) == Sentiment(0.3, "neutral")
    assert parse_sentiment({"polarity": {"score": 0.31}}) == Sentiment(0.31, "positive")
    assert parse_message(0, {"id": "1", "text": "Hi"}).sentiment is None
