"""The engine's ``Insights`` as Symbl's Conversation API JSON (symbl-api.md §4), and the error bodies.

Every list is wrapped in its named key, even when empty (the SDK's models fail without it). Times are ISO-8601
UTC with milliseconds. Member ids are UUIDs derived from the conversation and the speaker's name as the engine gave
it, so they stay the same across calls and servers; a member renamed with ``PUT …/members/{id}`` keeps its id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.models import ActionItem, Insights, Message, Person, Question, Sentiment, Topic

TOKEN_INVALID = {"message": "Token validation failed for provided token."}
CONVERSATION_NOT_FOUND = {"message": "The conversationId is either invalid or does not exist."}
BAD_REQUEST = "Bad Request! Please refer docs for correct input fields."


def concurrency_limit(limit: int) -> dict[str, Any]:
    """Symbl's 429 body for a client with ``limit`` unfinished jobs already."""
    return {
        "statusCode": 429,
        "message": f"This API has a limit of maximum of `{limit}` number of concurrent jobs per account. If you are "
        "looking to scale, and need more concurrent jobs than this limit, please contact us at support@symbl.ai",
    }


def member_id(conversation_id: str, speaker: str) -> str:
    """A member's stable id: the same speaker of the same conversation always gets the same UUID."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"symbl-api:{conversation_id}:{speaker}"))


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class View:
    """How one conversation is shown: its members' names as the client set them, and the submit's thresholds."""

    conversation_id: str
    names: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # engine speaker -> (name, email)
    confidence_threshold: float | None = None
    detect_phrases: bool = False

    def person(self, person: Person | None, *, insight: bool = False) -> dict[str, Any]:
        """A ``from``/``assignee`` object: ``id`` and ``name``, plus ``email`` (or ``userId`` in insights) if known."""
        if person is None or not (person.name or person.email):
            return {}
        speaker = person.name or person.email or ""
        name, email = self.names.get(speaker, (person.name, person.email))
        data: dict[str, Any] = {"id": member_id(self.conversation_id, speaker), "name": name}
        if email:
            data["userId" if insight else "email"] = email
        return data

    def keeps(self, score: float | None) -> bool:
        """Whether an insight clears the submit's ``confidenceThreshold`` (every insight does without one)."""
        return self.confidence_threshold is None or score is None or score >= self.confidence_threshold


def sentiment(value: Sentiment | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"polarity": {"score": round(value.polarity, 3)}, "suggested": value.suggested}


def _words(message: Message) -> list[dict[str, Any]]:
    """Word timings spread evenly over the message: the engine keeps times per utterance, not per word."""
    words = message.text.split()
    if not words or message.start is None or message.end is None:
        return []
    step = max((message.end - message.start).total_seconds(), 0.0) / len(words)
    offset = message.offset_seconds or 0.0
    return [
        {
            "word": word,
            "startTime": timestamp(message.start + timedelta(seconds=i * step)),
            "endTime": timestamp(message.start + timedelta(seconds=(i + 1) * step)),
            "timeOffset": round(offset + i * step, 3),
            "duration": round(step, 3),
        }
        for i, word in enumerate(words)
    ]


def _phrases(message: Message, insights: Insights) -> list[dict[str, str]]:
    """``detectPhrases``: the action items said in this message, as actionable phrases."""
    return [
        {"type": "action_phrase", "text": item.text}
        for item in (*insights.action_items, *insights.follow_ups)
        if message.id in item.message_ids
    ]


def messages(insights: Insights, view: View, *, verbose: bool, with_sentiment: bool) -> dict[str, Any]:
    listed = []
    for message in insights.messages:
        data: dict[str, Any] = {
            "id": message.id,
            "text": message.text,
            "from": view.person(message.speaker),
            "startTime": timestamp(message.start),
            "endTime": timestamp(message.end),
            "timeOffset": message.offset_seconds,
            "duration": message.duration_seconds,
            "conversationId": view.conversation_id,
            "phrases": _phrases(message, insights) if view.detect_phrases else [],
        }
        if with_sentiment and message.sentiment is not None:
            data["sentiment"] = sentiment(message.sentiment)
        if verbose:
            data["words"] = _words(message)
        listed.append(data)
    return {"messages": listed}


def topics(insights: Insights, view: View, *, with_sentiment: bool, parent_refs: bool) -> dict[str, Any]:
    listed = []
    for topic in insights.topics:
        if not view.keeps(topic.score):
            continue
        data = _topic(topic)
        if parent_refs:
            data["parentRefs"] = [{"type": "topic", "text": parent} for parent in topic.parents]
        if with_sentiment and topic.sentiment is not None:
            data["sentiment"] = sentiment(topic.sentiment)
        listed.append(data)
    return {"topics": listed}


