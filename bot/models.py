"""The project's own data types for a meeting's insights.

Every engine (Symbl, the offline one) returns these; nothing outside ``bot/engines/`` ever sees an
engine's wire format. They are frozen so a result can be shared between threads and cached safely.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class JobStatus(enum.StrEnum):
    """The four states of an engine job (Symbl's documented set; the offline engine uses the same)."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED)


@dataclass(frozen=True)
class JobState:
    """What ``Engine.job_status`` answers: the status, why the job failed (words a user can read; None when it
    did not fail or the engine does not say, as Symbl never does) and about how many seconds it may still take
    (None when the engine has no estimate)."""

    status: JobStatus
    failure_reason: str | None = None
    seconds_left: float | None = None


class MediaKind(enum.StrEnum):
    """Which family of routes a recording goes to."""

    VIDEO = "video"
    AUDIO = "audio"
    # A transcript file (WebVTT or SRT from Zoom, Teams, Meet): words and speakers already, no sound. "text"
    # as in Symbl's text route, and short enough for the jobs table's media_kind column (8 characters).
    TRANSCRIPT = "text"


@dataclass(frozen=True)
class Submission:
    """What a submit or append returns: the conversation and the job that is processing it."""

    conversation_id: str
    job_id: str


@dataclass(frozen=True)
class SubmitOptions:
    """Processing options common to every engine.

    ``extra`` carries any further engine-specific parameter verbatim (the CLI's ``--param k=v``);
    an engine that does not know one ignores it. ``participant_names`` are the people who may be in the recording
    (a Slack channel's members): the offline engine puts back names its speech recognition misheard; Symbl ignores
    them. ``shared_at`` is when the recording was shared (the Slack message's time): the offline engine dates the
    meeting by it, for "by Friday", when the recording carries no creation time of its own.
    """

    name: str | None = None
    webhook_url: str | None = None
    language_code: str | None = None
    custom_vocabulary: tuple[str, ...] = ()
    confidence_threshold: float | None = None
    detect_phrases: bool | None = None
    enable_speaker_diarization: bool | None = None
    diarization_speaker_count: int | None = None
    enable_summary: bool | None = None
    participant_names: tuple[str, ...] = ()
    shared_at: datetime | None = None
    # The same key for every try of one submit (the app's job id): an engine that can look a submit up (the
    # offline one) returns the first submission instead of starting a second; Symbl cannot and ignores it.
    idempotency_key: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Person:
    """Someone named in a meeting: a speaker, an assignee or a member. Any field may be unknown."""

    id: str | None = None
    name: str | None = None
    email: str | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.email or "Unknown"


@dataclass(frozen=True)
class Sentiment:
    """How positive or negative something was said: ``polarity`` in [-1, 1] and the engine's ``suggested`` label.

    ``suggested`` is one of ``SENTIMENT_LABELS``; each engine sets it with its own calibrated thresholds (Symbl's
    documented ±0.3, the offline engine's own), so readers compare labels, not scores, across engines.
    """

    polarity: float
    suggested: str

    @property
    def is_clear(self) -> bool:
        """Clearly positive or negative, as opposed to neutral."""
        return self.suggested in (POSITIVE, NEGATIVE)


POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"
SENTIMENT_LABELS = (POSITIVE, NEUTRAL, NEGATIVE)


@dataclass(frozen=True)
class Message:
    """One utterance of the transcript."""

    id: str
    text: str
    speaker: Person | None = None
    start: datetime | None = None
    end: datetime | None = None
    offset_seconds: float | None = None  # seconds since the conversation's first message
    duration_seconds: float | None = None
    sentiment: Sentiment | None = None  # None when the engine was not asked for it or could not tell


@dataclass(frozen=True)
class Topic:
    """A key phrase of the meeting, ranked by ``score`` (0..1); ``parents`` are broader topics."""

    id: str
    text: str
    score: float = 0.0
    parents: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()
    sentiment: Sentiment | None = None


@dataclass(frozen=True)
class ActionItem:
    """Something someone is to do.

    ``definitive`` separates firm commitments ("I will send it") from tentative ideas
    ("maybe we could…"). ``due`` is timezone-aware when known.
    """

    id: str
    text: str
    assignee: Person | None = None
    due: datetime | None = None
    definitive: bool = False
    message_ids: tuple[str, ...] = ()
    speaker: Person | None = None
    score: float | None = None


@dataclass(frozen=True)
class FollowUp(ActionItem):
    """A later meeting, check-in or something to send afterwards; same shape as an action item."""


@dataclass(frozen=True)
class Question:
    """A question asked in the meeting."""

    id: str
    text: str
    asked_by: Person | None = None
    message_ids: tuple[str, ...] = ()
    score: float | None = None


@dataclass(frozen=True)
class SummaryItem:
    """One sentence or paragraph of the meeting summary, with the messages it was drawn from."""

    id: str
    text: str
    message_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conversation:
    """Metadata of a processed conversation."""

    id: str
    name: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    @property
    def duration_seconds(self) -> float | None:
        if self.start and self.end:
            return max(0.0, (self.end - self.start).total_seconds())
        return None


@dataclass(frozen=True)
class Insights:
    """Everything the app posts about one conversation."""

    conversation: Conversation
    messages: tuple[Message, ...] = ()
    topics: tuple[Topic, ...] = ()
    action_items: tuple[ActionItem, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    questions: tuple[Question, ...] = ()
    members: tuple[Person, ...] = ()
    summary: tuple[SummaryItem, ...] | None = None  # None when the engine was not asked for one
    notice: str | None = None  # a caveat the engine has for readers, e.g. insights found in English speech only

    def message(self, message_id: str) -> Message | None:
        """The message with this id, if the transcript has it."""
        return next((m for m in self.messages if m.id == message_id), None)

    @property
    def duration_seconds(self) -> float | None:
        """The conversation's length: from its metadata, else from the last message's end."""
        if self.conversation.duration_seconds is not None:
            return self.conversation.duration_seconds
        ends = [
            (m.offset_seconds or 0.0) + (m.duration_seconds or 0.0)
            for m in self.messages
            if m.offset_seconds is not None
        ]
        return max(ends) if ends else None
