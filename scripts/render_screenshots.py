"""Screenshots of the app's real Slack payloads: the notes, the digest, the status, the help and "Who's who".

A dev tool, not part of the app or of ``make test``. The payloads come from the render functions themselves
(``bot/render``) on the realistic inputs of ``tests/render/scenarios.py``; this turns their Block Kit into a small
HTML approximation of Slack's message pane and has headless Chromium photograph it:

    apt-get install -y chromium fonts-noto-color-emoji      # once
    .venv/bin/python scripts/render_screenshots.py           # writes docs/screenshots/*.png

The approximation covers what this app sends: header, section (with an overflow accessory), context, divider,
actions; mrkdwn bold, italic, strike, code, links, mentions and date tokens (shown with their fallback).
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.models import Conversation, Insights, Message, Person  # noqa: E402
from bot.render import render_digest, render_help, render_insights, render_status  # noqa: E402
from bot.render.whoswho import whoswho_blocks  # noqa: E402
from bot.speakers import found_speakers, resolve_names  # noqa: E402
from bot.store.speakers import PERSON, VOICE, SpeakerChoice  # noqa: E402
from tests.render.scenarios import (  # noqa: E402
    DIGEST_NOW,
    NAMES,
    NOTES_NOW,
    OWNERS,
    TZ,
    launch_meeting,
    ledger_for,
    week_digest,
)

WIDTH = 720  # Slack's thread pane on a laptop is about this wide
TRANSCRIPT_URL = "https://acme.slack.com/files/U0BOT/F0TRANSCRIPT/launch_readiness_sync_transcript.txt"

CSS = """
body { margin: 0; background: #fff; font: 15px/1.46668 'Lato', 'Noto Sans', 'Helvetica Neue', Arial, sans-serif;
       color: #1d1c1d; }
.msg { display: flex; padding: 12px 20px 14px 16px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #4a154b; color: #fff; font-weight: 900;
          display: flex; align-items: center; justify-content: center; margin-right: 8px; flex: none; }
.body { flex: 1; min-width: 0; }
.who { font-weight: 900; }
.app { background: #e8e8e8; color: #616061; font-size: 10px; font-weight: 700; padding: 1px 3px; border-radius: 2px;
       margin-left: 4px; }
.time { color: #616061; font-size: 12px; margin-left: 6px; }
.header { font-size: 18px; font-weight: 900; margin: 4px 0 2px; }
.section { display: flex; align-items: flex-start; margin: 4px 0; }
.section .text { flex: 1; white-space: pre-wrap; word-wrap: break-word; }
.context { color: #616061; font-size: 13px; margin: 4px 0; white-space: pre-wrap; }
.context span + span { margin-left: 8px; }
hr { border: none; border-top: 1px solid #dddddd; margin: 10px 0; }
.overflow { flex: none; margin-left: 12px; width: 32px; height: 28px; border: 1px solid #c4c4c4; border-radius: 4px;
            display: flex; align-items: center; justify-content: center; color: #1d1c1d; font-weight: 700; }
.button { display: inline-block; border: 1px solid #c4c4c4; border-radius: 4px; padding: 3px 12px; font-weight: 700;
          margin-right: 8px; font-size: 14px; }
.mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
a { color: #1264a3; text-decoration: none; }
code { font: 12px Monaco, Menlo, monospace; color: #e01e5a; background: #f8f8f8; border: 1px solid #e8e8e8;
       border-radius: 3px; padding: 1px 3px; }
"""


def _inline(text: str) -> str:
    """Slack mrkdwn (already escaped for Slack) to HTML."""
    tokens: list[str] = []

    def keep(markup: str) -> str:
        tokens.append(markup)
        return f"\x00{len(tokens) - 1}\x00"

    def token(match: re.Match) -> str:
        inner = match.group(1)
        if inner.startswith("@"):
            return keep(f'<span class="mention">@{html.escape(NAMES.get(inner[1:], inner[1:]))}</span>')
        if inner.startswith("!date^"):
            return keep(html.escape(_unescape(inner.rsplit("|", 1)[-1])))
        url, _, label = inner.partition("|")
        return keep(f'<a href="{html.escape(url)}">{html.escape(_unescape(label or url))}</a>')

    text = re.sub(r"<([^<>]+)>", token, text)
    text = html.escape(_unescape(text), quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"<i>\1</i>", text)
    text = re.sub(r"(?<![\w~])~([^~\n]+)~(?![\w~])", r"<s>\1</s>", text)
    return re.sub("\x00(\\d+)\x00", lambda m: tokens[int(m.group(1))], text)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: dict) -> str:
    return _inline(obj["text"]) if obj.get("type") == "mrkdwn" else html.escape(obj.get("text", ""))


def _block(block: dict) -> str:
    kind = block["type"]
    if kind == "header":
        return f'<div class="header">{html.escape(block["text"]["text"])}</div>'
    if kind == "divider":
        return "<hr>"
    if kind == "context":
        spans = "".join(f"<span>{_text(e)}</span>" for e in block["elements"] if "text" in e)
        return f'<div class="context">{spans}</div>'
    if kind == "actions":
        return "<div>" + "".join(_element(e) for e in block["elements"]) + "</div>"
    if kind == "section":
        accessory = _element(block["accessory"]) if "accessory" in block else ""
        return f'<div class="section"><div class="text">{_text(block["text"])}</div>{accessory}</div>'
    return f"<pre>{html.escape(str(block))}</pre>"


def _element(element: dict) -> str:
    if element["type"] == "overflow":
        return '<div class="overflow">⋯</div>'
    if element["type"] == "users_select" and element.get("initial_user"):  # a picker shows who it holds
        return (
            f'<span class="button">{html.escape(NAMES.get(element["initial_user"], element["initial_user"]))} ▾</span>'
        )
    if element["type"] in ("users_select", "static_select"):
        return f'<span class="button">{html.escape(element["placeholder"]["text"])} ▾</span>'
    label = (element.get("text") or element.get("placeholder") or {}).get("text", element["type"])
    return f'<span class="button">{html.escape(label)}</span>'


def page(payload: dict, *, time_text: str) -> str:
    blocks = "".join(_block(b) for b in payload["blocks"])
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{CSS}</style></head><body>"
        f"<div class='msg'><div class='avatar'>N</div><div class='body'>"
        f"<div><span class='who'>Meeting notes</span><span class='app'>APP</span>"
        f"<span class='time'>{time_text}</span></div>{blocks}</div></div>"
        "<script>const bottom = document.querySelector('.msg').getBoundingClientRect().bottom;"
        "document.title = 'H' + Math.ceil(bottom);</script>"
        "</body></html>"
    )


def whoswho() -> dict:
    """ "Who's who" of a diarized meeting: one speaker named by a person, one recognised by voice, one unknown."""
    said = (
        ("Speaker 1", "Okay, let's go through the launch checklist, starting with the signup crash.", 95.0),
        ("Speaker 2", "I can take the Android crash; I'll have a fix in review by Wednesday.", 60.0),
        ("Speaker 3", "Legal still hasn't signed off on the privacy notice.", 25.0),
    )
    meeting = Insights(
        conversation=Conversation(id="5815170693595136", name="Launch readiness sync"),
        messages=tuple(
            Message(f"m{n}", text, speaker=Person(name=who), duration_seconds=seconds)
            for n, (who, text, seconds) in enumerate(said)
        ),
    )
    choices = {
        "Speaker 1": SpeakerChoice("Speaker 1", "U0MARIA", PERSON),
        "Speaker 2": SpeakerChoice("Speaker 2", "U0TOM", VOICE),
    }
    found = found_speakers(meeting)
    names = resolve_names(found, choices, engine="local", user_name=NAMES.get)
    return {"text": "Who's who", "blocks": whoswho_blocks(found, names)}


def payloads() -> dict[str, tuple[dict, str]]:
    insights = launch_meeting()
    notes = render_insights(
        insights, owners=OWNERS, tz=TZ, ledger=ledger_for(insights), now=NOTES_NOW, transcript_url=TRANSCRIPT_URL
    )
    return {
        "notes": (notes, "3:40 PM"),
        "digest": (render_digest(week_digest(), now=DIGEST_NOW, tz=TZ), "9:00 AM"),
        "status": (
            render_status("processing", name="Launch readiness sync.mp4", elapsed_seconds=4 * 60, seconds_left=6 * 60),
            "3:33 PM",
        ),
        "help": (render_help(), "10:12 AM"),
        "whoswho": (whoswho(), "3:40 PM"),
    }


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise SystemExit("headless Chromium is needed: apt-get install -y chromium fonts-noto-color-emoji")


def shoot(browser: str, html_path: Path, png: Path) -> None:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1"]
    dom = subprocess.run(
        [browser, *flags, f"--window-size={WIDTH},4000", "--dump-dom", html_path.as_uri()],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    height = int(re.search(r"<title>H(\d+)</title>", dom).group(1))
    subprocess.run(
        [browser, *flags, f"--window-size={WIDTH},{height}", f"--screenshot={png}", html_path.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    print(f"{png.relative_to(ROOT)}: {WIDTH}×{height}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    browser = _chromium()
    with tempfile.TemporaryDirectory() as tmp:
        for name, (payload, time_text) in payloads().items():
            html_path = Path(tmp) / f"{name}.html"
            html_path.write_text(page(payload, time_text=time_text), encoding="utf-8")
            shoot(browser, html_path, args.out / f"{name}.png")


if __name__ == "__main__":
    main()
