"""Symbl is never sent a transcript file as if it were audio: every submit and append route refuses it, in words."""

from __future__ import annotations

import io

import pytest

from bot.engines.base import MediaFile, MediaLink
from bot.engines.symbl import SymblEngine
from bot.errors import UnsupportedMediaError, user_text
from bot.models import MediaKind

VTT = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ana>Hello.</v>\n"


def test_every_route_refuses_a_transcript_before_any_request(symbl_emulator):
    engine = SymblEngine(symbl_emulator.url, symbl_emulator.app_id, symbl_emulator.app_secret)
    attempts = [
        lambda: engine.submit(MediaFile(io.BytesIO(VTT), MediaKind.TRANSCRIPT, content_type="text/vtt")),
        lambda: engine.submit(MediaFile(io.BytesIO(VTT), MediaKind.TRANSCRIPT), append_to="1234567890123456"),
        lambda: engine.submit(MediaLink("https://example.com/standup.vtt", MediaKind.TRANSCRIPT)),
        lambda: engine.submit(
            MediaLink("https://example.com/standup.vtt", MediaKind.TRANSCRIPT), append_to="1234567890123456"
        ),
    ]
    for attempt in attempts:
        with pytest.raises(UnsupportedMediaError) as refused:
            attempt()
        assert "read by the offline engine only" in user_text(refused.value)
    assert [r for r in symbl_emulator.requests if "/process/" in r.path] == []
