"""End-to-end: the retention sweep, the consent note, and erasure when the app is uninstalled or tokens revoked.

Each runs the real app (and for the sweep two app processes on one database) on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.store.tables import utcnow
from tests.e2e.conftest import Stack, wait_quiescent, wait_until
from tests.e2e.harness import CHANNEL, TEAM_ID, USER, AppProcess, app_env, command_answer
from tests.e2e.test_forget import SAID, _rows_naming
from tests.e2e.test_privacy import ACTION_ITEM
from tests.fakes.slack_api import FakeSlack
from tests.fakes.symbl_emulator import SymblEmulator
from tests.pg import fresh_database

POLICY = "deleted by this channel's retention policy"
CONSENT = "Meeting notes are on in this channel"


def _processed(stack: Stack, channel: str, user: str, url: str) -> tuple:
    """``/symbl process <url>`` in ``channel``: its notes message and conversation id once the results are in.

    The command's parent is told apart by the recording's name: the channel may hold other meetings and notes.
    """
    before = len(stack.symbl.requests_to("GET", "/v1/conversations/"))
    status, _, _ = stack.app.command(stack.slack, f"process {url}", channel=channel, user=user)
    assert status == 200
    name = url.rsplit("/", 1)[-1]

    def parent():
        return next((m for m in stack.slack.messages.get(channel, []) if not m.is_reply and name in m.text), None)

    thread_ts = wait_until(parent, 10, f"the parent of {name}").ts

    def notes():
        found = [m for m in stack.slack.thread(channel, thread_ts) if ACTION_ITEM in json.dumps(m.blocks)]
        return found[0] if found else None

    message = wait_until(notes, 30, f"the notes of {name}")
    wait_until(lambda: len(stack.symbl.requests_to("GET", "/v1/conversations/")) > before, 10)
    conversation_id = stack.symbl.requests_to("GET", "/v1/conversations/")[-1].path.split("/")[3]
    return message, conversation_id


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def _sql(url: str, statement: str, **params) -> list:
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return result.all() if result.returns_rows else []
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def two_apps(request, tmp_path):
    """Two app processes (each its web workers and jobs process) on one database, one fake Slack, one Symbl."""
    slack = FakeSlack().start()
    symbl = SymblEmulator(auto_advance_seconds=0.1).start()
    apps: list[AppProcess] = []
    with contextlib.ExitStack() as stack:
        if request.param == "postgres":
            url = stack.enter_context(fresh_database(request.getfixturevalue("postgres_server")))
        else:
            url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        for index in range(2):
            data_dir = tmp_path / f"app{index}"
            data_dir.mkdir()
            env = app_env(
                slack=slack,
                data_dir=data_dir,
                engine="symbl",
                symbl_url=symbl.url,
                DATABASE_URL=url,
                RETENTION_CHECK_SECONDS="0.5",
            )
            apps.append(AppProcess(env=env, log_path=data_dir / "app.log"))
        try:
            for app in apps:
                app.start()
            yield slack, symbl, apps, url
        finally:
            for app in apps:
                app.stop()
    symbl.stop()
    slack.stop()


def test_the_retention_sweep_forgets_an_old_meeting_once_with_two_app_processes(two_apps):
    slack, symbl, (first, second), url = two_apps
    slack.add_user(USER, real_name="Una Sharer")
    slack.add_channel(CHANNEL, members=(USER,), name="general")
    old_notes, old_id = _processed(Stack(slack, symbl, first), CHANNEL, USER, "https://media.example.com/old.mp3")
    new_notes, new_id = _processed(Stack(slack, symbl, second), CHANNEL, USER, "https://media.example.com/new.mp3")
    wait_until(lambda: len(slack.uploads) == 2, 20, "both transcripts")
    wait_until(lambda: {r[0] for r in _sql(url, "SELECT stage FROM jobs")} == {"done"}, 20, "both jobs done")

    ack, _ = command_answer(second, slack, "retention 30")
    assert "now kept for 30 days" in ack["text"]
    ack, _ = command_answer(first, slack, "settings")
    assert "kept for 30 days (this channel's setting" in ack["text"]

    # The first meeting was made 40 days ago; today's sweep is undone again, so both processes go for it at once.
    _sql(
        url, "UPDATE conversations SET created_at = :t WHERE conversation_id = :c", t=utcnow() - timedelta(40), c=old_id
    )
    _sql(url, "DELETE FROM retention_sweeps")

    wait_until(lambda: POLICY in slack.message(CHANNEL, old_notes.ts).text, 30, "the old notes rewritten")
    wait_until(lambda: not _rows_naming(Stack(slack, symbl, first), (old_id,)), 20, "every row of the old meeting")
    # Each process looks for the day's sweep every 0.5 s: a second sweep would have started within a quiet second.
    wait_quiescent(slack, url, quiet=1.0)
    rewrites = [c for c in slack.calls_to("chat.update") if c.args.get("ts") == old_notes.ts and POLICY in str(c.args)]
    assert len(rewrites) == 1
    assert len(symbl.requests_to("DELETE", f"/v1/conversations/{old_id}")) == 1
    assert _sql(url, "SELECT count(*) FROM retention_sweeps WHERE finished_at IS NOT NULL")[0][0] == 1
    swept = [a.log_path.read_text().count("done: 1 meetings to forget") for a in (first, second)]
    assert sorted(swept) == [0, 1]
    # The recent meeting is kept, and still found.
    assert POLICY not in slack.message(CHANNEL, new_notes.ts).text
    assert _rows_naming(Stack(slack, symbl, first), (new_id,))
    _, found = command_answer(first, slack, f'search "{SAID}"', user=USER)
    assert "Search results" in found["text"]


def _consent_notes(slack: FakeSlack, channel: str) -> list:
    return [m for m in slack.messages.get(channel, []) if CONSENT in (m.text or "")]


def test_the_consent_note_is_posted_once_per_channel_even_after_a_crash(make_stack):
    stack = make_stack(RETENTION_DAYS="90")
    stack.slack.add_user(USER, real_name="Una Sharer")
    stack.slack.add_channel(CHANNEL, members=(USER,), name="general")
    stack.slack.add_channel("C222", members=(USER,), name="design")

    # Crash right after Slack took the note, before its ts was saved: the restarted app finds it, posts no second.
    stack.app.env["BOT_FAILPOINT"] = "after_consent_post"
    stack.app.restart()
    stack.app.command(stack.slack, "auto on", user=USER)
    wait_until(lambda: stack.app.process.poll() is not None, 20, "the crash after the consent note")
    stack.app.env.pop("BOT_FAILPOINT")
    stack.app.restart()
    wait_until(lambda: _sql(stack.app.env["DATABASE_URL"], "SELECT ts FROM consent_notes")[0][0], 30, "its ts saved")
    ack, _ = command_answer(stack.app, stack.slack, "auto on")
    assert "Auto-processing is now on" in ack["text"]
    _processed(stack, CHANNEL, USER, "https://media.example.com/a.mp3")  # the channel's first recording

    # Another channel is told on its first recording processed.
    _processed(stack, "C222", USER, "https://media.example.com/b.mp3")
    wait_until(lambda: _consent_notes(stack.slack, "C222"), 20, "the note in the second channel")
    wait_quiescent(stack.slack, stack.app.env["DATABASE_URL"])
    notes = _consent_notes(stack.slack, CHANNEL)
    assert len(notes) == 1
    assert len(_consent_notes(stack.slack, "C222")) == 1
    assert "kept for 90 days" in notes[0].text and "/symbl forget" in notes[0].text


def _team_rows(url: str) -> dict[str, int]:
    """For every table with a team column: how many rows of the test's workspace it holds."""
    engine = _engine(url)
    found = {}
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            for table in inspector.get_table_names():
                if "team_id" in {c["name"] for c in inspector.get_columns(table)}:
                    count = conn.execute(
                        sa.text(f'SELECT count(*) FROM "{table}" WHERE team_id = :t'),  # noqa: S608 - names from the db
                        {"t": TEAM_ID},
                    ).scalar()
                    if count:
                        found[table] = count
    finally:
        engine.dispose()
    return found


