"""What a forgotten meeting's notes message becomes (pure)."""

from __future__ import annotations

from datetime import datetime

from bot.render.blocks import section
from bot.render.mrkdwn import slack_date


def render_forgotten(user_id: str, when: datetime, *, by_retention: bool = False) -> dict:
    """``Notes deleted at @person's request on <date>``: the person as a mention, the date in each reader's zone.

    A meeting the retention sweep forgot names the policy instead of a person.
    """
    if by_retention:
        text = f"Notes deleted by this channel's retention policy on {slack_date(when)}."
    else:
        text = f"Notes deleted at <@{user_id}>'s request on {slack_date(when)}."
    return {"text": text, "blocks": [section(f":wastebasket: {text}")]}
