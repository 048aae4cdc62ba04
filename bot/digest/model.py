"""The data a channel digest and the action-item ledger are drawn from: plain frozen values, no I/O.

The store turns its rows into these; the renderers (``bot/render/ledger.py``, ``bot/render/digest.py``) turn
these into Block Kit. Keeping them here lets both sides be tested alone.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


class ItemKind(enum.StrEnum):
    """What a ledger entry came from."""

    ACTION = "action"
    FOLLOW_UP = "follow_up"


class ItemStatus(enum.StrEnum):
    """Where an item is. ``superseded`` items were dropped by a later run over the same conversation."""

    OPEN = "open"
    DONE = "done"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class LedgerEntry:
    """One action item or follow-up as the ledger keeps it, with what people did to it since.

    ``owner_user_id`` is the Slack user it is assigned to (resolved from the assignee's email or name, or picked by
    someone); ``assignee_name`` is the name the meeting gave, shown when no Slack user is known.
    """

    id: str
    kind: ItemKind
    text: str
    conversation_id: str
    meeting_name: str | None = None
    assignee_name: str | None = None
    owner_user_id: str | None = None
    due: datetime | None = None
    definitive: bool = False
    status: ItemStatus = ItemStatus.OPEN
    done_by: str | None = None  # the Slack user who marked it done
    snoozed_until: datetime | None = None
    permalink: str | None = None  # the meeting's thread
    created_at: datetime | None = None

    def is_snoozed(self, now: datetime) -> bool:
        return self.snoozed_until is not None and self.snoozed_until > now


@dataclass(frozen=True)
class MeetingSummary:
    """A meeting processed in the channel during the digest's period."""

    conversation_id: str
    name: str | None
    duration_seconds: float | None = None
    permalink: str | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class OpenQuestion:
    """A question asked in a meeting that no later meeting in the channel answered."""

    text: str
    asked_by: str | None = None
    meeting_name: str | None = None
    permalink: str | None = None


@dataclass(frozen=True)
class TopicCount:
    """A topic across the period's meetings: its summed score and how many meetings raised it."""

    text: str
    score: float
    meetings: int = 1


@dataclass(frozen=True)
class DigestContent:
    """Everything one digest shows, for the period (``period_start``, ``period_end``]."""

    channel_id: str
    period_start: datetime
    period_end: datetime
    meetings: tuple[MeetingSummary, ...] = ()
    open_items: tuple[LedgerEntry, ...] = ()  # open action items, not snoozed at ``period_end``
    follow_ups: tuple[LedgerEntry, ...] = ()  # follow-ups from the period's meetings
    questions: tuple[OpenQuestion, ...] = ()
    topics: tuple[TopicCount, ...] = ()
    # When the channel's previous digest was posted (its period's end): an owner is pinged only for items that
    # became due or overdue since then. None for a channel's first digest.
    previous_digest_at: datetime | None = None
    owner_names: Mapping[str, str] = field(default_factory=dict)  # Slack user id -> name, to name without a ping

    @property
    def is_empty(self) -> bool:
        """No meeting in the period: a scheduled digest then posts nothing unless the channel asked for always."""
        return not self.meetings
