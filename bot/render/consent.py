"""What the app keeps, in words: the retention in force, and the note a channel gets once (pure).

``<`` and ``>`` in the usage shown are escaped: Slack reads ``<…>`` as a link or mention even inside backticks.
"""

from __future__ import annotations

from bot.render.blocks import context, section
from bot.retention_policy import RetentionInForce


def kept_for(retention: RetentionInForce) -> str:
    """``for 30 days`` / ``until someone deletes them``."""
    if retention.days <= 0:
        return "until someone deletes them"
    return f"for {retention.days} day{'s' if retention.days != 1 else ''}"


def describe_retention(retention: RetentionInForce) -> str:
    """The ``/symbl settings`` line: how long, and whether the channel or the workspace decided it."""
    source = "this channel's setting" if retention.from_channel else "the workspace default"
    return f"*Retention:* meetings are kept {kept_for(retention)} ({source}; `/symbl retention &lt;days&gt;|off`)"


def render_consent_note(retention: RetentionInForce) -> dict:
    """The one note a channel gets when its recordings start being processed: what is kept, how long, and how anyone
    can have a meeting deleted."""
    text = (
        ":information_source: *Meeting notes are on in this channel.* For each recording shared here I keep its "
        "transcript, the notes drawn from it (action items, follow-ups, questions, topics), a search index of "
        f"both, and while it is processed a copy of the recording. They are kept {kept_for(retention)}."
    )
    how = (
        "Anyone can ask for a meeting to be deleted: its sharer or a workspace admin runs "
        "`/symbl forget &lt;link to its notes&gt;`. `/symbl retention &lt;days&gt;|off` sets how long meetings "
        "are kept, `/symbl auto off` stops processing."
    )
    return {"text": f"{text} {how}", "blocks": [section(text), context(how)]}
