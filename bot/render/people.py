"""How a person appears in a result: a Slack mention when we know their Slack user, else their escaped name."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.models import Person
from bot.render.mrkdwn import clip, escape_mrkdwn

# Only ids of this shape become mentions, so a bad ``owners`` entry cannot inject a token such as "!channel".
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
MAX_NAME_CHARS = 60


def slack_user_for(person: Person, owners: Mapping[str, str] | None) -> str | None:
    """The Slack user id ``owners`` maps this person to, by lower-cased email first, then by name."""
    if not owners:
        return None
    keys = [person.email.strip().lower()] if person.email else []
    if person.name:
        keys += [person.name.strip(), person.name.strip().lower()]
    for key in keys:
        user_id = owners.get(key)
        if user_id and _SLACK_USER_ID.match(user_id):
            return user_id
    return None


def person_mrkdwn(person: Person | None, owners: Mapping[str, str] | None = None) -> str | None:
    """``<@U…>`` when known to Slack, else the escaped display name; None for nobody."""
    if person is None or not (person.name or person.email):
        return None
    user_id = slack_user_for(person, owners)
    if user_id:
        return f"<@{user_id}>"
    return escape_mrkdwn(clip(person.display_name, MAX_NAME_CHARS))
