"""End-to-end: hostile or broken input gets a clear answer, never a crash, and harms no other job.

One table of cases, each an input a person (or a broken client) could send: links the app must not fetch or hand
on, files that are not recordings or not whole, conversation ids that are not ours, slash text that does not
parse, mrkdwn that tries to ping a channel, button clicks on items that do not exist, digest times that are not
times. Every case names the words the user must see — an ephemeral reply to the command, a note (❌) in the thread
of their message, or a private answer to their click — or, for documents and images, that the app stays silent.

The cases share two app processes (starting one costs a second or two): the Symbl engine, the e2e default, with
``MAX_FILE_MB=1``; and the offline engine, for what only it shows (it fetches links itself, every redirect hop
checked, and decodes the media). Each case gets its own channel, so what it caused is easy to find. A good
recording shared before the cases must still get its results, and so must one shared after them; the app's log
must hold no traceback and no secret.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import wait_quiescent, wait_until
from tests.e2e.harness import SIGNING_SECRET, TEAM_ID, USER, AppProcess, app_env, command_answer
from tests.fakes.slack_api import FakeSlack, Message
from tests.fakes.slack_requests import block_action_body, event_body, slash_command_body
from tests.fakes.symbl_emulator import SymblEmulator

OTHER_TEAM = "T0002"
SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "standup.mp3"
ACTION_ITEM = "Marco will send the updated budget to finance by Friday"  # what the emulator's meetings say
LOCAL_ACTION_ITEM = "budget report"  # what the offline engine hears in examples/standup.mp3
INJECTION = "<!channel> <@U123> *bold* <https://evil|click>"
RAW_TOKENS = ("<!channel>", "<!here>", "<@U123>", "<https://evil")  # must never reach Slack unescaped
NOT_FOUND_ITEM = "couldn't find that action item"
NOT_FOUND_MEETING = "I couldn't find that conversation among the meetings you can see."
BAD_LINK = "can't use that link"
UNKNOWN_PERSON = "couldn't find that person in this workspace's Slack"
UNKNOWN_SPEAKER = "couldn't find that speaker in this meeting's notes"
LIMIT = 5  # MAX_PENDING_PER_USER in the Symbl app


# -- the app processes the cases share ----------------------------------------------------------------------------


@dataclass
class World:
    """One app process with its fakes, and what the cases learn or need along the way."""

    slack: FakeSlack
    app: AppProcess
    data_dir: Path
    symbl: SymblEmulator | None = None
    media_server: str = ""  # base URL of the test's own web server (offline engine only)
    conversation_id: str = ""  # a meeting this workspace (TEAM_ID) processed
    notes: Message | None = None  # its notes message, with the ledger buttons
    item_id: str = ""  # one of its ledger items
    during: dict = field(default_factory=dict)  # a good recording shared before the bad inputs
    replies: list[tuple[str, dict]] = field(default_factory=list)  # (channel, reply) of every private answer
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def new_channel(self, name: str | None = None) -> str:
        """A channel the bot and the user are in (Slack answers ``channel_not_found`` for any other)."""
        channel = name or f"CBAD{next(self._numbers):04d}"
        self.slack.add_channel(channel, members=(USER,))
        return channel

    def jobs_in(self, channel: str) -> list[tuple]:
        with sqlite3.connect(f"file:{self.data_dir / 'bot.sqlite3'}?mode=ro", uri=True) as db:
            return db.execute("SELECT stage, error_text FROM jobs WHERE channel_id = ?", (channel,)).fetchall()

    def speaker_names(self) -> int:
        with sqlite3.connect(f"file:{self.data_dir / 'bot.sqlite3'}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM speaker_names").fetchone()[0]

    def speaker_row(self, number: int) -> str:
        """The short id of the notes' ``number``-th "Who's who" speaker (as its block id carries it)."""
        rows = [b["block_id"] for b in self.notes.blocks if str(b.get("block_id", "")).startswith("whoswho:")]
        return rows[number].removeprefix("whoswho:")

    def wait_quiescent(self, channel: str) -> None:
        wait_quiescent(self.slack, self.app.env["DATABASE_URL"], channel=channel)

    def ledger_item(self, item_id: str) -> tuple:
        with sqlite3.connect(f"file:{self.data_dir / 'bot.sqlite3'}?mode=ro", uri=True) as db:
            return db.execute("SELECT status, owner_user_id FROM ledger_items WHERE id = ?", (item_id,)).fetchone()


Changes = dict | Callable[[World, dict], dict] | None


def bot_messages(world: World, channel: str) -> list[Message]:
    return [m for m in world.slack.messages.get(channel, []) if m.user != USER and not m.files]


def share(world: World, channel: str, name: str, mimetype: str, content: bytes, *, changes: Changes = None) -> dict:
    """Share a file in ``channel`` as a ``message`` + ``file_share`` event; ``changes`` edit what Slack says of it."""
    file = world.slack.add_file(name=name, mimetype=mimetype, content=content)
    edits = changes(world, file) if callable(changes) else changes or {}
    world.slack.files[file["id"]].info.update(edits)
    event = world.slack.post_user_message(channel, files=[{**file, **edits}])
    status, _, seconds = world.app.event(event)
    assert status == 200
    assert seconds < 3
    return event


def results_in_thread(world: World, channel: str, thread_ts: str, words: str, timeout: float = 30.0) -> Message:
    """The notes message in a thread once it holds ``words``, and the transcript uploaded beside it."""

    def done():
        found = [
            m
            for m in world.slack.thread(channel, thread_ts)
            if words.lower() in json.dumps(m.blocks, ensure_ascii=False).lower()
        ]
        uploads = [u for u in world.slack.uploads if u.channel == channel and u.thread_ts == thread_ts]
        return found[0] if found and uploads else None

    return wait_until(done, timeout, f"results in {channel}")


def note_in_thread(world: World, channel: str, thread_ts: str, *, reaction: bool = True) -> str:
    """The failure note the app leaves in a thread, a new message (and the ❌ on the user's message).

    The status message, when there was one, also starts with ❌ once it points to the note: it is an edit."""
    note = wait_until(
        lambda: [m for m in world.slack.thread(channel, thread_ts) if m.text.startswith("❌") and not m.edits],
        20,
        f"a note in {channel}",
    )[0]
    if reaction:
        wait_until(lambda: "x" in world.slack.reactions.get((channel, thread_ts), set()), 10, "❌ on the message")
        assert "hourglass_flowing_sand" not in world.slack.reactions.get((channel, thread_ts), set())
    return note.text + json.dumps(note.blocks, ensure_ascii=False)