def test_uninstalling_erases_the_workspace_once_and_a_revoked_user_token_only_that_persons_data(make_stack):
    stack = make_stack()
    url = stack.app.env["DATABASE_URL"]
    stack.slack.add_user(USER, real_name="Una Sharer")
    stack.slack.add_channel(CHANNEL, members=(USER,), name="general")
    command_answer(stack.app, stack.slack, "retention 60")
    command_answer(stack.app, stack.slack, "digest daily 09:00 UTC")
    command_answer(stack.app, stack.slack, "voice on")  # a remembered voice is the workspace's data too
    _, conversation_id = _processed(stack, CHANNEL, USER, "https://media.example.com/launch-sync.mp3")
    wait_until(lambda: stack.slack.uploads, 20, "the transcript upload")
    wait_until(lambda: _sql(url, "SELECT ts FROM consent_notes")[0][0], 20, "the consent note")
    for person in ("U0LEAVER", "U0STAYER"):
        _sql(
            url,
            "INSERT INTO owner_overrides (team_id, conversation_id, person_key, user_id, updated_at) "
            "VALUES (:t, :c, :p, :u, :now)",
            t=TEAM_ID,
            c=conversation_id,
            p=person.lower(),
            u=person,
            now=utcnow(),
        )
    _sql(
        url,
        "INSERT INTO voice_consents (team_id, user_id, agreed_at) VALUES (:t, 'U0LEAVER', :now)",
        t=TEAM_ID,
        now=utcnow(),
    )

    # One person's user token revoked: only their own data goes.
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": ["U0LEAVER"], "bot": []}}
    assert stack.app.event(revoked, event_id="Ev0REVOKE1")[0] == 200
    left = "SELECT user_id FROM owner_overrides"
    wait_until(lambda: [r[0] for r in _sql(url, left)] == ["U0STAYER"], 20, "the leaver's data erased")
    assert [r[0] for r in _sql(url, "SELECT user_id FROM voice_consents")] == [USER]
    assert {"jobs", "conversations", "search_passages", "ledger_items"} <= set(_team_rows(url))

    # Uninstalled: every row of the workspace goes, once, though Slack delivers the event twice.
    before = _team_rows(url)
    assert {"channel_settings", "consent_notes", "owner_overrides", "digest_runs"} - set(before) <= {"digest_runs"}
    uninstalled = {"type": "app_uninstalled"}
    assert stack.app.event(uninstalled, event_id="Ev0UNINSTALL")[0] == 200
    assert stack.app.event(uninstalled, event_id="Ev0UNINSTALL")[0] == 200
    bot_revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
    assert stack.app.event(bot_revoked, event_id="Ev0REVOKE2")[0] == 200
    try:
        wait_until(lambda: set(_team_rows(url)) == {"erasure_requests"}, 20, "the workspace's rows gone")
    except AssertionError:
        raise AssertionError(f"left: {_team_rows(url)}") from None
    wait_until(lambda: not _sql(url, "SELECT 1 FROM erasure_requests WHERE done_at IS NULL"), 20, "all erasures done")
    assert not _rows_naming(stack, (conversation_id, SAID))
    assert stack.symbl.requests_to("DELETE", f"/v1/conversations/{conversation_id}")
    requests = _sql(url, "SELECT event_id, scope, counts_json FROM erasure_requests ORDER BY requested_at")
    assert [(r[0], r[1]) for r in requests] == [
        ("Ev0REVOKE1", "users"),
        ("Ev0UNINSTALL", "workspace"),
        ("Ev0REVOKE2", "workspace"),
    ]
    counts = json.loads(requests[1][2])
    assert counts["jobs"] == 1 and counts["conversations"] == 1 and counts["search_passages"] > 0
    assert sum(json.loads(requests[2][2]).values()) == 0  # the second erasure found nothing left
    erased = [line for line in stack.app.log_path.read_text().splitlines() if "erased" in line]
    assert len([line for line in erased if "workspace erased" in line]) == 2  # counts only: no id, no word said
    assert not [line for line in erased if conversation_id in line or CHANNEL in line]


