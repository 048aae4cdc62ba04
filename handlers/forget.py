"""``/symbl forget <conversation id | link to the meeting's thread>``.

Who may forget a meeting is partly Slack's to say (a workspace admin, from ``users.info``; a member of the
meeting's channel), and no Slack call may hold up the ack (#11): acknowledged at once, answered after it
(``handlers.commands.LATER``). The deleting itself is the jobs process's (``bot.forget``), step by step and resumable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs

from bot.services import Services
from bot.store.forget import Begun, ForgetStore
from handlers.access import NOT_FOUND, may_see

LOOKING = "Looking for that meeting; I'll answer here in a moment."
USAGE = "Use `/symbl forget <conversation-id>` or `/symbl forget <link to the meeting's thread>`."
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_LINK = re.compile(
    r"^<?https://(?P<host>[A-Za-z0-9.-]+)/archives/(?P<channel>[CGD][A-Z0-9]{2,30})/p(?P<ts>\d{16})"
    r"(?:\?(?P<query>[^|>]*))?(?:\|[^>]*)?>?$"
)


@dataclass(frozen=True)
class Target:
    conversation_id: str | None = None
    channel_id: str | None = None
    ts: str | None = None  # the linked message's thread (or the message itself)


def forget_text(command_text: str) -> str | None:
    """What follows ``forget`` in ``/symbl forget …``; None for any other command."""
    parts = (command_text or "").strip().split(None, 1)
    if not parts or parts[0].lower() != "forget":
        return None
    return parts[1].strip() if len(parts) > 1 else ""


def parse_target(text: str) -> Target | str:
    """The meeting named by an id or a thread link, or the problem in words."""
    if not text:
        return "Which meeting? " + USAGE
    if " " in text:
        return "Name one meeting at a time. " + USAGE
    if link := _LINK.match(text):
        if not link.group("host").endswith(".slack.com"):
            return "That isn't a link to a Slack message. " + USAGE
        ts = link.group("ts")
        thread = parse_qs(link.group("query") or "").get("thread_ts", [None])[0]
        if thread and not re.fullmatch(r"\d{10}\.\d{6}", thread):
            thread = None
        return Target(channel_id=link.group("channel"), ts=thread or f"{ts[:10]}.{ts[10:]}")
    if text.lower().startswith(("http", "<http")):
        return "That link doesn't point at a message. Copy it with *Copy link* on the meeting's notes. " + USAGE
    if _CONVERSATION_ID.match(text):
        return Target(conversation_id=text)
    return "That doesn't look like a conversation id (it is shown at the foot of a meeting's notes). " + USAGE


def _conversation_id(services: Services, team_id: str, target: Target) -> str | None:
    if target.conversation_id:
        record = services.store.conversation(team_id, target.conversation_id)
        return record.conversation_id if record else None
    record = services.store.conversation_in_thread(team_id, target.channel_id, target.ts)
    if record is not None:
        return record.conversation_id
    job = services.store.with_notes_message(team_id, target.channel_id, target.ts)  # a link to the notes
    return job.conversation_id if job else None


def answer_forget(services: Services, command: dict) -> str:
    """Check who asks and what, then start forgetting; the words for the person who asked."""
    target = parse_target(forget_text(command.get("text", "")) or "")
    if isinstance(target, str):
        return target
    team_id, user_id = command["team_id"], command.get("user_id")
    conversation_id = _conversation_id(services, team_id, target)
    record = services.store.conversation(team_id, conversation_id) if conversation_id else None
    if record is None or not user_id or not may_see(services, command, record.channel_id):
        return NOT_FOUND
    forget = ForgetStore(services.database)
    if user_id != forget.sharer(team_id, record.conversation_id) and not services.slack.is_admin(user_id):
        return (
            "Only the person who shared this recording, or a workspace admin, can delete its notes. "
            "Ask them, or an admin, to run `/symbl forget`."
        )
    if forget.is_processing(team_id, record.conversation_id):
        return "That meeting is still being processed. Try again once its notes are posted."
    begun = forget.begin(team_id, record.conversation_id, user_id)
    services.wake()
    if begun is Begun.GONE:
        return NOT_FOUND
    if begun is Begun.ALREADY:
        return "That meeting is already being deleted."
    return (
        "Deleting that meeting: its transcript, notes, action items and search entries, here and with the "
        "transcription service. Its notes message will say it was deleted."
    )
