"""Insights to and from plain JSON, so they can be stored in the database and printed by the CLI.

One codec for every use keeps the stored form and the printed form the same: ``insights_to_dict`` then
``json.dumps``; ``insights_from_dict`` reverses it exactly (a round trip gives an equal ``Insights``).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

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


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def insights_to_dict(insights: Insights) -> dict[str, Any]:
    """A JSON-ready dict (datetimes as ISO 8601 strings)."""
    return _plain(insights)


def _person(data: dict | None) -> Person | None:
    return Person(**data) if data else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _action(cls: type[ActionItem], d: dict) -> ActionItem:
    return cls(
        id=d["id"],
        text=d["text"],
        assignee=_person(d.get("assignee")),
        due=_time(d.get("due")),
        definitive=d.get("definitive", False),
        message_ids=tuple(d.get("message_ids", ())),
        speaker=_person(d.get("speaker")),
        score=d.get("score"),
    )


def _sentiment(data: dict | None) -> Sentiment | None:
    # Insights stored before sentiment existed have no such key: they load with ``None``.
    return Sentiment(polarity=data["polarity"], suggested=data["suggested"]) if data else None


def _summary_item(d: dict) -> SummaryItem:
    return SummaryItem(id=d["id"], text=d["text"], message_ids=tuple(d.get("message_ids", ())))


def insights_from_dict(data: dict[str, Any]) -> Insights:
    """Rebuild ``Insights`` from ``insights_to_dict`` output."""
    conv = data["conversation"]
    summary = data.get("summary")
    return Insights(
        conversation=Conversation(
            id=conv["id"], name=conv.get("name"), start=_time(conv.get("start")), end=_time(conv.get("end"))
        ),
        messages=tuple(
            Message(
                id=m["id"],
                text=m["text"],
                speaker=_person(m.get("speaker")),
                start=_time(m.get("start")),
                end=_time(m.get("end")),
                offset_seconds=m.get("offset_seconds"),
                duration_seconds=m.get("duration_seconds"),
                sentiment=_sentiment(m.get("sentiment")),
            )
            for m in data.get("messages", ())
        ),
        topics=tuple(
            Topic(
                id=t["id"],
                text=t["text"],
                score=t.get("score", 0.0),
                parents=tuple(t.get("parents", ())),
                message_ids=tuple(t.get("message_ids", ())),
                sentiment=_sentiment(t.get("sentiment")),
            )
            for t in data.get("topics", ())
        ),
        action_items=tuple(_action(ActionItem, a) for a in data.get("action_items", ())),
        follow_ups=tuple(_action(FollowUp, f) for f in data.get("follow_ups", ())),
        questions=tuple(
            Question(
                id=q["id"],
                text=q["text"],
                asked_by=_person(q.get("asked_by")),
                message_ids=tuple(q.get("message_ids", ())),
                score=q.get("score"),
            )
            for q in data.get("questions", ())
        ),
        members=tuple(Person(**p) for p in data.get("members", ())),
        summary=None if summary is None else tuple(_summary_item(s) for s in summary),
        notice=data.get("notice"),
    )
