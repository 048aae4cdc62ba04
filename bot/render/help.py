"""The ``/symbl help`` answer."""

from __future__ import annotations

from bot.render.blocks import context, header, section
from bot.render.mrkdwn import escape_mrkdwn

COMMANDS = (
    ("/symbl process <url> [name]", "Transcribe a recording from a link and post its notes here."),
    ("/symbl append <conversation-id> <url>", "Add another recording to a conversation already processed."),
    ("/symbl status", "List the recordings being processed."),
    ("/symbl auto on|off", "Process every recording shared in this channel automatically, or stop."),
    ("/symbl digest now", "Post a digest of this channel's recent meetings now."),
    (
        "/symbl digest daily HH:MM [TZ] [always]",
        "Post a digest every day at that time (e.g. `daily 09:00 Europe/Paris`); `always` posts even after a day "
        "without meetings. The time zone defaults to yours.",
    ),
    ("/symbl digest weekly DAY HH:MM [TZ] [always]", "Post a digest every week (e.g. `weekly mon 09:00`)."),
    ("/symbl digest off", "Stop the scheduled digest."),
    ("/symbl settings", "Show this channel's settings."),
    ("/symbl help", "Show this help."),
)


def render_help() -> dict:
    """Usage of every ``/symbl`` subcommand, as a message payload."""
    # "<url>" must be escaped even inside backticks: Slack reads <…> as a link before it applies formatting.
    lines = "\n".join(f"`{escape_mrkdwn(usage)}` — {what}" for usage, what in COMMANDS)
    blocks = [
        header("Meeting notes bot"),
        section(lines),
        context("You can also just share a video or audio file in a channel where auto-processing is on."),
    ]
    text = "Usage: " + "; ".join(escape_mrkdwn(usage) for usage, _ in COMMANDS)
    return {"text": text, "blocks": blocks}