SUBMIT_DELAY = 10.0  # Symbl answers the submit this late; the erasure runs within a few seconds meanwhile


def test_a_recording_submitted_while_its_workspace_is_erased_leaves_nothing_behind(make_stack):
    """The app is uninstalled while a recording is being submitted: the erasure runs, then Symbl's answer comes and
    the pipeline writes the new conversation's row. That row and Symbl's copy go too, and no notes are posted."""
    stack = make_stack()
    url = stack.app.env["DATABASE_URL"]
    stack.slack.add_user(USER, real_name="Una Sharer")
    stack.slack.add_channel(CHANNEL, members=(USER,), name="general")
    stack.symbl.inject_fault("POST", r"^/v1/process/", status=0, delay=SUBMIT_DELAY)
    assert stack.app.command(stack.slack, "process https://media.example.com/late-sync.mp3")[0] == 200
    wait_until(lambda: stack.symbl.requests_to("POST", "/v1/process/"), 20, "the submit sent")
    submitted = time.monotonic()

    assert stack.app.event({"type": "app_uninstalled"}, event_id="Ev0UNINSTALL")[0] == 200
    done = "SELECT 1 FROM erasure_requests WHERE event_id = 'Ev0UNINSTALL' AND done_at IS NOT NULL"
    wait_until(lambda: _sql(url, done), 20, "the erasure done")
    assert time.monotonic() - submitted < SUBMIT_DELAY - 1, "the erasure ran after the submit's answer: no race"

    late = wait_until(lambda: list(stack.symbl.conversations), SUBMIT_DELAY + 10, "Symbl's answer to the submit")[0]
    wait_until(lambda: stack.symbl.requests_to("DELETE", f"/v1/conversations/{late}"), 30, "Symbl's copy deleted")
    wait_quiescent(stack.slack, url)
    assert set(_team_rows(url)) == {"erasure_requests"}, _team_rows(url)
    assert not any(ACTION_ITEM in json.dumps(m.blocks) for m in stack.slack.messages.get(CHANNEL, []))
    assert not stack.symbl.requests_to("GET", f"/v1/conversations/{late}/")  # its insights were never fetched
