"""The offline engine's sentiment: what a reader of the notes would call positive, negative or just talk."""

from __future__ import annotations

import pytest

from bot.engines.local.sentiment import (
    NEGATIVE_BELOW,
    POSITIVE_ABOVE,
    label,
    message_sentiment,
    polarity,
    topic_sentiment,
    with_sentiment,
)
from bot.models import Message, Sentiment, Topic


@pytest.mark.parametrize(
    "text",
    [
        "Oh, excellent. Good.",  # ICSI Buw001
        "Oh, that's a good idea. That would be a good match.",  # ICSI Bmr005
        "Thanks, that was really helpful, great work everyone!",
    ],
)
def test_clear_praise_and_thanks_are_positive(text):
    assert message_sentiment(text).suggested == "positive"


@pytest.mark.parametrize(
    "text",
    [
        "The demo was a disaster and the client is furious.",
        "This is terrible, the build has been broken all week.",
        "I hate this awful interface, it's a complete mess.",
    ],
)
def test_clear_complaints_are_negative(text):
    assert message_sentiment(text).suggested == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "Yeah. Yeah.",  # backchannels: VADER alone says +0.53
        "Okay, okay, sure.",
        "Mm-hmm, yeah, yep.",
        "Yeah, it's like ten point one. Still the same.",  # ICSI Bro023: filler "like", VADER alone +0.74
        "Well, I'm saying that's a simplified version.",
        "The first draft goes to Dana on Monday.",
        "So the baseline is ninety-five point six eight.",
        "But I don't think we're gonna stop at the end of this semester.",  # ICSI Bmr005: VADER alone -0.42
    ],
)
def test_everyday_meeting_talk_stays_neutral(text):
    assert message_sentiment(text).suggested == "neutral"


@pytest.mark.parametrize(
    "text",
    [
        "Killing machines!",  # ICSI Bed012: a pun on "reasoning machines"; VADER -0.69 on "killing" alone
        "Killing, reasoning. What's the difference?",  # the same joke continued, -0.66
        "Murder!!",  # -0.74: one word, and exclamation marks only amplify it
    ],
)
def test_one_negative_word_alone_does_not_make_a_turn_negative(text):
    assert polarity(text) < NEGATIVE_BELOW
    assert message_sentiment(text).suggested == "neutral"


def test_a_negated_positive_word_counts_as_a_second_negative_word():
    assert message_sentiment("This is awful, it is not good at all!").suggested == "negative"


def test_like_the_verb_still_counts_and_negation_turns_it():
    assert polarity("I really like this design, it's great") > POSITIVE_ABOVE
    assert polarity("I like it") > 0
    assert polarity("I don't like this design at all") < 0
    assert polarity("it's like ten point one") == 0.0


def test_an_empty_turn_has_no_sentiment():
    assert message_sentiment("") is None
    assert message_sentiment("   ") is None


def test_labels_follow_the_thresholds_exactly():
    assert label(POSITIVE_ABOVE) == "neutral"
    assert label(POSITIVE_ABOVE + 0.01) == "positive"
    assert label(NEGATIVE_BELOW) == "neutral"
    assert label(NEGATIVE_BELOW - 0.01) == "negative"
    assert -1.0 <= polarity("GREAT!!! AMAZING!!! LOVE IT!!!") <= 1.0


def test_a_topic_is_the_mean_of_its_messages():
    assert topic_sentiment([0.8, 0.6]) == Sentiment(polarity=0.7, suggested="positive")
    assert topic_sentiment([0.8, -0.6, 0.0]).suggested == "neutral"  # mixed talk is not called either way
    assert topic_sentiment([]) is None


def test_messages_and_topics_get_their_sentiment():
    messages = [
        Message(id="m1", text="The outage was a disaster, customers are angry."),
        Message(id="m2", text="It was a terrible, painful week."),
        Message(id="m3", text="Great, the new pricing page looks fantastic."),
        Message(id="m4", text=""),
    ]
    topics = [
        Topic(id="t1", text="outage", message_ids=("m1", "m2")),
        Topic(id="t2", text="pricing", message_ids=("m3", "m4")),
        Topic(id="t3", text="nothing said", message_ids=("m4", "unknown")),
    ]

    rated, rated_topics = with_sentiment(messages, topics)

    assert [m.sentiment.suggested if m.sentiment else None for m in rated] == [
        "negative",
        "negative",
        "positive",
        None,
    ]
    assert [m.text for m in rated] == [m.text for m in messages]
    outage, pricing, silent = rated_topics
    assert outage.sentiment.suggested == "negative"
    assert outage.sentiment.polarity == pytest.approx((rated[0].sentiment.polarity + rated[1].sentiment.polarity) / 2)
    assert pricing.sentiment == rated[2].sentiment  # the empty message does not dilute it
    assert silent.sentiment is None


def test_a_topic_is_not_negative_when_none_of_its_messages_is():
    messages = [Message(id="m1", text="Killing machines!"), Message(id="m2", text="Murder!!")]
    _, (topic,) = with_sentiment(messages, [Topic(id="t1", text="machines", message_ids=("m1", "m2"))])

    assert topic.sentiment.polarity < NEGATIVE_BELOW
    assert topic.sentiment.suggested == "neutral"
