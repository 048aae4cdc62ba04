"""Symbl Slack bot: turns shared meeting recordings into insights posted back into Slack."""

__version__ = "0.1.0"
