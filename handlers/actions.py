"""The ledger controls on meeting notes and digests: each item's overflow menu (⋯) and the modals it opens.

The menu offers *Mark done*, *Reassign…* (*Assign…*), *Snooze…*, and *Undo* or *Un-snooze*. Done, Undo and
Un-snooze are one ledger write each; Reassign and Snooze open a modal (``views.open`` with the click's trigger_id)
whose submission makes the write. The buttons and pickers of messages posted before the menu keep working.

A click counts only for an item of the message it came from (see ``_belongs``); a modal carries that message in
its private_metadata, which Slack keeps and hands back unchanged, and is checked the same way on submission. Any
other item is answered like an unknown one. Each click is acknowledged at once, then makes one ledger write (Bolt
verified the request's signature like any other). Redrawing the message and opening a modal call Slack, so they
run as Bolt lazy listeners after the acknowledgement; if a redraw is lost, the ledger already holds the change
and the next redraw or digest shows it. No Slack call is made before the ack, not even a private answer.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from slack_bolt import Ack, Respond

from bot.render.ledger import (
    ASSIGN,
    DONE,
    REASSIGN,
    SNOOZE,
    SNOOZE_CHOICES,
    UNDO,
    UNSNOOZE,
    item_id_from_block_id,
)
from bot.render.ledger_views import (
    LENGTH_ACTION,
    LENGTH_BLOCK,
    OWNER_ACTION,
    OWNER_BLOCK,
    ViewTarget,
    reassign_view,
    snooze_view,
    submitted_value,
    view_target,
)
from bot.services import Services
from bot.store.tables import utcnow

log = logging.getLogger(__name__)

NOT_FOUND = "I couldn't find that action item any more; it may belong to a conversation that was removed."
_NEEDS_A_CHOICE = {REASSIGN, ASSIGN, SNOOZE}


def _team(body: dict) -> str:
    return (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or ""


def _user(body: dict) -> str:
    return (body.get("user") or {}).get("id") or ""


def _item_id(action: dict) -> str | None:
    """The ledger item a control belongs to: an old button's value, else the id carried by its block."""
    return action.get("value") or item_id_from_block_id(action.get("block_id") or "")


def _verb(action: dict) -> str:
    return str((action.get("selected_option") or {}).get("value") or "")


def _clicked(body: dict) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    return container.get("channel_id"), container.get("message_ts")


def _belongs(services: Services, team_id: str, channel_id: str | None, ts: str | None, item_id: str) -> bool:
    """Whether the item belongs to that message: the notes of its own meeting, or a digest posted in the channel
    where that meeting was processed. A signed click names any item id it likes, so without this a control in one
    channel could close, assign or snooze another (private) channel's items."""
    place = services.ledger.place(team_id, item_id)
    if not (channel_id and ts and place) or place[0] != channel_id:
        return False
    notes_job = services.store.with_notes_message(team_id, channel_id, ts)
    if notes_job is not None:
        return notes_job.conversation_id == place[1]
    return services.digests.posted_at(team_id, channel_id, ts) is not None


def _honoured_item(services: Services, body: dict, action: dict) -> str | None:
    """The clicked control's item id when the click may change it, else None (an unknown item looks the same)."""
    item_id = _item_id(action)
    channel_id, ts = _clicked(body)
    return item_id if item_id and _belongs(services, _team(body), channel_id, ts, item_id) else None


def _honoured_target(services: Services, body: dict, view: dict) -> ViewTarget | None:
    """The item a submitted modal is about, when the message it was opened from may change it."""
    target = view_target(view.get("private_metadata"))
    if target and _belongs(services, _team(body), target.channel_id, target.message_ts, target.item_id):
        return target
    return None


def _redraw_message(services: Services, team_id: str, channel_id: str | None, ts: str | None) -> None:
    if channel_id and ts and not services.notes.refresh(team_id, channel_id, ts):
        services.digest_writer.refresh(team_id, channel_id, ts)


def _not_found(respond: Respond) -> None:
    respond(text=NOT_FOUND, response_type="ephemeral", replace_original=False)


# -- the listeners (registered in handlers/__init__.py) ----------------------------------------------------------


