"""End-to-end: ``/symbl forget`` deletes a meeting everywhere, only for its sharer or an admin, and resumes after
a crash."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa

from tests.e2e.conftest import wait_until
from tests.e2e.harness import CHANNEL, USER, command_answer
from tests.e2e.test_privacy import _processed
from tests.fakes.slack_methods import WORKSPACE_URL

OTHER = "U0OTHER"
ADMIN = "U0ADMIN"
SAID = "updated budget"  # words of the emulator's transcript


def _setup(stack):
    stack.slack.add_user(USER, real_name="Una Sharer")
    stack.slack.add_user(OTHER, real_name="Otto Other")
    stack.slack.add_user(ADMIN, real_name="Ada Admin", is_admin=True)
    stack.slack.add_channel(CHANNEL, members=(USER, OTHER, ADMIN), name="general")
    notes, conversation_id = _processed(stack, CHANNEL, USER, "https://media.example.com/launch-sync.mp3")
    wait_until(lambda: stack.slack.uploads, 20, "the transcript upload")
    wait_until(lambda: _stages(stack) == ["done"], 20, "the job finished")
    return notes, conversation_id


def _stages(stack) -> list[str]:
    engine = sa.create_engine(stack.app.env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(sa.text("SELECT stage FROM jobs"))]
    finally:
        engine.dispose()


def _rows_naming(stack, words: tuple[str, ...]) -> dict[str, int]:
    """For every table of the database: how many rows hold any of ``words`` in any column."""
    engine = sa.create_engine(stack.app.env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    found = {}
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            assert {"jobs", "conversations", "ledger_items", "search_passages", "forget_requests"} <= set(tables)
            for table in tables:
                rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()  # noqa: S608 - names from the db
                hits = sum(any(w in repr(tuple(row)) for w in words) for row in rows)
                if hits:
                    found[table] = hits
    finally:
        engine.dispose()
    return found


def _forget(stack, target: str, user: str) -> str:
    ack, answer = command_answer(stack.app, stack.slack, f"forget {target}", user=user)
    assert "answer here" in ack["text"]
    return answer["text"]


def test_forget_deletes_the_meeting_everywhere_and_only_for_its_sharer_or_an_admin(make_stack):
    stack = make_stack()
    notes, conversation_id = _setup(stack)
    file_id = stack.slack.uploads[0].file_id
    words = (conversation_id, SAID)
    assert _rows_naming(stack, words), "the meeting should be stored before it is forgotten"

    refused = _forget(stack, conversation_id, OTHER)
    assert "Only the person who shared this recording, or a workspace admin" in refused
    assert not stack.symbl.requests_to("DELETE", "/v1/conversations/")

    link = f"{WORKSPACE_URL}/archives/{CHANNEL}/p{notes.thread_ts.replace('.', '')}"
    assert "Deleting that meeting" in _forget(stack, link, USER)

    try:
        wait_until(lambda: not _rows_naming(stack, words), 20, "every row of the meeting gone")
    except AssertionError:
        raise AssertionError(f"left: {_rows_naming(stack, words)}") from None
    assert stack.symbl.requests_to("DELETE", f"/v1/conversations/{conversation_id}")
    assert [c.args.get("file") for c in stack.slack.calls_to("files.delete")] == [file_id]
    assert file_id not in stack.slack.files
    rewritten = stack.slack.message(CHANNEL, notes.ts)
    assert re.search(rf"Notes deleted at <@{USER}>'s request on <!date\^\d+\^", rewritten.text)
    assert SAID not in json.dumps(rewritten.blocks)
    media = [p for p in Path(stack.app.env["DATA_DIR"]).rglob("*") if p.suffix in (".part", ".media", ".mp3")]
    assert media == []

    # A second forget is harmless; search finds nothing of the meeting.
    assert "couldn't find" in _forget(stack, conversation_id, USER)
    _, found = command_answer(stack.app, stack.slack, f'search "{SAID}"', user=USER)
    assert "No meetings" in found["text"]


def test_an_admin_may_forget_and_a_crash_in_the_middle_resumes(make_stack):
    stack = make_stack()
    _, conversation_id = _setup(stack)
    stack.app.env["BOT_FAILPOINT"] = "forget_after_engine"
    stack.app.restart()
    assert "Deleting that meeting" in _forget(stack, conversation_id, ADMIN)
    wait_until(lambda: stack.app.process.poll() is not None, 20, "the crash at forget_after_engine")
    assert _rows_naming(stack, (conversation_id,)), "the crash came before the rows were deleted"

    stack.app.env.pop("BOT_FAILPOINT")
    stack.app.restart()
    wait_until(lambda: not _rows_naming(stack, (conversation_id, SAID)), 30, "the forget resumed to its end")
    assert len(stack.symbl.requests_to("DELETE", f"/v1/conversations/{conversation_id}")) == 2  # asked again: 404
    assert len(stack.slack.calls_to("files.delete")) == 1


def test_a_meeting_still_being_processed_is_not_forgotten_yet(make_stack):
    stack = make_stack(auto_advance=None)  # the emulator's jobs stay in progress
    stack.slack.add_channel(CHANNEL, members=(USER,), name="general")
    status, _, _ = stack.app.command(stack.slack, "process https://media.example.com/long.mp3", user=USER)
    assert status == 200
    wait_until(lambda: _stages(stack) == ["processing"], 20, "the job processing")
    engine = sa.create_engine(stack.app.env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            conversation_id = conn.execute(sa.text("SELECT conversation_id FROM conversations")).scalar()
    finally:
        engine.dispose()
    assert "still being processed" in _forget(stack, conversation_id, USER)
    assert not stack.symbl.requests_to("DELETE", "/v1/conversations/")
