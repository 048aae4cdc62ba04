"""The ``/symbl help`` answer: the commands in three short groups, so the usage reads at a glance."""

from __future__ import annotations

from bot.render.blocks import context, header, section
from bot.render.mrkdwn import escape_mrkdwn

GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Recordings",
        (
            ("/symbl process <url> [name]", "transcribe a recording from a link; its notes are posted here"),
            (
                "/symbl append <conversation-id> <url>",
                "add a recording to a meeting already processed (the ID is at the foot of its notes)",
            ),
            ("/symbl status", "the recordings being processed"),
            ("/symbl auto on|off", "process every recording shared in this channel, or stop"),
        ),
    ),
    (
        "Digests",
        (
            ("/symbl digest now", "a digest of this channel's recent meetings, now"),
            (
                "/symbl digest daily HH:MM [TZ] [always]",
                "every day, e.g. `daily 09:00 Europe/Paris` (your time zone by default); "
                "`always` posts after a day without meetings too",
            ),
            ("/symbl digest weekly DAY HH:MM [TZ] [always]", "every week, e.g. `weekly mon 09:00`"),
            ("/symbl digest off", "stop the scheduled digest"),
        ),
    ),
    (
        "Meeting memory",
        (
            (
                "/symbl search <words>",
                'find what was said in the meetings of channels you are in; "a phrase", `from:@person`, '
                "`in:#channel`, `after:2026-01-31`, `before:…`",
            ),
            ("/symbl forget <conversation-id | thread link>", "delete a meeting's notes and transcript for good"),
            (
                "/symbl retention <days>|off",
                "forget this channel's meetings older than that many days (1 to 3650), or keep them",
            ),
        ),
    ),
    (
        "Your voice (opt-in)",
        (
            ("/symbl voice on", "let this workspace remember your voice, so later meetings can name you"),
            ("/symbl voice off", "delete your stored voice now"),
            ("/symbl voice", "what is stored about your voice"),
        ),
    ),
    (
        "This channel",
        (
            ("/symbl settings", "this channel's settings"),
            ("/symbl help", "this help"),
        ),
    ),
)
COMMANDS = tuple(command for _, commands in GROUPS for command in commands)


def render_help() -> dict:
    """Usage of every ``/symbl`` subcommand, as a message payload."""
    # "<url>" must be escaped even inside backticks: Slack reads <…> as a link before it applies formatting.
    blocks = [header("Meeting notes bot")]
    for title, commands in GROUPS:
        lines = "\n".join(f"`{escape_mrkdwn(usage)}` {what}" for usage, what in commands)
        blocks.append(section(f"*{title}*\n{lines}"))
    blocks.append(context("Or just share a video or audio file in a channel where auto-processing is on."))
    text = "Usage: " + "; ".join(escape_mrkdwn(usage) for usage, _ in COMMANDS)
    return {"text": text, "blocks": blocks}
