"""``/symbl search …`` and its Previous/Next buttons.

Which meetings a person may search is Slack's to say (the channels they are a member of now), and no Slack call
may hold up the ack (#11): the command is acknowledged at once and answered after it (``handlers.commands.LATER``)
through the ``response_url``. A page button is answered the same way (``page_after_ack``, a Bolt lazy listener),
with the membership asked again for the clicker.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re

from slack_bolt import Ack, Respond

from bot import search_query
from bot.render import search as render_search
from bot.render.mrkdwn import escape_mrkdwn
from bot.services import Services
from bot.store.digests import DigestStore
from bot.store.search import Hit, SearchIndex

log = logging.getLogger(__name__)

SEARCHING = "Searching the meetings you can see; I'll answer here in a moment."


def query_text(command_text: str) -> str | None:
    """What follows ``search`` in a ``/symbl search …`` command, or None for any other command."""
    parts = (command_text or "").strip().split(None, 1)
    if not parts or parts[0].lower() != "search":
        return None
    return parts[1] if len(parts) > 1 else ""


def _visible_channels(services: Services, *, team_id: str, user_id: str | None, here: str | None) -> list[str]:
    """Channels with meetings that the person is a member of now (Slack asked, each answer cached a minute)."""
    if not user_id:
        return []
    channels = SearchIndex(services.database).meeting_channels(team_id)
    # A command typed in a channel proves membership of it; every other channel is Slack's to say.
    return [c for c in channels if c == here or services.slack.is_member(c, user_id)]


def _with_permalinks(services: Services, team_id: str, hits: list[Hit]) -> list[Hit]:
    """Ask Slack once for the thread link of shown meetings that have none yet, and keep it."""
    digests = DigestStore(services.database)
    asked: dict[str, str | None] = {}
    done = []
    for hit in hits:
        if hit.permalink is None and hit.thread_ts:
            if hit.conversation_id not in asked:
                asked[hit.conversation_id] = services.slack.permalink(hit.channel_id, hit.thread_ts)
                if asked[hit.conversation_id]:
                    digests.set_permalink(team_id, hit.conversation_id, asked[hit.conversation_id])
            done.append(dataclasses.replace(hit, permalink=asked[hit.conversation_id]))
        else:
            done.append(hit)
    return done


def run_search(services: Services, *, team_id: str, user_id: str | None, here: str | None, text: str, page: int = 0):
    """The answer to a search: ``{"text", "blocks"?}``, for the person who asked only."""
    parsed = search_query.parse(text)
    if isinstance(parsed, search_query.QueryProblem):
        return {"text": parsed.text}
    channels = _visible_channels(services, team_id=team_id, user_id=user_id, here=here)
    if parsed.channel_id:
        channels = [c for c in channels if c == parsed.channel_id]
    elif parsed.channel_name:
        channels = [c for c in channels if services.slack.channel_name(c) == parsed.channel_name]
    speakers: tuple[str, ...] = ()
    if parsed.speaker_user_id:
        speakers = services.slack.user_names(parsed.speaker_user_id)
        if not speakers:
            return {"text": "I couldn't find that person in this workspace."}
    elif parsed.speaker:
        speakers = (parsed.speaker,)
    hits = SearchIndex(services.database).search(team_id, parsed, channels, speakers)
    page = min(max(page, 0), max(0, (len(hits) - 1) // render_search.PAGE_SIZE))
    shown = slice(page * render_search.PAGE_SIZE, (page + 1) * render_search.PAGE_SIZE)
    hits[shown] = _with_permalinks(services, team_id, hits[shown])
    log.info("search answered", extra={"hits": len(hits)})
    return render_search.render_results(hits, parsed, text, page)


def answer_command(services: Services, command: dict) -> dict:
    """The answer to ``/symbl search …`` (given after the ack: it asks Slack who is in which channel)."""
    return run_search(
        services,
        team_id=command["team_id"],
        user_id=command.get("user_id"),
        here=command.get("channel_id"),
        text=query_text(command.get("text", "")) or "",
    )


# Each page button has its own action id (Slack wants them unique within a message): one pattern for all.
PAGE_ACTIONS = re.compile(rf"^{render_search.PAGE_ACTION}_\d+$")


def ack_page(ack: Ack) -> None:
    ack()


def page_after_ack(services: Services, body: dict, action: dict, respond: Respond) -> None:
    """After the ack (Bolt lazy listener): the page asked for, searched again for whoever clicked."""
    try:
        value = json.loads(action.get("value") or "{}")
        text, page = str(value["q"]), int(value["page"])
    except (ValueError, KeyError, TypeError):
        respond(text="That search has expired; search again.", response_type="ephemeral")
        return
    payload = run_search(
        services,
        team_id=(body.get("team") or {}).get("id") or body.get("user", {}).get("team_id", ""),
        user_id=(body.get("user") or {}).get("id"),
        here=None,  # a click proves nothing about membership: every channel is asked
        text=text,
        page=page,
    )
    respond(
        text=payload["text"] or escape_mrkdwn(text),
        blocks=payload.get("blocks"),
        response_type="ephemeral",
        replace_original=True,
    )
