"""Slack listeners, one module per kind of input; ``register_handlers`` is the only place they are wired."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, forget, search, whoswho


def register_handlers(app: App, services) -> None:
    """Register every listener. Order matters in Bolt: specific listeners before catch-alls."""
    search.register(app, services)  # /symbl search and forget: answered after the ack, before the general /symbl
    forget.register(app, services)
    commands.register(app, services)
    events.register(app, services)
    actions.register(app, services)
    whoswho.register(app, services)
