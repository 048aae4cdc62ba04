"""End-to-end: a Zoom/Teams/Meet transcript shared in Slack comes back as notes, with the file's names as owners.

The real app on the offline engine reads the file instead of listening (no Whisper run, so these are quick); a
reply in the meeting's thread with another transcript is appended to the meeting; a file that is no transcript
gets a note saying why. With the Symbl engine, a transcript gets a note that it needs the offline engine.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.engines.local.tables import LocalConversation
from bot.engines.local.transcript_files import parse_transcript
from bot.store.db import Database
from tests.e2e.conftest import wait_until
from tests.e2e.harness import CHANNEL, AppProcess, app_env
from tests.fakes.slack_api import FakeSlack
from tests.pg import fresh_database

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "data" / "transcripts"


@pytest.fixture(params=["sqlite", "postgres"])
def local_stack(request, tmp_path):
    with contextlib.ExitStack() as cleanup:
        env = {}
        if request.param == "postgres":
            env["DATABASE_URL"] = cleanup.enter_context(fresh_database(request.getfixturevalue("postgres_server")))
        slack = FakeSlack().start()
        cleanup.callback(slack.stop)
        # The offline engine may fetch the test's own loopback server (the /symbl append case)
        env = app_env(slack=slack, data_dir=tmp_path, engine="local", LOCAL_ALLOW_PRIVATE_URLS="true", **env)
        app = AppProcess(env=env, log_path=tmp_path / "app.log")
        cleanup.callback(app.stop)
        app.start(timeout=60)
        yield slack, app
    log = app.log_path.read_text(errors="replace")
    said = [t.text for name in ("zoom_standup.vtt", "meet_planning.srt") for t in parse_transcript(_bytes(name))]
    assert not [text for text in said if text[:40] in log], "transcript text in the app's log"


def _bytes(name: str) -> bytes:
    return (TRANSCRIPTS / name).read_bytes()


def _share(slack: FakeSlack, app: AppProcess, name: str, mimetype: str, *, thread_ts: str | None = None) -> dict:
    file = slack.add_file(name=name, mimetype=mimetype, content=_bytes(name), filetype=name.rsplit(".", 1)[-1])
    event = slack.post_user_message(CHANNEL, files=[file], thread_ts=thread_ts)
    assert app.event(event)[0] == 200
    return event


def _conversation_ids(app: AppProcess) -> list[str]:
    database = Database(app.env["DATABASE_URL"])
    try:
        with database.session() as s:
            return list(s.scalars(sa.select(LocalConversation.id)).all())
    finally:
        database.dispose()


def _meeting_starts(app: AppProcess) -> datetime:
    database = Database(app.env["DATABASE_URL"])
    try:
        with database.session() as s:
            (start,) = s.scalars(sa.select(LocalConversation.meeting_start)).all()
    finally:
        database.dispose()
    return start


def _reacted(slack: FakeSlack, event: dict, emoji: str) -> bool:
    return emoji in slack.reactions.get((CHANNEL, event["ts"]), set())


def test_a_shared_zoom_transcript_gets_notes_owned_by_the_people_it_names(local_stack):
    slack, app = local_stack
    event = _share(slack, app, "zoom_standup.vtt", "text/vtt")

    def notes():
        return [m for m in slack.thread(CHANNEL, event["ts"]) if "budget report" in str(m.blocks).lower()]

    blocks = str(wait_until(notes, 60, "the transcript's notes in the thread")[0].blocks)
    assert "Bob Stone" in blocks  # the owner, named as in the file
    assert "Speaker 1" not in blocks
    assert "<!date^" in blocks  # "by Friday" resolved to a date
    uploaded = wait_until(lambda: [u for u in slack.uploads if u.thread_ts == event["ts"]], 30, "the transcript")
    assert b"Carol Diaz" in uploaded[0].content
    wait_until(lambda: _reacted(slack, event, "white_check_mark"), 10, "✅")
    # The meeting is dated by the Slack message (a transcript has no date of its own), not by when it ran
    shared = datetime.fromtimestamp(float(event["ts"]), UTC)
    assert abs((_meeting_starts(app) - shared).total_seconds()) < 0.001

    # A reply in the meeting's thread with another transcript is appended to the same meeting
    reply = _share(slack, app, "meet_planning.srt", "application/x-subrip", thread_ts=event["ts"])

    def updated():
        return [m for m in slack.thread(CHANNEL, event["ts"]) if "database backup" in str(m.blocks).lower()]

    blocks = str(wait_until(updated, 60, "the appended transcript's notes")[0].blocks)
    assert "Sara Lindqvist" in blocks
    wait_until(lambda: _reacted(slack, reply, "white_check_mark"), 10, "✅ on the reply")


@pytest.fixture
def transcript_server():
    """The sample transcripts over HTTP on a loopback port."""
    handler = functools.partial(QuietHandler, directory=str(TRANSCRIPTS))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_symbl_append_adds_a_linked_transcript_to_a_meeting(local_stack, transcript_server):
    slack, app = local_stack
    event = _share(slack, app, "zoom_standup.vtt", "text/vtt")
    wait_until(lambda: _reacted(slack, event, "white_check_mark"), 60, "the meeting's notes")
    (conversation_id,) = _conversation_ids(app)

    status, body, _ = app.command(slack, f"append {conversation_id} {transcript_server}/meet_planning.srt")
    assert status == 200 and "Adding it to that conversation" in body

    def updated():
        return [m for m in slack.thread(CHANNEL, event["ts"]) if "Sara Lindqvist" in str(m.blocks)]

    blocks = str(wait_until(updated, 60, "the notes with the appended transcript")[0].blocks)
    assert "database backup" in blocks.lower() and "budget report" in blocks.lower()  # both parts of the meeting


def test_a_file_that_is_no_transcript_gets_a_note_saying_why(local_stack):
    slack, app = local_stack
    event = _share(slack, app, "not_a_transcript.vtt", "text/vtt")

    def note():
        return [m for m in slack.thread(CHANNEL, event["ts"]) if "couldn't read that transcript" in str(m.blocks)]

    blocks = str(wait_until(note, 30, "the note in the thread")[0].blocks)
    assert "not a WebVTT (.vtt) or SubRip (.srt) transcript" in blocks
    wait_until(lambda: _reacted(slack, event, "x"), 10, "❌")


@pytest.mark.parametrize("make_stack", ["sqlite"], indirect=True)
def test_with_symbl_a_transcript_gets_a_note_that_it_needs_the_offline_engine(make_stack):
    stack = make_stack()
    event = _share(stack.slack, stack.app, "zoom_standup.vtt", "text/vtt")

    def note():
        return [m for m in stack.slack.thread(CHANNEL, event["ts"]) if "offline engine" in str(m.blocks)]

    wait_until(note, 30, "the note in the thread")
    assert stack.symbl.requests_to("POST", "/v1/process") == []
