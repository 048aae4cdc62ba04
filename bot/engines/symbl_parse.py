"""Symbl's Conversation API JSON to the project's dataclasses, tolerantly.

Symbl's responses are loosely specified (missing keys, ``null``s, empty objects, fields added over the years),
so every reader here defaults or skips instead of raising: a malformed item is dropped, a malformed field
becomes ``None``, and an unknown field is ignored. Times become timezone-aware ``datetime``s (UTC when the
string carries no offset).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from bot.models import (
    SENTIMENT_LABELS,
    ActionItem,
    Conversation,
    FollowUp,
    Insights,
    JobStatus,
    Message,
    Person,
    Question,
    Sentiment,
    Submission,
    SummaryItem,
    Topic,
)

T = TypeVar("T")


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 string as an aware datetime (UTC if no offset is given); ``None`` for anything else."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # ids are documented as strings, but a number is the same id
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _items(payload: Any, key: str) -> list[dict[str, Any]]:
    """The objects in ``payload[key]``; an absent, null or non-list wrapper counts as empty."""
    items = payload.get(key) if isinstance(payload, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _ids(values: Any) -> tuple[str, ...]:
    if not isinstance(values, list):
        return ()
    return tuple(i for i in (_text(v) for v in values) if i)


def _ref_ids(refs: Any) -> tuple[str, ...]:
    if not isinstance(refs, list):
        return ()
    return tuple(i for i in (_text(r.get("id")) for r in refs if isinstance(r, dict)) if i)


def _collect(items: Iterable[dict[str, Any]], build: Callable[[int, dict[str, Any]], T | None]) -> tuple[T, ...]:
    built = (build(index, item) for index, item in enumerate(items))
    return tuple(b for b in built if b is not None)


def parse_person(data: Any) -> Person | None:
    """A speaker, assignee or member from ``{id, name, email | userId}``; ``None`` when nothing is known."""
    if not isinstance(data, dict):
        return None
    user_id = _text(data.get("userId"))
    email = _text(data.get("email")) or (user_id if user_id and "@" in user_id else None)
    person = Person(id=_text(data.get("id")), name=_text(data.get("name")) or None, email=email or None)
    return person if (person.id or person.name or person.email) else None


def _assignee(item: dict[str, Any]) -> Person | None:
    explicit = parse_person(item.get("assignee"))
    if explicit and (explicit.name or explicit.email):
        return explicit
    # Older answers only mark the assignee among the detected entities: {type: person, value: {assignee: true}}.
    for entity in _items(item, "entities"):
        value = entity.get("value")
        if entity.get("type") == "person" and isinstance(value, dict) and value.get("assignee") is True:
            name = _text(value.get("name")) or _text(entity.get("text"))
            if name:
                return Person(name=name, email=_text(value.get("email")))
    return None


def parse_sentiment(data: Any) -> Sentiment | None:
    """``{"polarity": {"score": 0.6}, "suggested": "positive"}`` (§4.1); ``None`` when absent or unreadable.

    A score outside [-1, 1] is clamped; a missing or unknown ``suggested`` label is derived from the score with
    Symbl's documented thresholds, so every ``Sentiment`` carries one of the three labels.
    """
    if not isinstance(data, dict):
        return None
    polarity = data.get("polarity")
    score = _number(polarity.get("score")) if isinstance(polarity, dict) else None
    if score is None or math.isnan(score):
        return None
    score = max(-1.0, min(1.0, score))
    suggested = data.get("suggested")
    if suggested not in SENTIMENT_LABELS:
        suggested = symbl_label(score)
    return Sentiment(polarity=score, suggested=suggested)


def symbl_label(score: float) -> str:
    """Symbl's documented label for a polarity score: negative below -0.3, positive above 0.3 (§4.1)."""
    if score < -0.3:
        return "negative"
    if score > 0.3:
        return "positive"
    return "neutral"


def parse_message(index: int, data: dict[str, Any]) -> Message | None:
    """One transcript line; dropped when it has no text."""
    text = _text(data.get("text"))
    if text is None:
        return None
    return Message(
        id=_text(data.get("id")) or f"message-{index}",
        text=text,
        speaker=parse_person(data.get("from")),
        start=parse_time(data.get("startTime")),
        end=parse_time(data.get("endTime")),
        offset_seconds=_number(data.get("timeOffset")),
        duration_seconds=_number(data.get("duration")),
        sentiment=parse_sentiment(data.get("sentiment")),
    )


def parse_topic(index: int, data: dict[str, Any]) -> Topic | None:
    """One topic with its broader ``parentRefs`` topics."""
    text = _text(data.get("text"))
    if not text:
        return None
    parents = tuple(t for t in (_text(ref.get("text")) for ref in _items(data, "parentRefs")) if t)
    return Topic(
        id=_text(data.get("id")) or f"topic-{index}",
        text=text,
        score=_number(data.get("score")) or 0.0,
        parents=parents,
        message_ids=_ids(data.get("messageIds")),
        sentiment=parse_sentiment(data.get("sentiment")),
    )


