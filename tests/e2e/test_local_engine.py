"""End-to-end with the offline engine: real speech shared in Slack comes back as action items in the thread.

No Symbl anywhere: the app transcribes the recording with the bundled Whisper model and extracts the
insights itself, as it does on a fresh install with only Slack credentials.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.conftest import wait_until
from tests.e2e.harness import CHANNEL, USER, AppProcess, app_env
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import block_action_body

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "standup.mp3"


@pytest.fixture
def local_stack(tmp_path):
    slack = FakeSlack().start()
    # tiny.en: fast, and it hears the sample's synthetic voices ("budget report") where base does not
    env = {**app_env(slack=slack, data_dir=tmp_path, engine="local"), "WHISPER_MODEL": "tiny.en"}
    app = AppProcess(env=env, log_path=tmp_path / "app.log")
    try:
        app.start(timeout=60)
        yield slack, app
    finally:
        app.stop()
        slack.stop()


def test_shared_recording_is_transcribed_offline_and_its_action_items_posted(local_stack):
    slack, app = local_stack
    file = slack.add_file(name="standup.mp3", mimetype="audio/mpeg", content=SAMPLE.read_bytes())
    event = slack.post_user_message(CHANNEL, files=[file])
    assert app.event(event)[0] == 200

    def results():
        replies = [m for m in slack.thread(CHANNEL, event["ts"]) if m.user != "U111" and not m.files]
        return [m for m in replies if "budget report" in str(m.blocks).lower()]

    message = wait_until(results, 180, "the offline engine's results in the thread")[0]
    blocks = str(message.blocks)
    assert "Action items (" in blocks
    assert "Bob" in blocks  # the assignee named in the meeting
    assert "<!date^" in blocks  # "by Friday" resolved to a date Slack renders
    assert message.edits == 0, "the notes are a new message in the thread, which notifies it"
    transcript = wait_until(lambda: [u for u in slack.uploads if u.thread_ts == event["ts"]], 30, "the transcript")
    assert b"budget" in transcript[0].content.lower()
    wait_until(lambda: "white_check_mark" in slack.reactions.get((CHANNEL, event["ts"]), set()), 10, "✅")
    # The offline engine was asked for its summary and gave one; the notes show it.
    with sqlite3.connect(app.env["DATA_DIR"] + "/bot.sqlite3") as db:
        (insights,) = db.execute("SELECT insights_json FROM jobs").fetchone()
    summary = json.loads(insights)["summary"]
    assert summary and all(item["text"][:40] in str(message.blocks) for item in summary)
    # Each detected speaker's voice is kept for the meeting (a vector: 192 float32 numbers), under its workspace
    with sqlite3.connect(app.env["DATA_DIR"] + "/bot.sqlite3") as db:
        voices = db.execute("SELECT team_id, speaker_id, length(vector) FROM speaker_embeddings").fetchall()
        (conversation_id,) = db.execute("SELECT conversation_id FROM jobs").fetchone()
        kept_for = {row[0] for row in db.execute("SELECT conversation_id FROM speaker_embeddings")}
    assert voices and all(team == "T0001" and size == 192 * 4 for team, _, size in voices)
    # keyed by the diarizer's labels (the sample's synthetic voices may be heard as one speaker)
    assert all(speaker.startswith("Speaker ") for _, speaker, _ in voices) and kept_for == {conversation_id}

    # "Who's who" works offline too: a speaker named as a Slack user is shown
    # everywhere, and the transcript is replaced.
    slack.add_user("UALICE01", name="alice", real_name="Alice Example")
    rows = [b for b in message.blocks if str(b.get("block_id", "")).startswith("whoswho:")]
    assert rows and "% of the talk" in rows[0]["text"]["text"]  # espeak voices are often heard as one (see docs)
    body = block_action_body(
        "whoswho_pick",
        block_id=rows[0]["block_id"],
        selected_user="UALICE01",
        response_url=slack.response_url(),
        message_ts=message.ts,
        thread_ts=message.thread_ts,
    )
    assert app.post_signed(body, "application/x-www-form-urlencoded")[0] == 200
    renamed = wait_until(lambda: (m := slack.message(CHANNEL, message.ts)).edits and m, 20, "the notes redrawn")
    assert "<@UALICE01>" in json.dumps(renamed.blocks)
    wait_until(lambda: transcript[0].file_id in slack.deleted_files, 20, "the first transcript replaced")
    assert b"Alice Example: " in [u for u in slack.uploads if u.thread_ts == event["ts"]][-1].content

    # With one recording measured, the next one's status line estimates the time left while it is transcribed.
    second = slack.post_user_message(
        CHANNEL, files=[slack.add_file(name="again.mp3", mimetype="audio/mpeg", content=SAMPLE.read_bytes())]
    )
    assert app.event(second)[0] == 200
    wait_until(lambda: "white_check_mark" in slack.reactions.get((CHANNEL, second["ts"]), set()), 180, "✅ again")
    status_lines = [str(c.args.get("text")) for c in slack.calls_to("chat.update")]
    assert any("left" in line or "almost done" in line for line in status_lines), "no estimate was ever shown"


def test_the_channels_members_are_the_offline_engines_roster(local_stack, tmp_path):
    slack, app = local_stack
    for user_id, real_name in (("U0BOB", "Bob Stone"), ("U0ALICE", "Alice Martin"), ("U0CAROL", "Carol Diaz")):
        slack.add_user(user_id, name=real_name.split()[0].lower(), real_name=real_name)
    slack.add_channel(CHANNEL, members=(USER, "U0BOB", "U0ALICE", "U0CAROL"))
    file = slack.add_file(name="standup.mp3", mimetype="audio/mpeg", content=SAMPLE.read_bytes())
    event = slack.post_user_message(CHANNEL, files=[file])
    assert app.event(event)[0] == 200
    wait_until(lambda: "white_check_mark" in slack.reactions.get((CHANNEL, event["ts"]), set()), 180, "✅")

    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        (options,) = db.execute("SELECT options_json FROM local_jobs").fetchone()
    names = json.loads(options)["participant_names"]
    assert {"Alice Martin", "Bob Stone", "Carol Diaz"} <= set(names)  # and the poster's name, whatever the fake gives
