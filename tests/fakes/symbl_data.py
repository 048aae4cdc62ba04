"""Deterministic conversation data served by the Symbl emulator.

The shapes follow the documented samples (`docs/symbl-samples/*.json`, symbl-api.md §4) key for key; the content is one
coherent seven-message meeting so that insights point at real messages. Ids are derived from the conversationId, so
the same conversation always gets the same message, insight and member ids.

A test that needs odd payloads (missing or extra fields, no wrapper key) can pass `ConversationData(overrides=...)`:
the override for a route suffix ("messages", "action-items", "" for the conversation itself, ...) is served verbatim.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Speaker:
    """A named meeting participant (used when the job was not diarized)."""

    name: str
    email: str


@dataclass(frozen=True)
class MessageTemplate:
    """One utterance; times are seconds from the start of its media segment."""

    speaker: int
    text: str
    start: float
    end: float
    sentiment: float
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicTemplate:
    """A topic; `parent` names another topic for `parentRefs=true`."""

    text: str
    score: float
    messages: tuple[int, ...]
    sentiment: float
    parent: str | None = None


@dataclass(frozen=True)
class InsightTemplate:
    """An action item, follow-up or question, as the Conversation API returns it (minus ids)."""

    kind: str  # action_item | follow_up | question
    text: str
    score: float
    message: int
    speaker: int
    definitive: bool | None = None
    assignee: int | None = None  # speaker index, or None for no assignee
    due_in_days: int | None = None
    entities: tuple[Mapping[str, Any], ...] = ()
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderContext:
    """What the emulator knows about a conversation when it renders a response."""

    conversation_id: str
    name: str
    segments: int  # media jobs completed so far; each one contributes the template transcript once
    diarized: bool = False
    detect_phrases: bool = False
    detect_entities: bool = False
    trackers_enabled: bool = False
    channel_speakers: Mapping[int, Mapping[str, str]] = field(default_factory=dict)  # 0-based channel -> {name, email}
    member_updates: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


START = datetime(2026, 3, 2, 15, 0, 0, tzinfo=UTC)  # a Monday, so "Friday" is 2026-03-06

SPEAKERS: tuple[Speaker, ...] = (
    Speaker("Priya Raman", "priya@example.com"),
    Speaker("Marco Rossi", "marco@example.com"),
    Speaker("Dana Lee", "dana@example.com"),
)

MESSAGES: tuple[MessageTemplate, ...] = (
    MessageTemplate(0, "Good morning everyone, let's review the launch plan for the mobile app.", 0.0, 4.2, 0.45),
    MessageTemplate(
        1, "I will send the updated budget to finance by Friday.", 4.8, 10.1, 0.2, ("send the updated budget",)
    ),
    MessageTemplate(2, "Do we have sign-off from legal on the new privacy policy?", 10.6, 15.0, -0.1),
    MessageTemplate(
        0,
        "Not yet, we should probably look into a backup vendor for push notifications.",
        15.5,
        21.3,
        -0.45,
        ("look into a backup vendor",),
    ),
    MessageTemplate(
        1, "Let's follow up with the design team next week about the onboarding screens.", 21.9, 27.4, 0.35
    ),
    MessageTemplate(2, "What is the price of the premium analytics tier?", 28.0, 33.5, 0.0),
    MessageTemplate(0, "Great, thanks everyone, talk again on Monday.", 34.0, 39.0, 0.8),
)

TOPICS: tuple[TopicTemplate, ...] = (
    TopicTemplate("mobile app", 0.91, (0, 4), 0.4),
    TopicTemplate("launch plan", 0.84, (0, 1), 0.45, parent="mobile app"),
    TopicTemplate("budget", 0.72, (1,), 0.2, parent="launch plan"),
    TopicTemplate("privacy policy", 0.66, (2,), -0.35),
    TopicTemplate("push notifications", 0.58, (3,), -0.45, parent="mobile app"),
)

INSIGHTS: tuple[InsightTemplate, ...] = (
    InsightTemplate(
        "action_item",
        "Marco will send the updated budget to finance by Friday.",
        0.9456,
        message=1,
        speaker=1,
        definitive=True,
        assignee=1,
        due_in_days=4,
        entities=(
            {"type": "person", "text": "Marco", "offset": 0, "value": {"assignee": True, "name": "Marco Rossi"}},
            {"type": "date", "text": "Friday", "offset": 49, "value": "2026-03-06"},
        ),
        phrases=("send the updated budget to finance",),
    ),
    InsightTemplate(
        "action_item",
        "We should probably look into a backup vendor for push notifications.",
        0.7123,
        message=3,
        speaker=0,
        definitive=False,
        phrases=("look into a backup vendor",),
    ),
    InsightTemplate(
        "follow_up",
        "Follow up with the design team next week about the onboarding screens.",
        0.866,
        message=4,
        speaker=1,
        due_in_days=7,
        entities=(
            {
                "type": "datetimerange",
                "text": "next week",
                "offset": 31,
                "start": "2026-03-09 00:00:00",
                "end": "2026-03-13 23:59:59",
            },
        ),
    ),
    InsightTemplate(
        "question", "Do we have sign-off from legal on the new privacy policy?", 0.9844, message=2, speaker=2
    ),
    InsightTemplate("question", "What is the price of the premium analytics tier?", 0.9712, message=5, speaker=2),
)

SUMMARY: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("Priya opened the review of the mobile app launch plan; Marco will send the updated budget by Friday.", (0, 1)),
    ("Dana asked about legal sign-off and premium pricing; the team will follow up with design next week.", (2, 4, 5)),
)


def numeric_id(*parts: object) -> str:
    """A stable 16-digit numeric id (the format of Symbl message and insight ids) derived from `parts`."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return str(10**15 + int.from_bytes(digest[:8], "big") % (9 * 10**15))


