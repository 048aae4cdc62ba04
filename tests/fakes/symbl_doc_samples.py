"""Sentiment examples exactly as `shared/docs/symbl-samples/` shows them, shared by the parser and client tests."""

from __future__ import annotations

MESSAGES_WITH_SENTIMENT = {
    "messages": [
        {
            "id": "6412283618000896",
            "text": "Best package for you is $69.99 per month.",
            "sentiment": {"polarity": {"score": 0.6}, "suggested": "positive"},
        },
        {
            "id": "5661493169225728",
            "text": "Okay, Where is the file?",
            "sentiment": {"polarity": {"score": 0.2}, "suggested": "neutral"},
        },
    ]
}
TOPICS_WITH_SENTIMENT = {
    "topics": [
        {
            "id": "5907389282779136",
            "text": "interns",
            "type": "topic",
            "score": 0.7178597920690242,
            "messageIds": ["4600982711304192"],
            "sentiment": {"polarity": {"score": 0.389}, "suggested": "positive"},
            "parentRefs": [],
        },
        {
            "id": "6697188878974976",
            "text": "new regulations",
            "type": "topic",
            "score": 0.6968750176932417,
            "messageIds": ["5356560840654848"],
            "sentiment": {"polarity": {"score": -0.809}, "suggested": "negative"},
            "parentRefs": [],
        },
    ]
}
