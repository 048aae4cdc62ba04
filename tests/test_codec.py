"""The insights codec round-trips exactly, so stored results post the same as freshly fetched ones."""

import json
from datetime import UTC, datetime

from bot.codec import insights_from_dict, insights_to_dict
from bot.models import (
    ActionItem,
    Conversation,
    FollowUp,
    Insights,
    Message,
    Person,
    Question,
    Sentiment,
    SummaryItem,
    Topic,
)


def test_round_trip_through_json_is_exact():
    alice = Person(id="u1", name="Alice", email="alice@example.com")
    insights = Insights(
        conversation=Conversation(
            id="c1", name="Weekly", start=datetime(2026, 3, 2, 10, tzinfo=UTC), end=datetime(2026, 3, 2, 11, tzinfo=UTC)
        ),
        messages=(
            Message(
                id="m1",
                text="Hello",
                speaker=alice,
                offset_seconds=0.0,
                duration_seconds=1.5,
                sentiment=Sentiment(polarity=0.6, suggested="positive"),
            ),
            Message(id="m2", text="Bye"),
        ),
        topics=(
            Topic(
                id="t1",
                text="budget",
                score=0.8,
                parents=("finance",),
                message_ids=("m1",),
                sentiment=Sentiment(polarity=-0.4, suggested="negative"),
            ),
        ),
        action_items=(
            ActionItem(
                id="a1", text="Send the deck", assignee=alice, due=datetime(2026, 3, 6, tzinfo=UTC), definitive=True
            ),
        ),
        follow_ups=(FollowUp(id="f1", text="Meet on Monday", message_ids=("m1",)),),
        questions=(Question(id="q1", text="Who owns it?", asked_by=alice),),
        members=(alice,),
        summary=(SummaryItem(id="s1", text="They met.", message_ids=("m1",)),),
    )
    restored = insights_from_dict(json.loads(json.dumps(insights_to_dict(insights))))
    assert restored == insights
    assert isinstance(restored.follow_ups[0], FollowUp)
    assert restored.duration_seconds == 3600


def test_absent_summary_stays_absent():
    insights = Insights(conversation=Conversation(id="c2"))
    assert insights_from_dict(insights_to_dict(insights)).summary is None


def test_insights_stored_before_sentiment_existed_still_load_without_it():
    stored = {
        "conversation": {"id": "c3", "name": None, "start": None, "end": None},
        "messages": [{"id": "m1", "text": "Hello", "speaker": None, "start": None, "end": None}],
        "topics": [{"id": "t1", "text": "budget", "score": 0.5, "parents": [], "message_ids": ["m1"]}],
    }
    restored = insights_from_dict(stored)
    assert restored.messages[0].sentiment is None
    assert restored.topics[0].sentiment is None


def test_sentiment_is_written_as_polarity_and_label():
    insights = Insights(
        conversation=Conversation(id="c4"),
        messages=(Message(id="m1", text="Great!", sentiment=Sentiment(polarity=0.62, suggested="positive")),),
    )
    assert insights_to_dict(insights)["messages"][0]["sentiment"] == {"polarity": 0.62, "suggested": "positive"}


def test_an_engines_notice_survives_storage_and_old_json_has_none():
    from dataclasses import replace

    from bot.codec import insights_from_dict, insights_to_dict
    from tests.render.helpers import sample_insights

    noted = replace(sample_insights(), notice="insights from English speech only")
    assert insights_from_dict(insights_to_dict(noted)).notice == "insights from English speech only"
    old = insights_to_dict(sample_insights())
    old.pop("notice", None)
    assert insights_from_dict(old).notice is None
