"""The plain-text transcript uploaded as a file next to the result (a file, not mrkdwn: nothing is escaped)."""

from __future__ import annotations

from bot.models import Insights, Message
from bot.render.insights import meeting_title
from bot.render.mrkdwn import format_duration


def _clock(seconds: float) -> str:
    total = max(0, int(seconds))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def _offset(message: Message, first: Message) -> float | None:
    if message.offset_seconds is not None:
        return message.offset_seconds
    if message.start and first.start:
        return (message.start - first.start).total_seconds()
    return None


def transcript_text(insights: Insights) -> str:
    """A title line, a blank line, then one ``[HH:MM:SS] Speaker: text`` line per message."""
    duration = format_duration(insights.duration_seconds)
    title = f"Transcript: {meeting_title(insights)}" + (f" ({duration})" if duration else "")
    lines = [title, ""]
    if not insights.messages:
        lines.append("(no speech was transcribed)")
    for message in insights.messages:
        offset = _offset(message, insights.messages[0])
        stamp = f"[{_clock(offset)}] " if offset is not None else ""
        speaker = message.speaker.display_name if message.speaker else "Speaker"
        lines.append(f"{stamp}{speaker}: {' '.join(message.text.split())}")
    return "\n".join(lines) + "\n"
