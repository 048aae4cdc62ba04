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


def test_a_long_wait_shows_the_time_so_far_and_the_estimate_beside_the_bar():
    from bot.render.status import render_status as status

    payload = status("processing", name="Weekly sync", elapsed_seconds=12 * 60 + 10, seconds_left=5 * 60)
    validated(payload)
    assert "▰▰▰▱▱ 3/5 · 12 min so far · about 5 min left" in all_text(payload)
    assert payload["text"].endswith("(12 min so far · about 5 min left)")
    # An estimate that ran out while the work goes on never reads as a negative or zero time.
    assert "almost done" in all_text(status("processing", name="x", elapsed_seconds=600, seconds_left=0))
    # The first minute shows no "under 1 min so far" noise; without an estimate, only the time so far.
    assert "so far" not in all_text(status("queued", name="x", elapsed_seconds=20))
    assert "left" not in all_text(status("processing", name="x", elapsed_seconds=3600 + 300))
    assert "1 h 05 min so far" in all_text(status("processing", name="x", elapsed_seconds=3600 + 300))


def test_the_status_message_ends_as_a_one_line_pointer_to_the_outcome_below():
    from bot.render.status import render_pointer

    done, failed = render_pointer("done", name="<!here> sync.mp4"), render_pointer("failed", name=None)
    for payload in (done, failed):
        validated(payload)
        assert len(payload["blocks"]) == 1 and "\n" not in all_text(payload)
        assert only_safe_tokens(payload)
    assert all_text(done) == "✅ Notes for &lt;!here&gt; sync.mp4 below"
    assert all_text(failed) == "❌ I couldn't process your recording: see below"


def test_a_commands_parent_message_stops_promising_results_once_they_are_there():
    from bot.render.status import render_parent

    asked = render_parent(user_id="U1", appending=False, label="All hands <!channel>")
    assert asked["text"] == (
        "🎙️ <@U1> asked me to process *All hands &lt;!channel&gt;*. Results will follow in this thread."
    )
    done = render_parent(user_id="U1", appending=True, label="x", outcome="done")["text"]
    assert "add a recording to" in done and "The notes are in this thread" in done and "will follow" not in done
    failed = render_parent(user_id=None, appending=False, label="x", outcome="failed")["text"]
    assert "could not be processed" in failed and "will follow" not in failed
