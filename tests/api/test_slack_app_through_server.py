"""The Slack app with ``ENGINE=symbl`` and ``SYMBL_API_URL`` at ``symbl-bot api``: one engine, two front doors.

A recording shared in Slack goes through the app's own Symbl client to the API server, which transcribes it with
the offline engine. The app polls only every 10 minutes here, so the notes arriving within the test's wait show
the server's webhook woke it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.server_process import api_server
from tests.e2e.conftest import wait_until
from tests.e2e.harness import CHANNEL, AppProcess, app_env
from tests.fakes.slack_api import FakeSlack

pytestmark = pytest.mark.models

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "standup.mp3"


def test_a_shared_recording_gets_its_notes_through_the_api_server(tmp_path: Path) -> None:
    server_dir, app_dir = tmp_path / "server", tmp_path / "app"
    server_dir.mkdir()
    app_dir.mkdir()
    slack = FakeSlack().start()
    with api_server(server_dir) as server:
        env = app_env(slack=slack, data_dir=app_dir, engine="symbl", symbl_url=server.url)
        app = AppProcess(env={}, log_path=app_dir / "app.log")
        app.env = env | {
            "SYMBL_APP_ID": "sdk-client",
            "SYMBL_APP_SECRET": "sdk-secret",
            "PUBLIC_URL": app.url,  # the server calls the app's webhook route with each job's status
            "POLL_INTERVAL_SECONDS": "600",
        }
        try:
            app.start(timeout=60)
            file = slack.add_file(name="standup.mp3", mimetype="audio/mpeg", content=SAMPLE.read_bytes())
            event = slack.post_user_message(CHANNEL, files=[file])
            assert app.event(event)[0] == 200

            def notes():
                replies = [m for m in slack.thread(CHANNEL, event["ts"]) if m.user != "U111" and not m.files]
                return [m for m in replies if "Action items (" in str(m.blocks)]

            message = wait_until(notes, 240, "the notes in the thread")[0]
            assert "report" in str(message.blocks).lower()
            assert "Bob" in str(message.blocks)
            wait_until(lambda: "white_check_mark" in slack.reactions.get((CHANNEL, event["ts"]), set()), 30, "✅")
        finally:
            app.stop()
            slack.stop()
