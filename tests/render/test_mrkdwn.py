"""Escaping, clipping, durations and date tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.render.mrkdwn import clip, clip_mrkdwn, escape_mrkdwn, format_duration, link, slack_date


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel> look", "&lt;!channel&gt; look"),
        ("ping <@U123>", "ping &lt;@U123&gt;"),
        ("<http://evil.example|click me>", "&lt;http://evil.example|click me&gt;"),
        ("Q&A sync", "Q&amp;A sync"),
        ("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"),
        ("plain *bold* text", "plain *bold* text"),
    ],
)
def test_escape_neutralises_mentions_links_and_ampersands(raw, escaped):
    assert escape_mrkdwn(raw) == escaped


def test_escape_leaves_slack_escaped_text_alone_so_users_never_see_amp():
    assert escape_mrkdwn("Q&amp;A &lt;!here&gt;") == "Q&amp;A &lt;!here&gt;"
    assert escape_mrkdwn("&ampersand &copy;") == "&amp;ampersand &amp;copy;"


@pytest.mark.parametrize("raw", ["<!channel>", "a & b", "&amp;lt;", "<<>>&&", "x &lt y"])
def test_escape_is_idempotent(raw):
    once = escape_mrkdwn(raw)
    assert escape_mrkdwn(once) == once
    assert "<" not in once
    assert ">" not in once


def test_clip_marks_the_cut():
    assert clip("short", 10) == "short"
    assert clip("a" * 20, 10) == "a" * 9 + "…"
    assert len(clip("a" * 20, 10)) == 10


def test_clip_mrkdwn_never_leaves_half_an_entity_or_token():
    assert clip_mrkdwn("abc &amp; def", 7) == "abc…"
    assert clip_mrkdwn("due <!date^1^{date}|Jul 1>", 12) == "due…"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, None), (20, "under 1 min"), (42 * 60, "42 min"), (65 * 60, "1 h 05 min"), (3 * 3600 + 600, "3 h 10 min")],
)
def test_duration_reads_naturally(seconds, text):
    assert format_duration(seconds) == text


def test_slack_date_token_with_fallback_in_the_given_zone():
    due = datetime(2020, 7, 11, 3, 0, tzinfo=UTC)
    assert slack_date(due) == "<!date^1594436400^{date_short_pretty}|Jul 11, 2020>"
    # 03:00 UTC is still the previous evening in Los Angeles.
    assert slack_date(due, tz="America/Los_Angeles").endswith("|Jul 10, 2020>")
    assert slack_date(due, tz="Not/AZone").endswith("|Jul 11, 2020>")


def test_link_wraps_safe_https_urls_and_escapes_the_label():
    url = "https://acme.slack.com/archives/C1/p1?thread_ts=1.2&cid=C1"
    assert (
        link(url, "Q&A <sync>")
        == "<https://acme.slack.com/archives/C1/p1?thread_ts=1.2&amp;cid=C1|Q&amp;A &lt;sync&gt;>"
    )


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "http://acme.example/x",
        "javascript:alert(1)",
        "https://a.example/x|<!channel>",
        "https://a b",
        "https://a.example/" + "x" * 1000,
    ],
)
def test_link_is_the_escaped_label_alone_for_a_missing_or_unsafe_url(url):
    assert link(url, "<!channel> sync") == "&lt;!channel&gt; sync"
