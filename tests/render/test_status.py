"""The status message, the failure message and the help."""

from __future__ import annotations

import pytest

from bot.errors import DownloadError, user_text
from bot.render import STAGES, render_failure, render_help, render_status
from tests.render.helpers import all_text, only_safe_tokens, validated


@pytest.mark.parametrize("stage", list(STAGES))
def test_every_stage_renders_valid_blocks(stage):
    payload = render_status(stage, name="Weekly sync")
    validated(payload)
    assert payload["text"].startswith(f"Weekly sync: {STAGES[stage].emoji} {STAGES[stage].label}")


def test_stages_read_as_the_user_expects_with_a_progress_bar():
    queued = render_status("queued", name="Weekly sync")
    assert all_text(queued).startswith("*⏳ Queued…*\nWeekly sync")
    assert "▰▱▱▱▱ 1/5" in all_text(queued)
    processing = render_status("processing", name=None)
    assert "*🎧 Transcribing…*\nyour recording" in all_text(processing)
    assert "▰▰▰▱▱ 3/5" in all_text(processing)
    assert "*⬆️ Uploading the recording…*" in all_text(render_status("uploading", name="x"))


def test_every_stage_the_job_store_records_has_its_own_label():
    from bot.store.tables import Stage

    for stage in (*Stage.ACTIVE, *Stage.TERMINAL):
        assert stage in STAGES


def test_end_states_have_no_progress_bar():
    for stage in ("done", "failed", "deadline"):
        blocks = render_status(stage, name="x")["blocks"]
        assert [b["type"] for b in blocks] == ["section"]


def test_unknown_stage_does_not_break_the_update():
    payload = render_status("teleporting", name="x")
    validated(payload)
    assert "Working…" in payload["text"]


def test_detail_and_name_are_escaped():
    payload = render_status("processing", name="<!channel> sync", detail="ETA <@U1> 3 min & more")
    text = all_text(payload) + payload["text"]
    assert "<!channel>" not in text
    assert "<@U1>" not in text
    assert "ETA &lt;@U1&gt; 3 min &amp; more" in text
    assert only_safe_tokens(payload)


def test_failure_shows_the_reason_escaped():
    reason = user_text(DownloadError("The link returned a web page, not a recording <!here>."))
    payload = render_failure(reason, name="Weekly sync")
    validated(payload)
    text = all_text(payload)
    assert text.startswith("❌ *I couldn't process Weekly sync.*\n")
    assert "not a recording &lt;!here&gt;." in text
    assert payload["text"].startswith("❌ I couldn't process Weekly sync.")


def test_failure_with_a_huge_reason_stays_valid():
    validated(render_failure("x" * 10_000, name="n" * 1000))


def test_help_lists_every_subcommand():
    payload = render_help()
    validated(payload)
    text = all_text(payload)
    for usage in (
        "/symbl help",
        "/symbl process <url> [name]",
        "/symbl append <conversation-id> <url>",
        "/symbl status",
        "/symbl auto on|off",
        "/symbl digest now",
        "/symbl digest daily HH:MM [TZ] [always]",
        "/symbl digest weekly DAY HH:MM [TZ] [always]",
        "/symbl digest off",
        "/symbl settings",
    ):
        escaped = usage.replace("<", "&lt;").replace(">", "&gt;")
        assert f"`{escaped}`" in text
        assert escaped in payload["text"]
    assert only_safe_tokens(payload)
