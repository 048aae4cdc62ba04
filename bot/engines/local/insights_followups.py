"""Follow-ups: a later meeting, discussion or check-in among the participants, or this meeting's write-up.

"We'll meet next Tuesday", "let's discuss it at the next meeting", "I'll talk to you more about it later", "the
next meeting starts in thirty minutes", "we'll let you know when we're done", "I'm gonna send out the minutes".
A deadline that names a meeting ("by the next meeting") arranges none; work done alone later ("I will review it
tomorrow") is an action item.
"""

from __future__ import annotations

import enum
import re

from bot.engines.local.insights_roles import ADDRESSEE, SPEAKER


class NoFollowUp(enum.Enum):
    """The clause states no follow-up (distinct from a follow-up owned by nobody in particular, ``None``)."""

    NO = enum.auto()


NO_FOLLOW_UP = NoFollowUp.NO

_FOLLOW_UP_SUBJECT = re.compile(
    r"\b(?:let's|let us|we'll|we will|we should|should we|shall we|we can|can we|could we|i'll|i will|we're going to"
    r"|i'm going to|i'm gonna|we're gonna|we are gonna|we need to|can you|could you|please)\b",
    re.IGNORECASE,
)
# Together, or the speaker with the one addressed: "I'll talk to you more about it later".
_JOINT_SUBJECT = re.compile(
    r"\b(?:let's|let us|we|we'll|we're|us)\b|\b(?:meet|talk|sync|catch up|speak)\s+(?:again\s+)?with\b"
    r"|\b(?:talk|speak|chat)\s+(?:to|with)\s+you\b",
    re.IGNORECASE,
)
# The next meeting being fixed: "The next meeting starts in thirty minutes", "there's a meeting next week".
_NEXT_MEETING = re.compile(
    r"\bnext meeting (?:is|starts|will be|'s)\b"
    r"|\b(?:there's|there is|we have|we've got)\s+(?:a|another|the)\s+meeting\s+(?:next|on|tomorrow|this)\b",
    re.IGNORECASE,
)
_MEETING_VERB = re.compile(
    r"\b(?:discussion|get together|meet|talk|discuss|sync|catch up|review|go over|regroup|reconvene|revisit"
    r"|pick (?:this|it) up)\b",
    re.IGNORECASE,
)
_LATER = re.compile(
    # "why don't we meet Monday": a bare weekday is a later day too
    r"\b(?:again|later|next|further|another time|tomorrow|monday|tuesday|wednesday|thursday|friday"
    r"|in (?:a|an|one|two|three|"
    r"four|a couple of|a few) (?:days?|weeks?|months?)|at the [a-z ]*meeting|in our next|after (?:the|this))\b",
    re.IGNORECASE,
)
_FOLLOW_UP_PHRASE = re.compile(
    r"\b(?:circle back|check in|checking in|follow up|following up|touch base|get back to|report back|loop back"
    r"|let (?:you|him|her|them|everyone|the team|us) know|keep (?:you|everyone) posted)\b",
    re.IGNORECASE,
)
_BOOK_MEETING = re.compile(
    r"\b(?:book|schedule|set up|arrange|plan|organize|send (?:out )?an? invite for)\b[a-z ]*?\b"
    r"(?:meeting|call|session|sync|follow up|check in|one on one|catch up)\b",
    re.IGNORECASE,
)
_SEND_RECAP = re.compile(
    r"\b(?:send|share|post|circulate|write up|type up)\s+(?:out\s+|round\s+|around\s+)?(?:the|a|our|my)?\s*"
    r"(?:[a-z]+\s+)?(?:summary|recap|notes|minutes)\b"
    # "I will summarise the things we discussed and put it in the project folder"
    r"|\bsummari[sz]e\s+(?:what we|the things we|everything we|today's|this meeting|the meeting|the discussion)",
    re.IGNORECASE,
)


# A deadline names a meeting without arranging one: "what we're gonna aim to get together by the next meeting".
_DEADLINE_MEETING = re.compile(r"\b(?:by|before|for|until)\s+(?:the\s+)?next\s+(?:meeting|time|session)\b", re.I)


def find_follow_up(clause: str) -> str | NoFollowUp | None:
    """Whose follow-up ``clause`` states (SPEAKER, ADDRESSEE or None for everyone), or NO_FOLLOW_UP."""
    clause = _DEADLINE_MEETING.sub(" ", clause)
    if _NEXT_MEETING.search(clause):
        return None
    if _FOLLOW_UP_PHRASE.search(clause) or _BOOK_MEETING.search(clause) or _SEND_RECAP.search(clause):
        if not (_FOLLOW_UP_SUBJECT.search(clause) or re.search(r"\b(?:i|we)\s*(?:'ll|will)\b", clause, re.IGNORECASE)):
            return NO_FOLLOW_UP
    elif not (
        (_MEETING_VERB.search(clause) or re.search(r"\btogether\b", clause, re.IGNORECASE))
        and _LATER.search(clause)
        and _JOINT_SUBJECT.search(clause)
    ):
        # "I will review it tomorrow" is work done alone; a follow-up meeting needs "we", "let's" or a "with".
        return NO_FOLLOW_UP
    # Who does it is the first subject said: "I will summarise the things we discussed" is the speaker's.
    subject = re.search(r"\b(?:i|i'll|i'm|me|we|we'll|we're|let's|us)\b", clause, re.IGNORECASE)
    if subject and subject.group(0).lower() in {"i", "i'll", "i'm", "me"}:
        owner: str | None = SPEAKER
    elif re.search(r"\b(?:can|could|will|would) you\b|^please\b", clause, re.IGNORECASE):
        owner = ADDRESSEE
    else:
        owner = None
    return owner
