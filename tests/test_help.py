"""The usage a person gets for ``/symbl help`` or a command the app does not know."""

from __future__ import annotations

from handlers.commands import help_payload


def _all_text(payload: dict) -> str:
    return "\n".join(b["text"]["text"] for b in payload["blocks"] if b.get("type") == "section")


def test_an_unknown_command_names_the_problem_and_lists_the_usage_once():
    payload = help_payload("I don't know the command `frobnicate`.")
    shown = _all_text(payload)
    assert shown.startswith("I don't know the command")
    assert shown.count("/symbl status") == 1
    assert "Usage:" not in shown  # the flattened one-line usage is only the notification fallback


def test_help_lists_every_command_once():
    shown = _all_text(help_payload(None))
    assert shown.count("/symbl settings") == 1
    assert shown.count("/symbl append") == 1