def with_topic_sentiment(topics: tuple[Topic, ...], rated: tuple[Topic, ...]) -> tuple[Topic, ...]:
    """``topics`` (read with ``parentRefs``) given the sentiment of the same topics read with ``sentiment=true``.

    Symbl's topic hierarchy "does not support sentiment" (§4.2), so the two come from two reads of ``/topics``.
    Topics are matched by id (the samples give a topic the same id in both answers), else by their text.
    """
    by_id = {t.id: t.sentiment for t in rated if t.sentiment}
    by_text = {t.text.casefold(): t.sentiment for t in rated if t.sentiment}
    return tuple(
        t if t.sentiment else replace(t, sentiment=by_id.get(t.id) or by_text.get(t.text.casefold())) for t in topics
    )


def _action_fields(index: int, data: dict[str, Any], kind: str) -> dict[str, Any] | None:
    text = _text(data.get("text"))
    if not text:
        return None
    return {
        "id": _text(data.get("id")) or f"{kind}-{index}",
        "text": text,
        "assignee": _assignee(data),
        "due": parse_time(data.get("dueBy")),
        "definitive": data.get("definitive") is True,
        "message_ids": _ids(data.get("messageIds")),
        "speaker": parse_person(data.get("from")),
        "score": _number(data.get("score")),
    }


def parse_action_item(index: int, data: dict[str, Any]) -> ActionItem | None:
    """One action item: assignee, due date, firm or tentative."""
    fields = _action_fields(index, data, "action-item")
    return ActionItem(**fields) if fields else None


def parse_follow_up(index: int, data: dict[str, Any]) -> FollowUp | None:
    """One follow-up (same shape as an action item)."""
    fields = _action_fields(index, data, "follow-up")
    return FollowUp(**fields) if fields else None


def parse_question(index: int, data: dict[str, Any]) -> Question | None:
    """One question and who asked it."""
    text = _text(data.get("text"))
    if not text:
        return None
    return Question(
        id=_text(data.get("id")) or f"question-{index}",
        text=text,
        asked_by=parse_person(data.get("from")),
        message_ids=_ids(data.get("messageIds")),
        score=_number(data.get("score")),
    )


def parse_summary_item(index: int, data: dict[str, Any]) -> SummaryItem | None:
    """One summary paragraph with the messages it was drawn from."""
    text = _text(data.get("text"))
    if not text:
        return None
    return SummaryItem(
        id=_text(data.get("id")) or f"summary-{index}", text=text, message_ids=_ref_ids(data.get("messageRefs"))
    )


def parse_conversation(conversation_id: str, data: Any) -> Conversation:
    """Conversation metadata; the id asked for stands in when the answer lacks one."""
    data = data if isinstance(data, dict) else {}
    return Conversation(
        id=_text(data.get("id")) or conversation_id,
        name=_text(data.get("name")),
        start=parse_time(data.get("startTime")),
        end=parse_time(data.get("endTime")),
    )


def parse_insights(conversation_id: str, payloads: dict[str, Any]) -> Insights:
    """Assemble ``Insights`` from the answers of the conversation endpoints, keyed by endpoint name.

    ``payloads["summary"]`` is ``None`` when the summary does not exist (Symbl answered 404);
    ``payloads["topic-sentiment"]`` is the second read of the topics, the one that carries their sentiment.
    """
    summary = payloads.get("summary")
    topics = with_topic_sentiment(
        _collect(_items(payloads.get("topics"), "topics"), parse_topic),
        _collect(_items(payloads.get("topic-sentiment"), "topics"), parse_topic),
    )
    return Insights(
        conversation=parse_conversation(conversation_id, payloads.get("conversation")),
        messages=_collect(_items(payloads.get("messages"), "messages"), parse_message),
        topics=topics,
        action_items=_collect(_items(payloads.get("action-items"), "actionItems"), parse_action_item),
        follow_ups=_collect(_items(payloads.get("follow-ups"), "followUps"), parse_follow_up),
        questions=_collect(_items(payloads.get("questions"), "questions"), parse_question),
        members=tuple(p for p in (parse_person(m) for m in _items(payloads.get("members"), "members")) if p),
        summary=None if summary is None else _collect(_items(summary, "summary"), parse_summary_item),
    )


def parse_submission(data: dict[str, Any]) -> Submission | None:
    """``{conversationId, jobId}`` from a submit or append; ``None`` when either is missing."""
    conversation_id, job_id = _text(data.get("conversationId")), _text(data.get("jobId"))
    if not conversation_id or not job_id:
        return None
    return Submission(conversation_id=conversation_id, job_id=job_id)


def parse_job_status(data: dict[str, Any]) -> JobStatus | None:
    """The job's status, or ``None`` when it is not one of the four documented ones."""
    try:
        return JobStatus(data.get("status"))
    except ValueError:
        return None
