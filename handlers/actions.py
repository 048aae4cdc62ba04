"""Buttons and pickers on meeting notes and digests: *Mark done*, *Assign to…* and *Snooze*.

A click counts only for an item of the message it came from (see ``_clicked_on_its_message``); any other item
is answered like an unknown one. Each click is acknowledged at once, then makes one ledger write (Bolt verified
the request's signature like any other).
Redrawing the clicked message calls Slack, so it runs as a Bolt lazy listener after the acknowledgement; if it
is lost, the ledger already holds the change and the next redraw or digest shows it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_bolt import Ack, App, Respond

from bot.render.ledger import ASSIGN_ACTION, DONE_ACTION, SNOOZE_ACTION, SNOOZE_CHOICES, item_id_from_block_id
from bot.services import Services
from bot.store.tables import utcnow

log = logging.getLogger(__name__)

NOT_FOUND = "I couldn't find that action item any more; it may belong to a conversation that was removed."


def _team(body: dict) -> str:
    return (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or ""


def _item_id(action: dict) -> str | None:
    """The ledger item a control belongs to: a button's value, else the id carried by its block."""
    return action.get("value") or item_id_from_block_id(action.get("block_id") or "")


def _clicked_on_its_message(services: Services, body: dict, item_id: str) -> bool:
    """Whether the item belongs to the message the click came from: the notes of its own meeting, or a digest
    posted in the channel where that meeting was processed. A signed click names any item id it likes, so
    without this a button in one channel could close, assign or snooze another (private) channel's items."""
    team_id = _team(body)
    container = body.get("container") or {}
    channel_id, ts = container.get("channel_id"), container.get("message_ts")
    place = services.ledger.place(team_id, item_id)
    if not (channel_id and ts and place) or place[0] != channel_id:
        return False
    notes_job = services.store.with_status_message(team_id, channel_id, ts)
    if notes_job is not None:
        return notes_job.conversation_id == place[1]
    return services.digests.posted_at(team_id, channel_id, ts) is not None


def _honoured_item(services: Services, body: dict, action: dict) -> str | None:
    """The clicked control's item id when the click may change it, else None (an unknown item looks the same)."""
    item_id = _item_id(action)
    return item_id if item_id and _clicked_on_its_message(services, body, item_id) else None


def register(app: App, services: Services) -> None:
    """Register the ledger controls' listeners."""

    def redraw(body: dict, action: dict, respond: Respond) -> None:
        """After the ack: redraw the clicked message, or tell the clicker why nothing changed."""
        team_id = _team(body)
        container = body.get("container") or {}
        channel_id, ts = container.get("channel_id"), container.get("message_ts")
        try:
            item_id = _honoured_item(services, body, action)
            if not item_id or services.ledger.get(team_id, item_id) is None:
                respond(text=NOT_FOUND, response_type="ephemeral", replace_original=False)
                return
            if channel_id and ts and not services.notes.refresh(team_id, channel_id, ts):
                services.digest_writer.refresh(team_id, channel_id, ts)
        except Exception:
            log.exception("could not redraw a message after a click", extra={"team_id": team_id})

    def mark_done(ack: Ack, body: dict, action: dict) -> None:
        ack()
        if item_id := _honoured_item(services, body, action):
            services.ledger.mark_done(_team(body), item_id, (body.get("user") or {}).get("id") or "")

    def assign(ack: Ack, body: dict, action: dict) -> None:
        ack()
        item_id, user_id = _honoured_item(services, body, action), action.get("selected_user")
        if item_id and user_id:
            services.ledger.assign(_team(body), item_id, user_id)

    def snooze(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        choice = SNOOZE_CHOICES.get(((action.get("selected_option") or {}).get("value")) or "")
        item_id = _honoured_item(services, body, action)
        if item_id and choice:
            length: timedelta = choice[1]
            services.ledger.snooze(_team(body), item_id, utcnow() + length)
        elif item_id:
            labels = ", ".join(label for label, _ in SNOOZE_CHOICES.values())
            respond(text=f"I can only snooze for {labels}.", response_type="ephemeral", replace_original=False)

    app.action(DONE_ACTION)(ack=mark_done, lazy=[redraw])
    app.action(ASSIGN_ACTION)(ack=assign, lazy=[redraw])
    app.action(SNOOZE_ACTION)(ack=snooze, lazy=[redraw])