# -- inputs: each sends one thing in its own channel and returns what the user saw ------------------------------

Send = Callable[[World, str], str]


def slash(text: str | Callable[[World], str], *, team: str = TEAM_ID, user: str = USER) -> Send:
    """``/symbl <text>``: the ephemeral reply. No job may exist for it, so nothing will be posted in the channel."""

    def send(world: World, channel: str) -> str:
        words = text(world) if callable(text) else text
        reply, later = command_answer(world.app, world.slack, words, channel=channel, team=team, user=user)
        assert reply["response_type"] == "ephemeral"
        world.replies.append((channel, reply))
        seen = reply["text"] + json.dumps(reply.get("blocks") or [], ensure_ascii=False)
        if later is not None:  # an append checked after the ack: the answer came through the response_url
            assert later.get("response_type") == "ephemeral"
            world.replies.append((channel, later))
            seen += later.get("text") or ""
        assert not world.jobs_in(channel), "a refused command must not make a job"
        return seen

    return send


def slash_accepted(text: str, *, results: str = ACTION_ITEM) -> Send:
    """A command the app takes: its reply, then everything it posted in the channel once the results are in."""

    def send(world: World, channel: str) -> str:
        status, body, seconds = world.app.command(world.slack, text, channel=channel)
        assert status == 200
        assert seconds < 3
        world.replies.append((channel, json.loads(body)))
        parent = wait_until(lambda: [m for m in bot_messages(world, channel) if not m.is_reply], 10, "the parent")[0]
        results_in_thread(world, channel, parent.ts, results)
        posted = bot_messages(world, channel)
        return json.loads(body)["text"] + "".join(m.text + json.dumps(m.blocks, ensure_ascii=False) for m in posted)

    return send


def slash_then_note(text: str) -> Send:
    """A command the app takes but cannot finish: its reply, then the note in the parent message's thread."""

    def send(world: World, channel: str) -> str:
        words = text.format(server=world.media_server)
        status, body, seconds = world.app.command(world.slack, words, channel=channel)
        assert status == 200
        assert seconds < 3
        world.replies.append((channel, json.loads(body)))
        parent = wait_until(lambda: [m for m in bot_messages(world, channel) if not m.is_reply], 10, "the parent")[0]
        return json.loads(body)["text"] + note_in_thread(world, channel, parent.ts, reaction=False)

    return send


def link_message(url: str, *, in_blocks: bool = False, redeliver: bool = False) -> Send:
    """A message holding a link to a "recording": as Slack's ``<url>`` in the text, or a rich_text link element.

    The note in its thread; the link reached no engine. ``redeliver``: Slack sends the event again, and the note
    is not repeated.
    """

    def send(world: World, channel: str) -> str:
        if in_blocks:
            event = world.slack.post_user_message(channel, text=f"recording: {url}")
            event["blocks"] = [
                {
                    "type": "rich_text",
                    "block_id": "b1",
                    "elements": [{"type": "rich_text_section", "elements": [{"type": "link", "url": url}]}],
                }
            ]
        else:
            event = world.slack.post_user_message(channel, text=f"recording: <{url}>")
        status, _, seconds = world.app.event(event)
        assert status == 200
        assert seconds < 3
        note = note_in_thread(world, channel, event["ts"])
        if redeliver:
            assert world.app.event(event)[0] == 200
            world.wait_quiescent(channel)  # the note comes from a lazy listener: a second one has shown by now
            assert len(bot_messages(world, channel)) == 1
        assert [stage for stage, _ in world.jobs_in(channel)] == ["failed"]
        submitted = [r.json for r in world.symbl.requests_to("POST", "/v1/process")] if world.symbl else []
        assert url not in json.dumps(submitted), "the link was handed to Symbl"
        return note

    return send


def many_links(count: int, *, user: str = "U0MANY") -> Send:
    """One message with ``count`` links to recordings, more than the sharer may have waiting.

    The app takes what the limit allows and tells the sharer once, privately; what it saw: that note.
    """

    def send(world: World, channel: str) -> str:
        world.slack.add_channel_member(channel, user)
        links = " ".join(f"<https://media.example.com/batch/{n}.mp3>" for n in range(count))
        event = world.slack.post_user_message(channel, user=user, text=f"all of them: {links}")
        status, _, seconds = world.app.event(event)
        assert status == 200
        assert seconds < 3
        wait_until(lambda: [m for m in world.slack.ephemerals if m.channel == channel], 10, "a private note")
        world.wait_quiescent(channel)
        notes = [m for m in world.slack.ephemerals if m.channel == channel]
        assert len(notes) == 1, f"the sharer got {len(notes)} notes for one message"
        assert notes[0].recipient == user
        assert len(world.jobs_in(channel)) == LIMIT
        return notes[0].text

    return send


def many_refused_links(count: int) -> Send:
    """One message with ``count`` links to private addresses: one note and one ❌, however many links."""

    def send(world: World, channel: str) -> str:
        links = " ".join(f"<http://10.0.{n // 250}.{n % 250 + 1}/call.mp3>" for n in range(count))
        event = world.slack.post_user_message(channel, text=f"recordings: {links}")
        status, _, seconds = world.app.event(event)
        assert status == 200
        assert seconds < 3
        note = note_in_thread(world, channel, event["ts"])
        world.wait_quiescent(channel)  # any further note has shown by now
        assert len(bot_messages(world, channel)) == 1, "one note for the whole message"
        reactions = [c for c in world.slack.calls_to("reactions.add") if c.args.get("channel") == channel]
        assert len(reactions) == 1, f"{len(reactions)} reactions.add calls for one message"
        return note

    return send


def file_share(name: str, mimetype: str, content: bytes = b"\x00" * 4096, changes: Changes = None) -> Send:
    """A file shared in a message; the note in its thread."""

    def send(world: World, channel: str) -> str:
        event = share(world, channel, name, mimetype, content, changes=changes)
        return note_in_thread(world, channel, event["ts"])

    return send


def file_share_event(file: Callable[[World], dict]) -> Send:
    """A file share whose file object is given as is (a stub, as in Slack Connect); the note in its thread."""

    def send(world: World, channel: str) -> str:
        event = world.slack.post_user_message(channel, files=[file(world)])
        assert world.app.event(event)[0] == 200
        return note_in_thread(world, channel, event["ts"])

    return send


