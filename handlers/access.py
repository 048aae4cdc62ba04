"""Who may see a meeting, and the one answer for a meeting they may not see (shared by ``append`` and ``forget``)."""

from __future__ import annotations

from bot.services import Services

# The one answer for an id that does not exist and for a meeting the user may not see: the same bytes (the id
# is not even echoed), so the reply cannot tell anyone which ids exist.
NOT_FOUND = "I couldn't find that conversation among the meetings you can see."


def may_see(services: Services, command: dict, channel_id: str) -> bool:
    """Whether the person who typed the command may see a meeting processed in ``channel_id``.

    Slack only delivers a command from a channel its author is in, so the same channel needs no question;
    otherwise Slack is asked (``conversations.members``, cached for a minute), so only after the ack.
    """
    if channel_id == command["channel_id"]:
        return True
    user_id = command.get("user_id")
    return bool(user_id) and services.slack.is_member(channel_id, user_id)
