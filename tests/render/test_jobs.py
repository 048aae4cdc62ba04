"""The /symbl status list."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.render import JobSummary, render_job_list
from tests.render.helpers import all_text, only_safe_tokens, validated

T0 = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def test_no_jobs():
    payload = render_job_list([])
    validated(payload)
    assert payload["text"] == "No recordings are being processed right now."


def test_jobs_newest_first_with_stage_start_id_and_link():
    jobs = [
        JobSummary("Old call", "processing", T0, "111", "https://example.slack.com/archives/C1/p1?a=1&b=2"),
        JobSummary("New call", "queued", T0 + timedelta(minutes=5)),
    ]
    payload = render_job_list(jobs)
    validated(payload)
    text = all_text(payload)
    assert text.index("New call") < text.index("Old call")
    assert "• *Old call* · 🎧 Transcribing… · started <!date^1795615200^{date_short_pretty} {time}|" in text
    assert "`111` · <https://example.slack.com/archives/C1/p1?a=1&amp;b=2|view>" in text
    assert only_safe_tokens(payload)
    assert payload["text"] == "2 recordings are being processed."


def test_unsafe_permalinks_and_names_do_not_become_tokens():
    jobs = [
        JobSummary("<!channel>", "queued", T0, None, "javascript:alert(1)"),
        JobSummary("x", "queued", T0, None, "https://ok.example/a|<!channel>"),
    ]
    payload = render_job_list(jobs)
    assert only_safe_tokens(payload)
    text = all_text(payload)
    assert "<!channel>" not in text
    assert "javascript" not in text
    assert "|view>" not in text


def test_many_jobs_are_cut_with_more_line():
    jobs = [
        JobSummary(f"Recording {i} " + "z" * 100, "processing", T0 + timedelta(seconds=i), str(i)) for i in range(400)
    ]
    payload = render_job_list(jobs)
    validated(payload)
    text = all_text(payload)
    hidden = int(re.search(r"_\+(\d+) more_", text).group(1))
    assert text.count("• *Recording ") + hidden == 400


def test_jobs_left_out_by_the_query_are_counted_in_the_title_and_the_more_line():
    jobs = [JobSummary(f"Call {i}", "processing", T0 + timedelta(minutes=i)) for i in range(15)]
    payload = render_job_list(jobs, total=275)
    validated(payload)
    text = all_text(payload)
    assert "*Recordings in progress (275)*" in text
    assert text.count("• *Call ") == 15
    assert "_+260 more_" in text
    assert payload["text"] == "275 recordings are being processed."