def stable_uuid(*parts: object) -> str:
    """A stable UUID-shaped id (the format of Symbl member ids) derived from `parts`."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds, as every Symbl timestamp is written."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def suggested(score: float) -> str:
    """The documented thresholds from polarity score to the `suggested` label (§4.1)."""
    if score < -0.3:
        return "negative"
    if score > 0.3:
        return "positive"
    return "neutral"


def _insight_author(speaker: Mapping[str, Any]) -> dict[str, Any]:
    """Insights name their author `{id, name, userId}` (§4.1), userId being the email when one is known."""
    author = {"id": speaker["id"], "name": speaker["name"]}
    if "email" in speaker:
        author["userId"] = speaker["email"]
    return author


def _sentiment(score: float) -> dict[str, Any]:
    return {"polarity": {"score": score}, "suggested": suggested(score)}


@dataclass
class ConversationData:
    """The templates behind every Conversation API response, plus verbatim `overrides` per route suffix."""

    start: datetime = START
    speakers: tuple[Speaker, ...] = SPEAKERS
    messages_template: tuple[MessageTemplate, ...] = MESSAGES
    topics_template: tuple[TopicTemplate, ...] = TOPICS
    insights_template: tuple[InsightTemplate, ...] = INSIGHTS
    summary_template: tuple[tuple[str, tuple[int, ...]], ...] = SUMMARY
    metadata: Mapping[str, Any] = field(default_factory=lambda: {"label": "Planning"})
    overrides: dict[str, Any] = field(default_factory=dict)

    # -- geometry -------------------------------------------------------------------------------------------------

    @property
    def segment_seconds(self) -> float:
        """Length of one media segment: the end of its last utterance plus a one-second tail."""
        return max((m.end for m in self.messages_template), default=0.0) + 1.0

    def _speaker(self, ctx: RenderContext, index: int, segment: int = 0) -> dict[str, Any]:
        """`{id, name[, email]}` of a speaker; diarized speakers get fresh `Speaker N` members per segment (§2.5)."""
        if ctx.diarized:
            member_id = stable_uuid(ctx.conversation_id, "speaker", segment, index)
            person: dict[str, Any] = {"id": member_id, "name": f"Speaker {segment * len(self.speakers) + index + 1}"}
        else:
            member_id = stable_uuid(ctx.conversation_id, "member", index)
            speaker = self.speakers[index]
            person = {"id": member_id, "name": speaker.name, "email": speaker.email}
            person.update(ctx.channel_speakers.get(index, {}))
        person.update(ctx.member_updates.get(member_id, {}))
        return person

    def _message_id(self, ctx: RenderContext, segment: int, index: int) -> str:
        return numeric_id(ctx.conversation_id, "message", segment, index)

    # -- routes ---------------------------------------------------------------------------------------------------

    def members(self, ctx: RenderContext) -> list[dict[str, Any]]:
        """The members list: named people, or `Speaker N` (no email) when diarized."""
        segments = range(max(ctx.segments, 1)) if ctx.diarized else range(1)
        if ctx.segments == 0:
            return []
        return [self._speaker(ctx, index, segment) for segment in segments for index in range(len(self.speakers))]

    def conversation(self, ctx: RenderContext) -> dict[str, Any]:
        """`GET /v1/conversations/{id}`: name, type, start/end time (so a duration is known), members, metadata."""
        end = self.start + timedelta(seconds=self.segment_seconds * max(ctx.segments, 1))
        return {
            "id": ctx.conversation_id,
            "type": "meeting",
            "name": ctx.name,
            "startTime": iso(self.start),
            "endTime": iso(end),
            "members": self.members(ctx),
            "metadata": dict(self.metadata),
        }

    def messages(self, ctx: RenderContext, *, verbose: bool = False, sentiment: bool = False) -> list[dict[str, Any]]:
        """The transcript: the template once per completed media segment, later segments shifted in time."""
        out = []
        for segment in range(ctx.segments):
            shift = segment * self.segment_seconds
            for index, template in enumerate(self.messages_template):
                begin = self.start + timedelta(seconds=shift + template.start)
                finish = self.start + timedelta(seconds=shift + template.end)
                message: dict[str, Any] = {
                    "id": self._message_id(ctx, segment, index),
                    "text": template.text,
                    "from": self._speaker(ctx, template.speaker, segment),
                    "startTime": iso(begin),
                    "endTime": iso(finish),
                    "timeOffset": round(shift + template.start, 2),
                    "duration": round(template.end - template.start, 2),
                    "conversationId": ctx.conversation_id,
                    "phrases": [{"type": "action_phrase", "text": p} for p in template.phrases]
                    if ctx.detect_phrases
                    else [],
                }
                if sentiment:
                    message["sentiment"] = _sentiment(template.sentiment)
                if verbose:
                    message["words"] = self._words(template, shift)
                out.append(message)
        return out

    def _words(self, template: MessageTemplate, shift: float) -> list[dict[str, Any]]:
        """Word timings spread evenly over the utterance (verbose=true)."""
        words = template.text.split()
        step = (template.end - template.start) / len(words)
        out = []
        for position, word in enumerate(words):
            offset = shift + template.start + position * step
            out.append(
                {
                    "word": word,
                    "startTime": iso(self.start + timedelta(seconds=offset)),
                    "endTime": iso(self.start + timedelta(seconds=offset + step)),
                    "score": round(0.8 + 0.19 * ((position * 7) % 10) / 10, 3),
                    "timeOffset": round(offset, 2),
                    "duration": round(step, 2),
                }
            )
        return out

    def topics(self, ctx: RenderContext, *, sentiment: bool = False, parent_refs: bool = False) -> list[dict[str, Any]]:
        """Topics; `parentRefs` is always present and only filled when asked for, like the samples.

        `sentiment` is added only for `sentiment=true`, and not together with `parentRefs=true`, which "does not
        support sentiment" (§4.2): the samples have it in `topics_sentiment.json`, never in `topics_parentRefs.json`.
        """
        if ctx.segments == 0:
            return []
        out = []
        for template in self.topics_template:
            topic: dict[str, Any] = {
                "id": numeric_id(ctx.conversation_id, "topic", template.text),
                "text": template.text,
                "type": "topic",
                "score": template.score,
                "messageIds": [self._message_id(ctx, 0, i) for i in template.messages],
                "parentRefs": [{"type": "topic", "text": template.parent}] if parent_refs and template.parent else [],
            }
            if sentiment and not parent_refs:
                topic["sentiment"] = _sentiment(template.sentiment)
            out.append(topic)
        return out

    def _insight(self, ctx: RenderContext, template: InsightTemplate) -> dict[str, Any]:
        speaker = self._speaker(ctx, template.speaker)
        item: dict[str, Any] = {
            "id": numeric_id(ctx.conversation_id, template.kind, template.text),
            "text": template.text,
            "type": template.kind,
            "score": template.score,
            "messageIds": [self._message_id(ctx, 0, template.message)],
            "from": _insight_author(speaker),
        }
        if template.kind == "question":
            return item
        item["entities"] = [dict(e) for e in template.entities]
        item["phrases"] = [{"type": "action_phrase", "text": p} for p in template.phrases]
        if template.definitive is not None:
            item["definitive"] = template.definitive
        if template.assignee is not None:
            person = self._speaker(ctx, template.assignee)
            item["assignee"] = {k: v for k, v in person.items() if k in {"id", "name", "email"}}
        elif template.kind == "follow_up":
            item["assignee"] = {}  # the follow-ups sample shows an empty object rather than no key
        if template.due_in_days is not None:
            item["dueBy"] = iso(self.start.replace(hour=7) + timedelta(days=template.due_in_days))
        return item

    def _insights_of(self, ctx: RenderContext, kind: str) -> list[dict[str, Any]]:
        if ctx.segments == 0:
            return []
        return [self._insight(ctx, t) for t in self.insights_template if t.kind == kind]

    def action_items(self, ctx: RenderContext) -> list[dict[str, Any]]:
        """Action items: one definitive with assignee and dueBy, one tentative with no assignee."""
        return self._insights_of(ctx, "action_item")

    def follow_ups(self, ctx: RenderContext) -> list[dict[str, Any]]:
        """Follow-ups with a date-range entity and an empty assignee object."""
        return self._insights_of(ctx, "follow_up")

    def questions(self, ctx: RenderContext) -> list[dict[str, Any]]:
        """Questions asked in the meeting."""
        return self._insights_of(ctx, "question")

    def insights(self, ctx: RenderContext) -> list[dict[str, Any]]:
        """`/insights`: action items, questions and follow-ups together; `type` tells them apart."""
        return [*self.action_items(ctx), *self.questions(ctx), *self.follow_ups(ctx)]

    def summary(self, ctx: RenderContext) -> list[dict[str, Any]]:
        """Summary items with `messageRefs` pointing at first-segment messages."""
        return [
            {
                "id": numeric_id(ctx.conversation_id, "summary", index),
                "text": text,
                "messageRefs": [{"id": self._message_id(ctx, 0, i)} for i in refs],
            }
            for index, (text, refs) in enumerate(self.summary_template)
        ]

    def entities(self, ctx: RenderContext) -> list[dict[str, Any]]:
        """Entities in the legacy shape the SDK can parse (§4.9); nothing unless detectEntities was set."""
        if ctx.segments == 0 or not ctx.detect_entities:
            return []
        budget, pricing = self.messages_template[1], self.messages_template[5]
        return [
            {
                "type": "person",
                "value": "Marco Rossi",
                "text": "Marco",
                "messageRefs": [{"id": self._message_id(ctx, 0, 1), "text": budget.text, "offset": 0}],
            },
            {
                "type": "date",
                "value": "2026-03-06",
                "text": "Friday",
                "messageRefs": [{"id": self._message_id(ctx, 0, 1), "text": budget.text, "offset": 45}],
            },
            {
                "type": "custom",
                "customType": "Product Tier",
                "value": "premium analytics tier",
                "text": "premium analytics tier",
                "messageRefs": [{"id": self._message_id(ctx, 0, 5), "text": pricing.text, "offset": 25}],
            },
        ]

    def trackers(self, ctx: RenderContext) -> list[dict[str, Any]]:
        """Detected trackers (a bare array); nothing unless trackers were enabled at submit."""
        if ctx.segments == 0 or not ctx.trackers_enabled:
            return []
        pricing = self.messages_template[5]
        question = next((t for t in self.insights_template if t.message == 5), None)
        insight_refs = (
            [
                {
                    "text": question.text,
                    "offset": -1,
                    "type": "question",
                    "id": numeric_id(ctx.conversation_id, question.kind, question.text),
                }
            ]
            if question
            else []
        )
        return [
            {
                "id": numeric_id(ctx.conversation_id, "tracker", "PricingMention"),
                "name": "PricingMention",
                "matches": [
                    {
                        "type": "vocabulary",
                        "value": "What is the price",
                        "messageRefs": [{"id": self._message_id(ctx, 0, 5), "text": pricing.text, "offset": 0}],
                        "insightRefs": insight_refs,
                    }
                ],
            }
        ]

    def analytics(self, ctx: RenderContext) -> dict[str, Any]:
        """`{"metrics": [...], "members": [...]}` computed from the message timings."""
        if ctx.segments == 0:
            return {"metrics": [], "members": []}
        total = self.segment_seconds * ctx.segments
        talk: dict[int, float] = {}
        words: dict[int, int] = {}
        for template in self.messages_template:
            talk[template.speaker] = talk.get(template.speaker, 0.0) + (template.end - template.start) * ctx.segments
            words[template.speaker] = words.get(template.speaker, 0) + len(template.text.split()) * ctx.segments
        talk_total = sum(talk.values())
        members = []
        for index in sorted(talk):
            person = self._speaker(ctx, index)
            seconds = talk[index]
            members.append(
                {
                    "id": person["id"],
                    "name": person["name"],
                    **({"userId": person["email"]} if "email" in person else {}),
                    "pace": {"wpm": round(words[index] / (seconds / 60))},
                    "talkTime": {"percentage": round(100 * seconds / total, 3), "seconds": round(seconds, 3)},
                    "listenTime": {
                        "percentage": round(100 * (total - seconds) / total, 3),
                        "seconds": round(total - seconds, 3),
                    },
                    "overlap": {},
                }
            )
        silence = total - talk_total
        metrics = [
            {"type": "total_silence", "percent": round(100 * silence / total, 3), "seconds": round(silence, 3)},
            {"type": "total_talk_time", "percent": round(100 * talk_total / total, 3), "seconds": round(talk_total, 3)},
            {"type": "total_overlap", "percent": 0.0, "seconds": 0.0},
        ]
        return {"metrics": metrics, "members": members}