def _topic(topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.id,
        "text": topic.text,
        "type": "topic",
        "score": round(topic.score, 4),
        "messageIds": list(topic.message_ids),
        "parentRefs": [],
    }


def _item(item: ActionItem, view: View, kind: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.id,
        "text": item.text,
        "type": kind,
        "score": item.score if item.score is not None else 1.0,
        "messageIds": list(item.message_ids),
        "entities": [],
        "phrases": [],
        "from": view.person(item.speaker, insight=True),
        "definitive": item.definitive,
        "assignee": view.person(item.assignee),
    }
    if item.due is not None:
        data["dueBy"] = timestamp(item.due)
    return data


def action_items(insights: Insights, view: View) -> dict[str, Any]:
    return {"actionItems": [_item(a, view, "action_item") for a in insights.action_items if view.keeps(a.score)]}


def follow_ups(insights: Insights, view: View) -> dict[str, Any]:
    return {"followUps": [_item(f, view, "follow_up") for f in insights.follow_ups if view.keeps(f.score)]}


def _question(question: Question, view: View) -> dict[str, Any]:
    return {
        "id": question.id,
        "text": question.text,
        "type": "question",
        "score": question.score if question.score is not None else 1.0,
        "messageIds": list(question.message_ids),
        "from": view.person(question.asked_by, insight=True),
    }


def questions(insights: Insights, view: View) -> dict[str, Any]:
    return {"questions": [_question(q, view) for q in insights.questions if view.keeps(q.score)]}


def all_insights(insights: Insights, view: View) -> dict[str, Any]:
    """``GET …/insights``: action items, follow-ups and questions in one list, told apart by ``type``."""
    return {
        "insights": [
            *action_items(insights, view)["actionItems"],
            *follow_ups(insights, view)["followUps"],
            *questions(insights, view)["questions"],
        ]
    }


def members(insights: Insights, view: View) -> dict[str, Any]:
    listed = []
    for person in insights.members:
        data = view.person(person)
        if data:
            listed.append({"id": data["id"], "name": data["name"], "email": data.get("email")})
    return {"members": listed}


def speaker_of(insights: Insights, view: View, wanted_id: str) -> str | None:
    """The engine's name for the member with this id (None if the conversation has no such member)."""
    for person in insights.members:
        speaker = person.name or person.email
        if speaker and member_id(view.conversation_id, speaker) == wanted_id:
            return speaker
    return None


def summary(insights: Insights) -> dict[str, Any]:
    return {
        "summary": [
            {"id": item.id, "text": item.text, "messageRefs": [{"id": ref} for ref in item.message_ids]}
            for item in insights.summary or ()
        ]
    }


def conversation(insights: Insights, view: View) -> dict[str, Any]:
    meta = insights.conversation
    return {
        "id": view.conversation_id,
        "type": "meeting",
        "name": meta.name or view.conversation_id,
        "startTime": timestamp(meta.start),
        "endTime": timestamp(meta.end),
        "members": members(insights, view)["members"],
        "metadata": {},
    }


def analytics(insights: Insights, view: View) -> dict[str, Any]:
    """Talk time per member and in total, and silence, from the messages' times."""
    total = insights.duration_seconds or 0.0
    talk: dict[str, float] = {}
    words: dict[str, int] = {}
    for message in insights.messages:
        speaker = (message.speaker and (message.speaker.name or message.speaker.email)) or ""
        talk[speaker] = talk.get(speaker, 0.0) + (message.duration_seconds or 0.0)
        words[speaker] = words.get(speaker, 0) + len(message.text.split())
    talked = sum(talk.values())

    def percent(seconds: float) -> float:
        return round(100.0 * seconds / total, 2) if total else 0.0

    listed = []
    for person in insights.members:
        speaker = person.name or person.email or ""
        seconds = talk.get(speaker, 0.0)
        data = view.person(person, insight=True)
        listed.append(
            {
                **data,
                "pace": {"wpm": round(60.0 * words.get(speaker, 0) / seconds) if seconds else 0},
                "talkTime": {"percentage": percent(seconds), "seconds": round(seconds, 2)},
                "listenTime": {"percentage": percent(total - seconds), "seconds": round(total - seconds, 2)},
                "overlap": {},
            }
        )
    silence = max(total - talked, 0.0)
    return {
        "metrics": [
            {"type": "total_silence", "percent": percent(silence), "seconds": round(silence, 2)},
            {"type": "total_talk_time", "percent": percent(talked), "seconds": round(talked, 2)},
            {"type": "total_overlap", "percent": 0.0, "seconds": 0.0},
        ],
        "members": listed,
    }