def file_accepted(name: str, mimetype: str, changes: Changes) -> Send:
    """A file the app processes: everything it posted in the channel once the results are in."""

    def send(world: World, channel: str) -> str:
        event = share(world, channel, name, mimetype, b"\x00" * 4096, changes=changes)
        results_in_thread(world, channel, event["ts"], ACTION_ITEM)
        return "".join(m.text + json.dumps(m.blocks, ensure_ascii=False) for m in bot_messages(world, channel))

    return send


def on_another_host(world: World, file: dict) -> dict:
    """The file's URL on a host that is not SLACK_FILES_HOST: the token stays home, Slack answers its login page."""
    path = urlsplit(file["url_private_download"]).path
    return {"url_private_download": world.slack.other_host_url + path, "url_private": world.slack.other_host_url + path}


def silent_file(name: str, mimetype: str) -> Send:
    """A document or an image: the app says nothing, reacts with nothing and makes no job."""

    def send(world: World, channel: str) -> str:
        event = share(world, channel, name, mimetype, b"%PDF-1.4 not a recording" * 100)
        # The listener ran inside the request (process_before_response), so a job would already be written.
        assert not world.jobs_in(channel)
        assert not bot_messages(world, channel)
        assert (channel, event["ts"]) not in world.slack.reactions
        return ""

    return send


def click(
    action_id: str,
    *,
    item: str | Callable[[World], str] = "",
    team: str = TEAM_ID,
    selected_user: str | None = None,
    selected_option: dict | None = None,
    elsewhere: bool = False,
) -> Send:
    """A click on a ledger control of the meeting's notes; the private answer through the response_url.

    As in the notes: the menu and the pickers carry the item id in their block's id; the *Mark done* button of
    messages posted before the menu carries it as its value.
    ``elsewhere``: the click comes from a message of the case's own channel, not from the meeting's notes.
    """

    def send(world: World, channel: str) -> str:
        item_id = item(world) if callable(item) else item
        source = world.slack.post_user_message(channel, text="a message with buttons") if elsewhere else None
        response_url = world.slack.response_url(team)
        prefix = "ledger:" if action_id in {"ledger_assign", "ledger_menu"} else "ledger-actions:"
        body = block_action_body(
            action_id,
            value=item_id if action_id == "ledger_done" else "",
            block_id=prefix + item_id if item_id else "actions",
            team_id=team,
            channel_id=channel if source else world.notes.channel,
            message_ts=source["ts"] if source else world.notes.ts,
            thread_ts=None if source else world.notes.thread_ts,
            response_url=response_url,
            selected_user=selected_user,
            selected_option=selected_option,
            element_type="overflow" if action_id == "ledger_menu" else None,
            trigger_id=world.slack.new_trigger_id(),
        )
        status, _, seconds = world.app.post_signed(body, "application/x-www-form-urlencoded")
        assert status == 200
        assert seconds < 3
        path = urlsplit(response_url).path
        answer = wait_until(lambda: [r for r in world.slack.responses if r.path == path], 10, "an answer")[0]
        assert answer.body.get("response_type") == "ephemeral"
        world.replies.append((channel, answer.body))
        # Whatever the click said, the real item in this workspace is untouched.
        assert world.ledger_item(world.item_id) == ("open", None)
        return answer.body.get("text") or ""

    return send


def whoswho(
    action_id: str,
    *,
    row: str | Callable[[World], str] | None = None,
    value: str | Callable[[World], str] = "",
    selected_user: str | None = None,
    elsewhere: bool = False,
) -> Send:
    """A click on the "Who's who" controls of the meeting's notes: a speaker's picker (``row``: its short id), the
    "Same person…" menu (``value``: the chosen option's value) or a voice's *Undo* (``value``: the short id)."""

    def send(world: World, channel: str) -> str:
        row_id = row(world) if callable(row) else row
        chosen = value(world) if callable(value) else value
        source = world.slack.post_user_message(channel, text="a message with a picker") if elsewhere else None
        response_url = world.slack.response_url(TEAM_ID)
        body = block_action_body(
            action_id,
            value=chosen if action_id == "whoswho_undo_voice" else "",
            block_id="whoswho:" + row_id if row_id is not None else "whoswho-actions",
            channel_id=channel if source else world.notes.channel,
            message_ts=source["ts"] if source else world.notes.ts,
            thread_ts=None if source else world.notes.thread_ts,
            response_url=response_url,
            selected_user=selected_user,
            selected_option={"text": {"type": "plain_text", "text": "x"}, "value": chosen}
            if action_id == "whoswho_same"
            else None,
        )
        status, _, seconds = world.app.post_signed(body, "application/x-www-form-urlencoded")
        assert status == 200
        assert seconds < 3
        path = urlsplit(response_url).path
        answer = wait_until(lambda: [r for r in world.slack.responses if r.path == path], 10, "an answer")[0]
        assert answer.body.get("response_type") == "ephemeral"
        world.replies.append((channel, answer.body))
        assert world.speaker_names() == 0  # nobody was named, merged or undone
        return answer.body.get("text") or ""

    return send


def _signed(body: bytes, *, timestamp: str | None = None, content_type: str = "application/json") -> dict:
    """Slack's headers for a body given as bytes (so that it need not be UTF-8)."""
    stamp = str(int(time.time())) if timestamp is None else timestamp
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Signature": f"v0={digest}", "X-Slack-Request-Timestamp": stamp, "Content-Type": content_type}


