"""End-to-end: a submit whose answer was lost (the app died, or the database went away, before the job row
saved it) is not submitted twice to the offline engine.

The app is killed at ``before_saving_submitting``: the engine holds the submit, the job row still says
"submitting". After the restart the pipeline submits again with the same idempotency key (the job's id), and the
offline engine answers with the submission it already has. Transcript files make the offline engine fast.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import wait_until
from tests.e2e.harness import CHANNEL, AppProcess, app_env
from tests.fakes.slack_api import FakeSlack
from tests.pg import fresh_database

TRANSCRIPT = Path(__file__).resolve().parents[1] / "data" / "transcripts" / "zoom_standup.vtt"


@pytest.fixture(params=["sqlite", "postgres"])
def crashing_stack(request, tmp_path):
    with contextlib.ExitStack() as cleanup:
        env = {"BOT_FAILPOINT": "before_saving_submitting"}
        if request.param == "postgres":
            env["DATABASE_URL"] = cleanup.enter_context(fresh_database(request.getfixturevalue("postgres_server")))
        slack = FakeSlack().start()
        cleanup.callback(slack.stop)
        app = AppProcess(env=app_env(slack=slack, data_dir=tmp_path, engine="local", **env), log_path=tmp_path / "a")
        cleanup.callback(app.stop)
        app.start(timeout=60)
        yield slack, app


def _rows(app: AppProcess, sql: str) -> list:
    engine = sa.create_engine(app.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql)))
    finally:
        engine.dispose()


def _execute(app: AppProcess, sql: str) -> None:
    engine = sa.create_engine(app.env["DATABASE_URL"])
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


def test_a_submit_lost_before_it_was_saved_is_not_submitted_twice(crashing_stack):
    slack, app = crashing_stack
    file = slack.add_file(name="zoom_standup.vtt", mimetype="text/vtt", content=TRANSCRIPT.read_bytes(), filetype="vtt")
    event = slack.post_user_message(CHANNEL, files=[file])
    assert app.event(event)[0] == 200
    wait_until(lambda: app.process.poll() is not None, 60, "the crash between the submit and saving it")
    assert [row.stage for row in _rows(app, "SELECT stage FROM jobs")] == ["submitting"]
    assert len(_rows(app, "SELECT id FROM local_jobs")) == 1  # the engine has it; the job row does not know

    # The dead process may have started the engine's job: its lease (two minutes) runs out, as time would do.
    _execute(app, "UPDATE local_jobs SET lease_until = NULL")
    app.env.pop("BOT_FAILPOINT")
    app.restart()
    wait_until(lambda: "white_check_mark" in slack.reactions.get((CHANNEL, event["ts"]), set()), 60, "✅")
    (job,) = _rows(app, "SELECT id, conversation_id, engine_job_id FROM jobs")
    assert [(r.id, r.conversation_id) for r in _rows(app, "SELECT id, conversation_id FROM local_jobs")] == [
        (job.engine_job_id, job.conversation_id)
    ], "the offline engine got the recording twice"
    assert len(_rows(app, "SELECT id FROM local_conversations")) == 1
    status, *notes = [m for m in slack.thread(CHANNEL, event["ts"]) if m.user != "U111" and not m.files and m.blocks]
    assert "below" in status.text  # the status message points to the notes
    assert len(notes) == 1
