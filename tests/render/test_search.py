"""The search answer: words in bold, everything from the transcript escaped, times and pages as people read them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.render.search import PAGE_SIZE, clock, render_results, snippet
from bot.search_query import parse
from bot.store.search import Hit


def _hit(text: str, n: int = 0) -> Hit:
    return Hit(
        conversation_id=f"c{n}",
        channel_id="C1",
        kind="message",
        speaker="Marco <@U1> Rossi",
        offset_seconds=3725.0,
        meeting_at=datetime(2026, 3, 2, tzinfo=UTC),
        text=text,
        name="Launch sync.mp4",
        permalink="https://example.slack.com/archives/C1/p1700000000000100",
        thread_ts="1700000000.000100",
        score=1.0,
    )


def test_a_snippet_bolds_the_searched_words_and_escapes_the_rest():
    said = snippet("<!channel> we will send the Budget & the plan", parse("budget"))
    assert said == "&lt;!channel&gt; we will send the *Budget* &amp; the plan"


def test_a_long_line_is_cut_around_the_first_searched_word():
    text = "filler " * 100 + "the legal review is on Friday " + "filler " * 100
    said = snippet(text, parse('"legal review"'))
    assert said.startswith("…") and "*legal* *review*" in said and len(said) < 300


def test_a_hit_shows_meeting_link_speaker_time_and_pages_of_five():
    hits = [_hit("the budget is approved", n) for n in range(PAGE_SIZE + 2)]
    first = render_results(hits, parse("budget"), "budget")
    blocks = json.dumps(first["blocks"])
    assert "<https://example.slack.com/archives/C1/p1700000000000100|Launch sync>" in blocks
    assert "Marco &lt;@U1&gt; Rossi" in blocks and "at 1:02:05" in blocks
    assert [e["text"]["text"] for e in first["blocks"][-1]["elements"]] == ["Next"]
    second = render_results(hits, parse("budget"), "budget", page=1)
    assert len([b for b in second["blocks"] if b["type"] == "section"]) == 2
    assert [e["text"]["text"] for e in second["blocks"][-1]["elements"]] == ["Previous"]


def test_times_in_the_meeting():
    assert (clock(None), clock(4.8), clock(65), clock(3725)) == (None, "0:04", "1:05", "1:02:05")


def test_no_hit_says_so():
    assert "No meetings you can see" in render_results([], parse("budget"), "budget")["text"]
