"""The consent note and the retention line say how long meetings are kept, and whose setting that is."""

from __future__ import annotations

import json

from bot.render.consent import describe_retention, render_consent_note
from bot.retention_policy import RetentionInForce


def test_the_note_says_what_is_kept_for_how_long_and_how_to_have_it_deleted():
    note = render_consent_note(RetentionInForce(days=30, from_channel=True))
    said = note["text"]
    for words in ("transcript", "action items", "search index", "recording", "kept for 30 days", "/symbl forget"):
        assert words in said
    assert "<" not in json.dumps(note).replace("<!", "")  # usage is escaped: Slack would read <…> as a link
    assert "until someone deletes them" in render_consent_note(RetentionInForce(days=0, from_channel=False))["text"]


def test_the_settings_line_names_the_channel_or_the_workspace_default():
    assert "kept for 1 day (this channel's setting" in describe_retention(RetentionInForce.of(1, 90))
    assert "kept for 90 days (the workspace default" in describe_retention(RetentionInForce.of(None, 90))
    assert "until someone deletes them (this channel's setting" in describe_retention(RetentionInForce.of(0, 90))
