"""Turning the people a meeting names into Slack users, so owners can be mentioned and picked.

In order of trust: a choice someone made in Slack for this conversation (an override), the person's email
(``users.lookupByEmail``), then their name matched against the channel's members. A name only counts when it
fits exactly one member: a wrong mention is worse than a plain name.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence

from bot.errors import SlackError
from bot.models import Person
from bot.slack_io import Member, SlackIO
from bot.store.ledger import person_key

log = logging.getLogger(__name__)

RETRY_MEMBERS_SECONDS = 600.0


def _normal(name: str) -> str:
    return " ".join(name.replace(".", " ").replace("_", " ").split()).lower()


def match_member(name: str, members: Sequence[Member]) -> str | None:
    """The one member this name fits: a full name or handle equal to one of theirs, else a unique first name."""
    target = _normal(name)
    if not target:
        return None
    exact = {m.id for m in members if target in {_normal(n) for n in m.names}}
    if exact:
        return exact.pop() if len(exact) == 1 else None
    if " " in target:
        return None
    by_first_name = {m.id for m in members if any(_normal(n).split()[:1] == [target] for n in m.names)}
    return by_first_name.pop() if len(by_first_name) == 1 else None


class OwnerResolver:
    """Finds Slack users for a meeting's people; asks Slack only for what the overrides do not settle."""

    def __init__(self, slack: SlackIO):
        self.slack = slack
        self._unlistable: dict[str, float] = {}  # channel -> when to try listing its members again

    def resolve(self, channel_id: str, people: Iterable[Person], overrides: Mapping[str, str]) -> dict[str, str]:
        """person key (``bot.store.ledger.person_key``) -> Slack user id, for everyone it can place."""
        found: dict[str, str] = {}
        members: list[Member] | None = None
        members_loaded = False
        for person in people:
            key = person_key(person.name, person.email)
            if key is None or key in found:
                continue
            name_key = person_key(person.name)
            user_id = overrides.get(key) or (overrides.get(name_key) if name_key else None)
            if not user_id and person.email:
                user_id = self.slack.user_for_email(person.email)
            if not user_id and person.name:
                if not members_loaded:
                    members, members_loaded = self._members(channel_id), True
                user_id = match_member(person.name, members or [])
            if user_id:
                found[key] = user_id
        return found

    def member_names(self, channel_id: str) -> tuple[str, ...]:
        """The channel's human members, each by the first name Slack has (the real name when set); () if unlisted."""
        return tuple(m.names[0] for m in self._members(channel_id) or () if m.names)

    def _members(self, channel_id: str) -> list[Member] | None:
        if self._unlistable.get(channel_id, 0.0) > time.monotonic():
            return None  # Slack refused lately; asking for every meeting would only repeat the refusal
        try:
            return self.slack.channel_members(channel_id)
        except Exception as exc:  # names are a convenience: without the member list, owners stay plain names
            reason = exc.code if isinstance(exc, SlackError) else type(exc).__name__
            log.warning("could not list the channel's members to match owners by name: %s", reason)
            self._unlistable[channel_id] = time.monotonic() + RETRY_MEMBERS_SECONDS
            return None


def owners_mapping(people: Iterable[Person], resolved: Mapping[str, str]) -> dict[str, str]:
    """The ``owners`` mapping the renderers read (lower-cased email, name, lower-cased name -> user id)."""
    mapping: dict[str, str] = {}
    for person in people:
        user_id = resolved.get(person_key(person.name, person.email) or "")
        if not user_id:
            continue
        if person.email:
            mapping[person.email.strip().lower()] = user_id
        if person.name:
            mapping[person.name.strip()] = user_id
            mapping[person.name.strip().lower()] = user_id
    return mapping
