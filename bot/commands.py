"""The ``/symbl`` grammar, parsed by a pure function so every form and every mistake is easy to test.

/symbl help
/symbl process <url> [name]
/symbl append <conversation-id> <url>
/symbl status
/symbl auto on|off
/symbl digest now | daily HH:MM [TZ] [always] | weekly DAY HH:MM [TZ] [always] | off
/symbl retention <days> | off | default
/symbl settings
/symbl voice [on|off]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Slack may hand links over escaped as <url> or <url|label> (when the command escapes them).
_ESCAPED_LINK = re.compile(r"^<(?P<url>[^>|]+)(?:\|[^>]*)?>$")
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class Help:
    problem: str | None = None  # set when the input was not understood


@dataclass(frozen=True)
class Process:
    url: str
    name: str | None = None


@dataclass(frozen=True)
class Append:
    conversation_id: str
    url: str


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class Auto:
    enabled: bool


@dataclass(frozen=True)
class Digest:
    """``now``, ``off``, or a schedule (its words are parsed by ``bot.digest.schedule.parse_schedule``)."""

    action: str  # "now" | "off" | "schedule"
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShowSettings:
    pass


@dataclass(frozen=True)
class Retention:
    """Days this channel's meetings are kept: 0 keeps them (``off``), None follows the workspace (``default``)."""

    days: int | None


@dataclass(frozen=True)
class Voice:
    """``on`` (remember my voice in this workspace), ``off`` (forget it now) or ``show`` (what is stored)."""

    action: str  # "on" | "off" | "show"


MAX_RETENTION_DAYS = 3650  # ten years: beyond it a "retention" is a typo, not a policy
RETENTION_USAGE = (
    f"Use `/symbl retention <days>` with a whole number of days from 1 to {MAX_RETENTION_DAYS}, "
    "`/symbl retention off` to keep meetings until someone deletes them, "
    "or `/symbl retention default` for the workspace's setting."
)

Command = Help | Process | Append | Status | Auto | Digest | ShowSettings | Retention | Voice


def _unescape_link(token: str) -> str:
    match = _ESCAPED_LINK.match(token)
    return match.group("url") if match else token


def _parse_process(args: list[str]) -> Process | Help:
    if not args:
        return Help("`process` needs the link to a recording: `/symbl process <url> [name]`.")
    name = " ".join(args[1:]).strip()[:MAX_NAME_LENGTH] or None
    return Process(url=_unescape_link(args[0]), name=name)


def _parse_append(args: list[str]) -> Append | Help:
    if len(args) != 2:
        return Help("`append` needs a conversation id and a link: `/symbl append <conversation-id> <url>`.")
    if not _CONVERSATION_ID.match(args[0]):
        return Help("That conversation id doesn't look right: it is the id shown with a processed meeting.")
    return Append(conversation_id=args[0], url=_unescape_link(args[1]))


def _parse_digest(args: list[str]) -> Digest | Help:
    first = args[0].lower() if args else ""
    if first in {"now", "off"} and len(args) == 1:
        return Digest(action=first)
    if first in {"daily", "weekly"}:
        return Digest(action="schedule", args=tuple(args))
    return Help(
        "Use `/symbl digest now`, `/symbl digest daily 09:00 [TZ]`, `/symbl digest weekly mon 09:00 [TZ]` "
        "or `/symbl digest off`."
    )


def _parse_retention(args: list[str]) -> Retention | Help:
    if len(args) != 1:
        return Help(RETENTION_USAGE)
    word = args[0].lower()
    if word in {"off", "default"}:
        return Retention(days=0 if word == "off" else None)
    # Digits only: "1.5", "-3", "1e3" and "٣" (int() takes other scripts' digits) are not a number of days here.
    if not (word.isascii() and word.isdigit()) or not 1 <= int(word) <= MAX_RETENTION_DAYS:
        shown = word if len(word) <= 20 else word[:20] + "…"
        return Help(f"`{shown}` isn't a number of days I can keep meetings for. {RETENTION_USAGE}")
    return Retention(days=int(word))


def _parse_voice(args: list[str]) -> Voice | Help:
    if not args:
        return Voice(action="show")
    if len(args) == 1 and args[0].lower() in {"on", "off"}:
        return Voice(action=args[0].lower())
    return Help("Use `/symbl voice on`, `/symbl voice off` or `/symbl voice` (what is stored).")


def parse(text: str) -> Command:
    """Parse the text after ``/symbl``; anything not understood becomes ``Help`` with the problem named."""
    words = (text or "").split()
    if not words:
        return Help()
    verb, args = words[0].lower(), words[1:]
    match verb:
        case "help":
            return Help()
        case "process":
            return _parse_process(args)
        case "append":
            return _parse_append(args)
        case "status":
            return Status()
        case "auto":
            if len(args) == 1 and args[0].lower() in {"on", "off"}:
                return Auto(enabled=args[0].lower() == "on")
            return Help("Use `/symbl auto on` or `/symbl auto off`.")
        case "digest":
            return _parse_digest(args)
        case "settings":
            return ShowSettings()
        case "retention":
            return _parse_retention(args)
        case "voice":
            return _parse_voice(args)
        case _:
            shown = verb if len(verb) <= 30 else verb[:30] + "…"
            return Help(f"I don't know the command `{shown}`.")
