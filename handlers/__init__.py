"""Slack listeners: module-level functions in one module per kind of input, registered here and only here.

Every listener is a plain function whose first parameter is the app's ``Services``; the rest are Bolt's usual
arguments by name (``ack``, ``command``, ``event``, ``body``, ``action``, ``view``, ``respond``, ``context``).
``register_handlers`` binds ``services`` with ``functools.partial`` (Bolt reads the remaining parameter names from
the partial, so it injects them as for any function). Why not a middleware putting ``services`` into Bolt's
``context``: Bolt deep-copies the context for each lazy listener, and a database engine, an HTTP client and their
locks cannot be copied (nor should they be, per request). A partial keeps the dependency explicit, and a test can
call a listener directly: ``commands.symbl(services, ack=..., command=..., context=...)``.

No Slack call before the ack. ``process_before_response=True`` (bot/app.py) makes Slack's answer wait for the
whole ack listener, and Slack's client sleeps on Retry-After, so an ack listener only reads and writes rows and
answers. Whatever needs Slack (a private note, a membership or time-zone question, a modal, a redraw) goes in the
listener's ``lazy=[...]`` function, which Bolt runs after the ack with a copy of the request, or to the jobs
process through a row. The ack listener can leave the lazy one a note in ``context`` (strings only: Bolt copies the
context for the lazy listener after the ack listener returned), as ``/symbl`` and ``message`` do.

How to add a listener: write it as a module-level function ``def on_x(services, ack, body, …)`` in the module for
its kind of input (a new module for a new kind), register it below with ``bind(...)`` next to its kind, put any Slack
call in a ``lazy=[bind(on_x_after_ack)]`` function, and add its case to ``tests/handlers/test_listeners.py`` (the ack
body, and no Slack call before the ack). A new ``/symbl`` subcommand is not a new listener: it is a case of
``commands.answer``, or of ``commands.LATER`` when its answer needs Slack. One listener per event type or action id:
Bolt runs only the first listener that matches, so two registrations for one input would depend on their order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from slack_bolt import App

from bot.render.ledger import ASSIGN_ACTION, DONE_ACTION, MENU_ACTION, SNOOZE_ACTION
from bot.render.ledger_views import REASSIGN_VIEW, SNOOZE_VIEW
from bot.services import Services
from handlers import actions, commands, events, search, uninstall, whoswho


def register_handlers(app: App, services: Services) -> None:
    """Register every listener, each input once (see the module's docstring for how to add one)."""

    def bind(listener: Callable[..., None]) -> Callable[..., None]:
        return functools.partial(listener, services)

    # /symbl and every subcommand (search and forget included): one listener that dispatches itself.
    app.command("/symbl")(ack=bind(commands.symbl), lazy=[bind(commands.symbl_after_ack)])

    # Events: every message (file shares, links) through one listener; the others are only acknowledged.
    app.event("message")(ack=bind(events.message), lazy=[bind(events.message_after_ack)])
    app.event("file_shared")(events.acknowledge_only)
    app.event("app_mention")(events.acknowledge_only)
    # Uninstall and revoked tokens: a row to erase by (bot.erasure runs it in the jobs process).
    app.event("app_uninstalled")(bind(uninstall.on_uninstalled))
    app.event("tokens_revoked")(bind(uninstall.on_tokens_revoked))

    # The ledger's ⋯ menu and its modals, then the controls of messages posted before the menu.
    app.action(MENU_ACTION)(ack=bind(actions.menu), lazy=[bind(actions.menu_after_ack)])
    app.view(REASSIGN_VIEW)(ack=bind(actions.reassign_submitted), lazy=[bind(actions.redraw_submitted)])
    app.view(SNOOZE_VIEW)(ack=bind(actions.snooze_submitted), lazy=[bind(actions.redraw_submitted)])
    app.action(DONE_ACTION)(ack=bind(actions.mark_done), lazy=[bind(actions.redraw_clicked)])
    app.action(ASSIGN_ACTION)(ack=bind(actions.assign), lazy=[bind(actions.redraw_clicked)])
    app.action(SNOOZE_ACTION)(ack=bind(actions.snooze), lazy=[bind(actions.snooze_after_ack)])

    # "Who's who" under the notes: a speaker's person picker, the "Same person…" menu, a recognised voice's Undo.
    for action_id in whoswho.ACTIONS:
        app.action(action_id)(ack=whoswho.ack_click, lazy=[bind(whoswho.after_click)])

    # The search answer's Previous / Next buttons.
    app.action(search.PAGE_ACTIONS)(ack=search.ack_page, lazy=[bind(search.page_after_ack)])