def redraw_clicked(services: Services, body: dict, action: dict, respond: Respond) -> None:
    """After the ack (Bolt lazy listener): redraw the clicked message, or tell the clicker why nothing changed."""
    team_id = _team(body)
    try:
        item_id = _honoured_item(services, body, action)
        if not item_id or services.ledger.get(team_id, item_id) is None:
            _not_found(respond)
            return
        _redraw_message(services, team_id, *_clicked(body))
    except Exception:
        log.exception("could not redraw a message after a click", extra={"team_id": team_id})


# -- the menu ---------------------------------------------------------------------------------------------------


def menu(services: Services, ack: Ack, body: dict, action: dict) -> None:
    """A choice in an item's ⋯ menu: Done, Undo and Un-snooze are written here; the others open a modal later."""
    ack()
    verb, team_id = _verb(action), _team(body)
    if verb in _NEEDS_A_CHOICE or not (item_id := _honoured_item(services, body, action)):
        return
    if verb == DONE:
        services.ledger.mark_done(team_id, item_id, _user(body))
    elif verb == UNDO:
        services.ledger.reopen(team_id, item_id)
    elif verb == UNSNOOZE:
        services.ledger.unsnooze(team_id, item_id)


def menu_after_ack(services: Services, body: dict, action: dict, respond: Respond) -> None:
    """After the ack: open the modal a choice needs (its trigger_id lasts 3 s), else redraw the message."""
    if _verb(action) not in _NEEDS_A_CHOICE:
        redraw_clicked(services, body, action, respond)
        return
    team_id = _team(body)
    try:
        item_id = _honoured_item(services, body, action)
        entry = services.ledger.get(team_id, item_id) if item_id else None
        if entry is None:
            _not_found(respond)
            return
        channel_id, ts = _clicked(body)
        target = ViewTarget(entry.id, str(channel_id), str(ts))
        make = snooze_view if _verb(action) == SNOOZE else reassign_view
        services.slack.open_view(body.get("trigger_id") or "", make(entry, target, now=utcnow()))
    except Exception:
        log.exception("could not open a modal after a click", extra={"team_id": team_id})


# -- the modals -------------------------------------------------------------------------------------------------


def reassign_submitted(services: Services, ack: Ack, body: dict, view: dict) -> None:
    target, user_id = _honoured_target(services, body, view), submitted_value(view, OWNER_BLOCK, OWNER_ACTION)
    if target and user_id:
        services.ledger.assign(_team(body), target.item_id, user_id)
    ack()


def snooze_submitted(services: Services, ack: Ack, body: dict, view: dict) -> None:
    target = _honoured_target(services, body, view)
    choice = SNOOZE_CHOICES.get(submitted_value(view, LENGTH_BLOCK, LENGTH_ACTION) or "")
    if target and choice:
        services.ledger.snooze(_team(body), target.item_id, utcnow() + choice[1])
    ack()


def redraw_submitted(services: Services, body: dict, view: dict) -> None:
    """After a modal's ack (Bolt lazy listener): redraw the message it was opened from."""
    team_id = _team(body)
    try:
        if target := _honoured_target(services, body, view):
            _redraw_message(services, team_id, target.channel_id, target.message_ts)
    except Exception:
        log.exception("could not redraw a message after a modal", extra={"team_id": team_id})


# -- the controls of messages posted before the menu ----------------------------------------------------------


def mark_done(services: Services, ack: Ack, body: dict, action: dict) -> None:
    ack()
    if item_id := _honoured_item(services, body, action):
        services.ledger.mark_done(_team(body), item_id, _user(body))


def assign(services: Services, ack: Ack, body: dict, action: dict) -> None:
    ack()
    item_id, user_id = _honoured_item(services, body, action), action.get("selected_user")
    if item_id and user_id:
        services.ledger.assign(_team(body), item_id, user_id)


def snooze(services: Services, ack: Ack, body: dict, action: dict) -> None:
    ack()
    choice = SNOOZE_CHOICES.get(_verb(action))
    item_id = _honoured_item(services, body, action)
    if item_id and choice:
        length: timedelta = choice[1]
        services.ledger.snooze(_team(body), item_id, utcnow() + length)


def snooze_after_ack(services: Services, body: dict, action: dict, respond: Respond) -> None:
    """After the ack: a length the old picker never offered is refused in words, else the message is redrawn."""
    if _verb(action) not in SNOOZE_CHOICES and _honoured_item(services, body, action):
        labels = ", ".join(label for label, _ in SNOOZE_CHOICES.values())
        respond(text=f"I can only snooze for {labels}.", response_type="ephemeral", replace_original=False)
        return
    redraw_clicked(services, body, action, respond)