def _post(world: World, path: str, body: bytes, headers: dict) -> tuple[int, str]:
    request = urllib.request.Request(world.app.url + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def raw(
    body: Callable[[World, str], bytes],
    headers: Callable[[bytes], dict] = _signed,
    *,
    path: str | Callable[[World], str] = "/slack/events",
) -> Send:
    """A request as a broken or hostile client sends it: what it got back (``HTTP <status> <body>``).

    Never a 5xx, and nothing happened in the case's channel: no job, no Slack call naming it, no reply.
    """

    def send(world: World, channel: str) -> str:
        data = body(world, channel)
        calls_before = len(world.slack.calls)
        status, text = _post(world, path(world) if callable(path) else path, data, headers(data))
        assert status < 500, f"HTTP {status} for bad input"
        world.wait_quiescent(channel)  # a listener that ran anyway would have written its job or called Slack
        assert not world.jobs_in(channel), "a refused request must not make a job"
        named = [c for c in world.slack.calls[calls_before:] if channel in json.dumps(c.args)]
        assert not named, f"Slack was called for a refused request: {[c.method for c in named]}"
        return f"HTTP {status} {text}"

    return send


def deep_json(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


def an_event(channel: str, *, team: str = TEAM_ID, app: str = "A111", files: list | None = None) -> bytes:
    event = {"type": "message", "user": USER, "text": "<https://media.example.com/a.mp3>", "ts": "1.000100"}
    event |= {"channel": channel, "event_ts": "1.000100"}
    if files is not None:
        event |= {"subtype": "file_share", "files": files}
    return event_body(event, team_id=team, api_app_id=app).encode()


def a_command(world: World, channel: str, *, team: str = TEAM_ID, app: str = "A111", response_url: str = "") -> bytes:
    text = "process https://media.example.com/theirs.mp3"
    response_url = response_url or world.slack.response_url(team)
    return slash_command_body(
        text, team_id=team, channel_id=channel, api_app_id=app, response_url=response_url
    ).encode()


def a_click(world: World, channel: str, *, team: str = TEAM_ID, response_url: str = "") -> bytes:
    body = block_action_body(
        "ledger_done",
        value=world.item_id,
        team_id=team,
        channel_id=channel,
        response_url=response_url or world.slack.response_url(),
    )
    return body.encode()


FORM = "application/x-www-form-urlencoded"


def _stamped(timestamp: str) -> Callable[[bytes], dict]:
    return lambda data: _signed(data, timestamp=timestamp)


ONE_DAY = {"text": {"type": "plain_text", "text": "1 day"}, "value": "1d"}
DONE = {"text": {"type": "plain_text", "text": "Mark done"}, "value": "done"}


# -- the cases ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Also:
    """More words the user must see, or must not see (a promise the app would not keep, a misleading size)."""

    sees: tuple[str, ...] = ()
    not_sees: tuple[str, ...] = ()

    def holds(self, seen: str) -> bool:
        return all(w in seen for w in self.sees) and not any(w in seen for w in self.not_sees)


@dataclass(frozen=True)
class Case:
    name: str
    send: Send
    sees: tuple[str, ...]  # each must be in what the user saw; () means the app must stay silent
    engine: str = "symbl"
    also: Also | None = None


def case(name: str, send: Send, *sees: str, engine: str = "symbl", also: Also | None = None) -> Case:
    return Case(name, send, sees, engine, also)


# The offline engine words every failure for the user (``JobState.failure_reason``); the pipeline raises
# ``JobFailedError(reason)`` and ``user_text`` shows that reason.


LONG_URL = "https://media.example.com/" + "a" * 10_000 + ".mp3"
APPEND = "append {conversation_id} {url}"


def append(url: str) -> Send:
    return slash(lambda world: APPEND.format(conversation_id=world.conversation_id, url=url))


CASES = [
    # Requests that are not what Slack sends: a 4xx and nothing done, never a 500.
    case("timestamp not a number", raw(lambda w, c: an_event(c), _stamped("soon")), "HTTP 401"),
    case("timestamp empty", raw(lambda w, c: an_event(c), _stamped("")), "HTTP 401"),
    case("timestamp 1e9", raw(lambda w, c: an_event(c), _stamped("1e9")), "HTTP 401"),
    case("timestamp an hour old", raw(lambda w, c: an_event(c), _stamped(str(int(time.time()) - 3600))), "HTTP 401"),
    case("unsigned", raw(lambda w, c: an_event(c), lambda d: {"Content-Type": "application/json"}), "HTTP 401"),
    case("100k-deep JSON event", raw(lambda w, c: deep_json()), "HTTP 400", "nested too deeply"),
    case("100k-deep JSON unsigned", raw(lambda w, c: deep_json(), lambda d: {}), "HTTP 401"),
    case(
        "100k-deep JSON click",
        raw(lambda w, c: b"payload=" + deep_json(), lambda d: _signed(d, content_type=FORM)),
        "HTTP 400",
        "nested too deeply",
    ),
    case(
        "100k-deep JSON webhook",
        raw(lambda w, c: deep_json(), lambda d: {"Content-Type": "application/json"}, path="/symbl/webhook/e2e-hook"),
        "HTTP 400",
    ),
    case("invalid UTF-8", raw(lambda w, c: an_event(c).replace(b"a.mp3", b"\xff\xfe.mp3")), "HTTP 400", "UTF-8"),
    case("JSON that is a list", raw(lambda w, c: b"[1, 2]"), "HTTP 400"),
    case(
        "file_share whose files lack an id", raw(lambda w, c: an_event(c, files=[{"name": "a.mp3"}, "x"])), "HTTP 200"
    ),
    # A response_url that is not Slack's: refused, so nothing is ever posted there.
    case(
        "click with a foreign response_url",
        raw(
            lambda w, c: a_click(w, c, response_url="https://attacker.example.com/commands/T0001/1"),
            lambda d: _signed(d, content_type=FORM),
        ),
        "HTTP 400",
        "response_url",
    ),
    case(
        "command with a plain-http Slack-like response_url",
        raw(
            lambda w, c: a_command(w, c, response_url=w.slack.response_url().replace("127.0.0.1", "127.0.0.2")),
            lambda d: _signed(d, content_type=FORM),
        ),
        "HTTP 400",
        "response_url",
    ),
    # Signed requests for another installation: refused before any work.
    case("event from another workspace", raw(lambda w, c: an_event(c, team=OTHER_TEAM)), "HTTP 403", "workspace"),
    case("event for another app", raw(lambda w, c: an_event(c, app="A999")), "HTTP 403", "another app"),
    case(
        "command from another workspace",
        raw(lambda w, c: a_command(w, c, team=OTHER_TEAM), lambda d: _signed(d, content_type=FORM)),
        "HTTP 403",
    ),
    case(
        "command for another app",
        raw(lambda w, c: a_command(w, c, app="A999"), lambda d: _signed(d, content_type=FORM)),
        "HTTP 403",
    ),
    case(
        "click from another workspace",
        raw(lambda w, c: a_click(w, c, team=OTHER_TEAM), lambda d: _signed(d, content_type=FORM)),
        "HTTP 403",
    ),
    # Links given to /symbl process: all refused at the command, before a job exists.
    case("process no scheme", slash("process media.example.com/a.mp3"), BAD_LINK, "should start with http"),
    case("process ftp", slash("process ftp://media.example.com/a.mp3"), BAD_LINK, "not ftp: links"),
    case("process javascript", slash("process javascript:alert(1)//a.mp3"), BAD_LINK, "not javascript:"),
    case("process file", slash("process file:///etc/passwd.mp3"), BAD_LINK, "not file:"),
    case("process data", slash("process data:audio/mpeg;base64,SUQzBA==.mp3"), BAD_LINK, "not data:"),
    case("process credentials", slash("process https://user:pw@media.example.com/a.mp3"), "user name or password"),
    case("process 10.x", slash("process http://10.1.2.3/a.mp3"), BAD_LINK, "private network"),
    case("process 192.168.x", slash("process http://192.168.1.20/a.mp3"), "private network"),
    case("process 172.16.x", slash("process http://172.16.0.9/a.mp3"), "private network"),
    case("process 127.0.0.1", slash("process http://127.0.0.1:3000/a.mp3"), "loopback"),
    case("process localhost", slash("process http://localhost/a.mp3"), "internal host name"),
    case("process localhost.", slash("process http://localhost./a.mp3"), "internal host name"),
    case("process [::1]", slash("process http://[::1]/a.mp3"), "loopback"),
    case("process ::ffff:127.0.0.1", slash("process http://[::ffff:127.0.0.1]/a.mp3"), "loopback"),
    case("process decimal ip", slash("process http://2130706433/a.mp3"), "loopback"),
    case("process hex ip", slash("process http://0x7f000001/a.mp3"), "loopback"),
    case("process short hex ip", slash("process http://0x7f.1/a.mp3"), "loopback"),
    case("process octal ip", slash("process http://017700000001/a.mp3"), "loopback"),
    case("process metadata", slash("process http://169.254.169.254/latest/meta-data/a.mp3"), "cloud metadata"),
    case("process metadata name", slash("process http://metadata.google.internal/a.mp3"), "cloud metadata"),
    case("process 10 kB url", slash(f"process {LONG_URL}"), "too long"),
    case("process control char", slash("process https://media.example.com/a\x07b.mp3"), "control characters"),
    case("process escaped with a space", slash("process <https://media.example.com/a b.mp3>"), BAD_LINK),
    case("process backslash", slash("process https://media.example.com\\@10.0.0.1/a.mp3"), "backslashes"),
    # The same links given to /symbl append (the conversation exists, so the link is what is refused).
    case("append ftp", append("ftp://media.example.com/b.mp3"), BAD_LINK, "not ftp: links"),
    case("append credentials", append("https://user:pw@media.example.com/b.mp3"), "user name or password"),
    case("append 192.168.x", append("http://192.168.0.1/b.mp3"), "private network"),
    case("append loopback", append("http://127.0.0.1/b.mp3"), "loopback"),
    case("append localhost.", append("http://localhost./b.mp3"), "internal host name"),
    case("append metadata", append("http://169.254.169.254/b.mp3"), "cloud metadata"),
    case("append 10 kB url", append(LONG_URL), "too long"),
    # Links posted in a message: a note in the message's thread and ❌.
    case("link 10.x", link_message("http://10.1.2.3/a.mp3", redeliver=True), "private network"),
    case("link loopback", link_message("http://127.0.0.1:8080/a.mp3"), "loopback"),
    case("link [::1]", link_message("http://[::1]/a.mp3"), "loopback"),
    case("link localhost.", link_message("http://localhost./a.mp3"), "internal host name"),
    case("link credentials", link_message("https://user:pw@media.example.com/a.mp3"), "user name or password"),
    case("link metadata", link_message("http://169.254.169.254/latest/a.mp3"), "cloud metadata"),
    case("link hex ip", link_message("http://0x7f.1/a.mp3"), "loopback"),
    case("link 10 kB url", link_message(LONG_URL), "too long"),
    case("link javascript", link_message("javascript:alert(1)//a.mp3", in_blocks=True), "not javascript:"),
    case("link file", link_message("file:///etc/passwd.mp3", in_blocks=True), "not file:"),
    case("link × 60 in one message", many_links(60), "You already have 5 recordings waiting"),
    case("300 private links in one message", many_refused_links(300), "300 links", "private network", "295 more"),
    case("link control char", link_message("https://media.example.com/a\x00.mp3", in_blocks=True), "control"),
    # Files.
    case("file pdf", silent_file("minutes.pdf", "application/pdf")),
    case("file png", silent_file("whiteboard.png", "image/png")),
    case("file empty", file_share("empty.mp3", "audio/mpeg", b""), "empty.mp3 is empty"),
    case(
        "file over MAX_FILE_MB",
        file_share("huge.mp4", "video/mp4", b"\x00" * 1_500_000),
        "the limit is 1 MB",
        also=Also(not_sees=("is 1 MB; the limit is 1 MB",)),
    ),
    case("file login page", file_share("elsewhere.mp4", "video/mp4", changes=on_another_host), "login page"),
    case(
        "file size differs",
        file_share("short.mp4", "video/mp4", changes={"size": 8192}),
        "4096 of 8192",
        also=Also(not_sees=("I'll retry",)),
    ),
    case("file Slack will not show", file_share_event(lambda world: world.slack.file_stub("F0GONE")), "deleted"),
    case("file mov", file_share("call.mov", "video/quicktime"), "please share it as an MP4"),
    case("file avi", file_share("call.avi", "video/x-msvideo"), "avi video is not supported"),
    # Conversation ids.
    case("append unknown id", slash("append 5815170693595136 https://media.example.com/c.mp3"), NOT_FOUND_MEETING),
    case(
        "append a meeting of a channel he is not in",
        slash(lambda w: f"append {w.conversation_id} https://media.example.com/c.mp3", user="U0DANA"),
        NOT_FOUND_MEETING,  # the very words of an unknown id: the answer tells nobody which ids exist
    ),
    case("append ../../etc", slash("append ../../etc https://media.example.com/c.mp3"), "doesn't look right"),
    case("append 200-char id", slash(f"append {'7' * 200} https://media.example.com/c.mp3"), "doesn't look right"),
    case("append unicode id", slash("append 会議١٢٣ https://media.example.com/c.mp3"), "doesn't look right"),
    # Slash text.
    case("empty text", slash(""), "/symbl process"),
    case("only spaces", slash("   \t  "), "/symbl process"),
    case("unknown verb", slash("dance"), "don't know the command `dance`"),
    case("mention as the verb", slash("<!channel> process"), "don't know the command", "&lt;!channel&gt;"),
    case("4,000-char verb", slash("x" * 4000), "don't know the command"),
    case("process without a link", slash("process"), "needs the link"),
    case("append with one argument", slash("append 5815170693595136"), "needs a conversation id and a link"),
    case("append with three arguments", slash("append 1 https://media.example.com/a.mp3 x"), "needs a conversation"),
    case("auto with two arguments", slash("auto on off"), "/symbl auto on"),
    case("digest now with more", slash("digest now please"), "/symbl digest now"),
    case("voice maybe", slash("voice maybe"), "(what is stored)", also=Also(not_sees=("remembered in this",))),
    case("voice on with more", slash("voice on please"), "(what is stored)"),
    case("voice on off", slash("voice on off"), "(what is stored)"),
    case("voice 4,000 chars", slash("voice " + "on" * 2000), "(what is stored)"),
    case("rtl and zero-width verb", slash("\u202eprocess\u200b https://media.example.com/a.mp3"), "don't know"),
    case(
        "4,000-char name",
        slash_accepted("process https://media.example.com/long-name.mp3 " + "n" * 4000),
        "On it",
        "n" * 150,
    ),
    case(
        "unicode name",
        slash_accepted("process https://media.example.com/unicode.mp3 \u202eשלום 🎉 zero\u200bwidth"),
        "On it",
        "שלום 🎉 zero\u200bwidth",
    ),
    case(
        "mrkdwn injection in the name",
        slash_accepted(f"process https://media.example.com/injection.mp3 {INJECTION}"),
        "On it",
        "&lt;!channel&gt; &lt;@U123&gt; *bold* &lt;https://evil|click&gt;",
    ),
    case(
        "mrkdwn injection in the link",
        slash_accepted("process https://media.example.com/<!here>.mp3"),
        "On it",
        "&lt;!here&gt;.mp3",
    ),
    case(
        "mrkdwn injection in a file title",
        file_accepted("sync.mp4", "video/mp4", {"title": f"{INJECTION} sync"}),
        "&lt;!channel&gt; &lt;@U123&gt; *bold* &lt;https://evil|click&gt; sync",
    ),
    # Digest schedules.
    case("digest 25:99", slash("digest daily 25:99"), "24-hour HH:MM"),
    case("digest funday", slash("digest weekly funday 09:00"), "weekday"),
    case("digest Mars/Olympus", slash("digest daily 09:00 Mars/Olympus"), "time zone `Mars/Olympus`"),
    case("digest zone injection", slash("digest daily 09:00 <!channel>"), "time zone", "&lt;!channel&gt;"),
    case("digest path as zone", slash("digest daily 09:00 ../../../etc/passwd"), "time zone"),
    # Ledger controls with garbage.
    case(
        "menu: done on an unknown item", click("ledger_menu", item="no-such-item", selected_option=DONE), NOT_FOUND_ITEM
    ),
    case(
        "menu: done from another channel's message",
        click("ledger_menu", item=lambda w: w.item_id, selected_option=DONE, elsewhere=True),
        NOT_FOUND_ITEM,
    ),
    case(
        "menu: undo from another channel's message",
        click("ledger_menu", item=lambda w: w.item_id, selected_option={"value": "undo"}, elsewhere=True),
        NOT_FOUND_ITEM,
    ),
    case(
        "menu: snooze from another channel's message opens nothing",
        click("ledger_menu", item=lambda w: w.item_id, selected_option={"value": "snooze"}, elsewhere=True),
        NOT_FOUND_ITEM,
    ),
    case("done unknown item", click("ledger_done", item="no-such-item"), NOT_FOUND_ITEM),
    case("done without a value", click("ledger_done"), NOT_FOUND_ITEM),
    case(
        "done from another channel's message",
        click("ledger_done", item=lambda w: w.item_id, elsewhere=True),
        NOT_FOUND_ITEM,
    ),
    case(
        "snooze from another channel's message",
        click("ledger_snooze", item=lambda w: w.item_id, selected_option=ONE_DAY, elsewhere=True),
        NOT_FOUND_ITEM,
    ),
    case("assign unknown item", click("ledger_assign", item="x" * 240, selected_user="U0DANA"), NOT_FOUND_ITEM),
    case("assign without an item", click("ledger_assign", selected_user="U0DANA"), NOT_FOUND_ITEM),
    case("snooze unknown item", click("ledger_snooze", item="../../etc", selected_option=ONE_DAY), NOT_FOUND_ITEM),
    case(
        "snooze for a length not offered",
        click("ledger_snooze", item=lambda w: w.item_id, selected_option={"value": "99y"}),
        "I can only snooze for",
    ),
    # "Who's who": forged picker values, speakers the notes do not have, a speaker merged with itself.
    case(
        "speaker: a forged user",
        whoswho("whoswho_pick", row=lambda w: w.speaker_row(0), selected_user="<!channel>"),
        UNKNOWN_PERSON,
    ),
    case(
        "speaker: a user Slack doesn't know",
        whoswho("whoswho_pick", row=lambda w: w.speaker_row(0), selected_user="UNOBODY99"),
        UNKNOWN_PERSON,
    ),
    case("speaker: no user", whoswho("whoswho_pick", row=lambda w: w.speaker_row(0)), UNKNOWN_PERSON),
    case(
        "speaker: unknown speaker id",
        whoswho("whoswho_pick", row="ffffffffffff", selected_user="U0DANA"),
        UNKNOWN_SPEAKER,
    ),
    case(
        "speaker: a 240-character id", whoswho("whoswho_pick", row="x" * 240, selected_user="U0DANA"), UNKNOWN_SPEAKER
    ),
    case(
        "speaker: from a message that is no meeting's notes",
        whoswho("whoswho_pick", row=lambda w: w.speaker_row(0), selected_user="U0DANA", elsewhere=True),
        "couldn't find the meeting of that message",
    ),
    case(
        "speaker: merged with itself",
        whoswho("whoswho_same", value=lambda w: f"same:{w.speaker_row(0)}:{w.speaker_row(0)}"),
        "can't be merged with itself",
    ),
    case(
        "speaker: merged into an unknown one",
        whoswho("whoswho_same", value=lambda w: f"same:{w.speaker_row(0)}:000000000000"),
        UNKNOWN_SPEAKER,
    ),
    case("speaker: a menu value that is no choice", whoswho("whoswho_same", value="drop:table"), UNKNOWN_SPEAKER),
    case(
        "speaker: undo a voice nobody recognised",
        whoswho("whoswho_undo_voice", value=lambda w: w.speaker_row(1)),
        "was not named by voice",
    ),
    case("speaker: undo for an unknown speaker", whoswho("whoswho_undo_voice", value="nope"), UNKNOWN_SPEAKER),
    # The offline engine: it fetches links itself (every hop checked) and decodes the media.
    case(
        "offline: random bytes",
        file_share("noise.mp3", "audio/mpeg", bytes(range(256)) * 64),
        "couldn't process noise.mp3",
        engine="local",
        also=Also(sees=("couldn't decode",)),
    ),
    case(
        "offline: redirect to metadata",
        slash_then_note("process {server}/to-metadata.mp3"),
        "couldn't process to-metadata.mp3",
        engine="local",
        also=Also(sees=("cloud metadata",)),
    ),
    case(
        "offline: link is a web page",
        slash_then_note("process {server}/login.mp3"),
        "couldn't process login.mp3",
        engine="local",
        also=Also(sees=("web page",)),
    ),
    case(
        "offline: web page after a BOM",
        slash_then_note("process {server}/login-bom.mp3"),
        "couldn't process login-bom.mp3",
        engine="local",
        also=Also(sees=("web page",)),
    ),
    case(
        "offline: link not found",
        slash_then_note("process {server}/missing.mp3"),
        "couldn't process missing.mp3",
        engine="local",
        also=Also(sees=("HTTP 404",)),
    ),
    case(
        "offline: link with no bytes",
        slash_then_note("process {server}/nothing.mp3"),
        "couldn't process nothing.mp3",
        engine="local",
        also=Also(sees=("empty file",)),
    ),
    # Searches: whatever is typed, an answer in words (the full-text syntax of either database is never reached).
    case("search nothing", slash("search"), "What should I look for?"),
    case("search 10,000 characters", slash("search " + "budget " * 1430), "too long"),
    case("search a lone quote", slash('search "'), "at least one word"),
    case("search a lone star", slash("search *"), "at least one word"),
    case("search NEAR", slash("search budget NEAR finance"), "No meetings you can see mention that"),
    case("search OR", slash("search budget OR finance"), "No meetings you can see mention that"),
    case("search SQL", slash("search '; DROP TABLE jobs; --"), "No meetings you can see mention that"),
    case("search FTS column filter", slash("search text:budget"), "I don't know the filter `text:`"),
    case("search unknown filter", slash("search budget size:big"), "I don't know the filter `size:`"),
    case("search from nobody", slash("search budget from:@"), "`from:` needs a person"),
    case("search a date that is not one", slash("search budget after:yesterday"), "needs a date"),
    # Forget targets: a clear answer for each, and nothing deleted.
    case("forget nothing", slash("forget"), "Which meeting?"),
    case("forget a malformed id", slash("forget ../../etc/passwd"), "doesn't look like a conversation id"),
    case("forget two ids", slash("forget 123 456"), "one meeting at a time"),
    case("forget an unknown id", slash("forget 5815170693595136"), NOT_FOUND_MEETING),
    case(
        "forget a link to another workspace",
        slash("forget https://other.slack.com/archives/C999/p1700000000000100"),
        NOT_FOUND_MEETING,
    ),
    case(
        "forget a link off Slack",
        slash("forget https://evil.example.com/archives/C123/p1700000000000100"),
        "isn't a link",
    ),
    case(
        "forget a link to no message", slash("forget https://example.slack.com/archives/"), "doesn't point at a message"
    ),
    case(
        "forget someone else's meeting",
        slash(lambda world: f"forget {world.conversation_id}", user="U0DANA"),
        NOT_FOUND_MEETING,  # Dana is in none of the meeting's channel: she cannot even learn it exists
    ),
    case("search prefix and phrase", slash('search "updated budg*" fina*'), "Search results:"),
    # Retention: a whole number of days from 1 to 3650, or off; anything else is named and the usage given.
    case("retention letters", slash("retention abc"), "`abc` isn't a number of days"),
    case("retention negative", slash("retention -3"), "`-3` isn't a number of days"),
    case("retention huge", slash("retention 99999999"), "`99999999` isn't a number of days"),
    case("retention fraction", slash("retention 1.5"), "`1.5` isn't a number of days"),
    case("retention zero", slash("retention 0"), "from 1 to 3650"),
    case("retention nothing", slash("retention"), "a whole number of days from 1 to 3650"),
    case("retention two words", slash("retention 30 days"), "a whole number of days from 1 to 3650"),
    case("retention good", slash("retention 30"), "now kept for 30 days"),
]


# -- fixtures ------------------------------------------------------------------------------------------------------


class _MediaHandler(BaseHTTPRequestHandler):
    """The offline engine's view of the web: a redirect to the metadata address, a login page, a 404, nothing."""

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        routes = {
            "/to-metadata.mp3": (302, b"", {"Location": "http://169.254.169.254/latest/meta-data/iam.mp3"}),
            "/login.mp3": (200, b"<!DOCTYPE html><html><body>Sign in</body></html>", {"Content-Type": "text/html"}),
            "/login-bom.mp3": (
                200,
                b"\xef\xbb\xbf\r\n  <!DOCTYPE html><html><body>Sign in</body></html>",
                {"Content-Type": "audio/mpeg"},  # a server that lies about the type: only the bytes tell
            ),
            "/nothing.mp3": (200, b"", {"Content-Type": "audio/mpeg"}),
        }
        status, body, headers = routes.get(self.path, (404, b"not found", {"Content-Type": "text/plain"}))
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def _start_world(tmp_path_factory, engine: str, **env: str) -> World:
    slack = FakeSlack().start()
    symbl = SymblEmulator(auto_advance_seconds=0.1).start() if engine == "symbl" else None
    data_dir = tmp_path_factory.mktemp(f"bad-input-{engine}")
    if engine == "local":  # tiny.en: fast, and it hears the sample's synthetic voices ("budget report")
        env = {"WHISPER_MODEL": "tiny.en", **env}
    app = AppProcess(
        env=app_env(slack=slack, data_dir=data_dir, engine=engine, symbl_url=symbl.url if symbl else None, **env),
        log_path=data_dir / "app.log",
    )
    world = World(slack=slack, app=app, data_dir=data_dir, symbl=symbl)
    app.start(timeout=60)
    return world


def _stop_world(world: World) -> None:
    world.app.stop()
    world.slack.stop()
    if world.symbl:
        world.symbl.stop()


@pytest.fixture(scope="module")
def symbl_world(tmp_path_factory) -> Iterator[World]:
    """The Symbl app with a finished meeting (for append and the ledger) and one still in progress."""
    world = _start_world(
        tmp_path_factory, "symbl", MAX_FILE_MB="1", MAX_PENDING_PER_USER=str(LIMIT), WEBHOOK_SECRET="e2e-hook"
    )
    try:
        world.slack.add_user("U0DANA", name="dana")
        event = share(world, world.new_channel("CGOOD01"), "kickoff.mp4", "video/mp4", b"\x00" * 4096)
        world.notes = results_in_thread(world, "CGOOD01", event["ts"], ACTION_ITEM)
        world.conversation_id = wait_until(lambda: world_conversation(world, "CGOOD01"), 10, "the conversation id")
        world.item_id = next(
            b["block_id"].removeprefix("ledger:")
            for b in world.notes.blocks
            if (b.get("accessory") or {}).get("action_id") == "ledger_menu"
        )
        world.during = share(world, world.new_channel("CGOOD02"), "during.mp4", "video/mp4", b"\x01" * 900_000)
        yield world
    finally:
        _stop_world(world)


def world_conversation(world: World, channel: str) -> str | None:
    with sqlite3.connect(f"file:{world.data_dir / 'bot.sqlite3'}?mode=ro", uri=True) as db:
        found = db.execute(
            "SELECT conversation_id FROM jobs WHERE channel_id = ? AND stage = 'done'", (channel,)
        ).fetchone()
    return found[0] if found else None


@pytest.fixture(scope="module")
def local_world(tmp_path_factory) -> Iterator[World]:
    """The offline-engine app, allowed to reach this machine (the test's web server), never the metadata address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MediaHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    world = _start_world(tmp_path_factory, "local", LOCAL_ALLOW_PRIVATE_URLS="1")
    world.media_server = f"http://127.0.0.1:{server.server_port}"
    try:
        world.during = share(world, world.new_channel("CGOOD01"), "standup.mp3", "audio/mpeg", SAMPLE.read_bytes())
        yield world
    finally:
        _stop_world(world)
        server.shutdown()


# -- the tests -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_a_clear_answer(case: Case, request) -> None:
    world: World = request.getfixturevalue(f"{case.engine}_world")
    channel = world.new_channel()
    seen = case.send(world, channel)
    for words in case.sees:
        assert words in seen, f"the user should see {words!r}, saw: {seen[:600]!r}"
    for text in posted_for(world, channel):
        for token in RAW_TOKENS:
            assert token not in text, f"{token} reached Slack unescaped: {text[:600]!r}"
    if case.also:
        assert case.also.holds(seen), f"the user should see {case.also}, saw: {seen[:600]!r}"


def mrkdwn_of(payload: object) -> Iterator[str]:
    """Every string Slack reads as mrkdwn in a message payload: its ``text`` and each mrkdwn text object.

    ``plain_text`` objects (headers, button labels) are shown literally, so a ``<!channel>`` there pings nobody.
    """
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError:
            return
    if isinstance(payload, dict):
        if payload.get("type") != "plain_text":
            for key, value in payload.items():
                if key == "text" and isinstance(value, str):
                    yield value
                elif key == "blocks" or isinstance(value, dict | list):
                    yield from mrkdwn_of(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from mrkdwn_of(value)


POSTING_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")


def everything_posted(world: World) -> list[str]:
    """The mrkdwn of every message the app sent: posts and each edit, ephemeral replies and click answers."""
    posted = [c.args for m in POSTING_METHODS for c in world.slack.calls_to(m)]
    answers = [r.body for r in world.slack.responses]
    return list(mrkdwn_of([*posted, *answers, *(reply for _, reply in world.replies)]))


def posted_for(world: World, channel: str) -> list[str]:
    """The mrkdwn of what the app sent about one case: in its channel, and its private answers."""
    posted = [c.args for m in POSTING_METHODS for c in world.slack.calls_to(m) if c.args.get("channel") == channel]
    return list(mrkdwn_of([*posted, *(reply for where, reply in world.replies if where == channel)]))


def test_good_recordings_still_get_their_results_with_the_symbl_engine(symbl_world: World) -> None:
    world = symbl_world
    results_in_thread(world, "CGOOD02", world.during["ts"], ACTION_ITEM)
    event = share(world, world.new_channel("CGOOD03"), "after.mp4", "video/mp4", b"\x02" * 4096)
    results_in_thread(world, "CGOOD03", event["ts"], ACTION_ITEM)
    wait_until(lambda: "white_check_mark" in world.slack.reactions.get(("CGOOD03", event["ts"]), set()), 10, "✅")
    for text in everything_posted(world):
        for token in RAW_TOKENS:
            assert token not in text, f"{token} reached Slack unescaped in {text[:300]!r}"
    assert world.ledger_item(world.item_id) == ("open", None)


def test_good_recordings_still_get_their_results_with_the_offline_engine(local_world: World) -> None:
    world = local_world
    results_in_thread(world, "CGOOD01", world.during["ts"], LOCAL_ACTION_ITEM, timeout=180)
    event = share(world, world.new_channel("CGOOD02"), "again.mp3", "audio/mpeg", SAMPLE.read_bytes())
    results_in_thread(world, "CGOOD02", event["ts"], LOCAL_ACTION_ITEM, timeout=180)


def test_the_logs_hold_no_traceback_and_no_secret(symbl_world: World, local_world: World) -> None:
    for world in (symbl_world, local_world):
        log = world.app.log_path.read_text(errors="replace")
        secrets = [world.slack.bot_token, "test-app-secret", SIGNING_SECRET]
        if world.symbl:
            secrets += list(world.symbl._tokens)  # the access tokens the emulator issued to the app
        for secret in secrets:
            assert secret not in log, "a secret reached the log"
        for line in log.splitlines():
            if "Traceback" in line:
                raise AssertionError(f"a traceback for bad input: {line[:3000]}")
