""" "Who's who" under the notes, through the Bolt app: a click is acknowledged at once, and everything that needs
Slack (checking the picked person, the private refusals, the redraw) comes after the ack."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys

import sqlalchemy as sa

from bot.engines.base import MediaFile
from bot.engines.symbl import SymblEngine
from bot.models import MediaKind
from bot.render.whoswho import PICK_ACTION, ROW_PREFIX, SAME, SAME_ACTION
from bot.speakers import found_speakers, short_id
from bot.store.tables import SearchPassage
from tests.fakes.symbl_emulator import SymblEmulator
from tests.handlers.bolt_harness import CHANNEL, InProcessApp
from tests.handlers.conftest import add_meeting
from tests.render.helpers import sample_insights

LUCY = short_id(found_speakers(sample_insights())[0].key)


def pick(bolt, meeting, row: str, user: str):
    return bolt.action(
        PICK_ACTION,
        block_id=f"{ROW_PREFIX}{row}",
        selected_user=user,
        channel_id=CHANNEL,
        message_ts=meeting.notes_ts,
    )


def test_naming_a_speaker_redraws_the_notes_with_the_person_after_the_ack(bolt, slack, meeting):
    slack.add_user("U0ALICE", name="alice")
    done = pick(bolt, meeting, LUCY, "U0ALICE")
    assert done.body == ""
    [redraw] = [call for call in done.called("chat.update") if call["ts"] == meeting.notes_ts]
    assert "<@U0ALICE>" in str(redraw["blocks"])


def test_refused_clicks_answer_privately_and_change_nothing(bolt, slack, meeting):
    slack.add_user("U0ALICE", name="alice")
    unknown_speaker = pick(bolt, meeting, "0" * 12, "U0ALICE")
    stranger = pick(bolt, meeting, LUCY, "U0NOBODY")
    itself = bolt.action(
        SAME_ACTION,
        selected_option={"value": f"{SAME}:{LUCY}:{LUCY}"},
        channel_id=CHANNEL,
        message_ts=meeting.notes_ts,
    )
    said = [done.responses[0]["text"] for done in (unknown_speaker, stranger, itself)]
    assert said == [
        "I couldn't find that speaker in this meeting's notes; nothing was changed.",
        "I couldn't find that person in this workspace's Slack; nothing was changed.",
        "A speaker can't be merged with itself; pick two different speakers.",
    ]
    assert not any(done.called("chat.update") for done in (unknown_speaker, stranger, itself))


def test_a_named_speaker_is_searchable_by_the_new_name_at_once(bolt, slack, meeting):
    slack.add_user("U0ALICE", name="alice", real_name="Alice Liddell")
    pick(bolt, meeting, LUCY, "U0ALICE")
    with bolt.services.database.session(writes=False) as session:
        speakers = set(session.scalars(sa.select(SearchPassage.speaker).where(SearchPassage.lines.startswith("m"))))
    assert any("Alice" in (speaker or "") for speaker in speakers), speakers


def test_a_web_worker_builds_one_symbl_client_for_every_rename(slack, tmp_path, migrated_database):
    """Each click renames the member at Symbl; the second reuses the first click's client (and its token), where a
    client built per click would ask Symbl for a token each time."""
    slack.add_user("U0ALICE", name="alice", real_name="Alice Liddell")
    slack.add_user("U0BOB", name="bob", real_name="Bob Stone")
    shutil.copyfile(migrated_database, tmp_path / "bot.sqlite3")
    with SymblEmulator() as symbl:
        setup = SymblEngine(symbl.url, symbl.app_id, symbl.app_secret)
        submission = setup.submit(MediaFile(io.BytesIO(b"\0" * 2048), MediaKind.VIDEO))
        symbl.complete(submission.job_id)
        insights = setup.fetch_insights(submission.conversation_id)
        setup.close()
        bolt = InProcessApp(
            slack,
            tmp_path,
            ENGINE="symbl",
            SYMBL_API_URL=symbl.url,
            SYMBL_APP_ID=symbl.app_id,
            SYMBL_APP_SECRET=symbl.app_secret,
        )
        try:
            meeting = add_meeting(bolt, conversation_id=submission.conversation_id, insights=insights, engine="symbl")
            first, second = (short_id(found.key) for found in found_speakers(insights)[:2])
            tokens_before = len(symbl.requests_to("POST", "/oauth2/token:generate"))

            pick(bolt, meeting, first, "U0ALICE")
            pick(bolt, meeting, second, "U0BOB")

            renamed = symbl.requests_to("PUT", f"/v1/conversations/{submission.conversation_id}/members/")
            assert [r.json["name"] for r in renamed] == ["Alice Liddell", "Bob Stone"]
            assert len(symbl.requests_to("POST", "/oauth2/token:generate")) == tokens_before + 1
        finally:
            bolt.close()


LOADS_NOTHING_HEAVY = """
import sys, threading
from bot.config import Settings
from bot.services import build_services

settings = Settings.from_env({
    "SLACK_BOT_TOKEN": "xoxb-test", "ENGINE": "local", "DATA_DIR": sys.argv[1],
    "DATABASE_URL": "sqlite:///" + sys.argv[1] + "/bot.sqlite3",
})
services = build_services(settings, run_jobs=False)  # a web worker's
engine = services.engine_to_ask()
engine.rename_speaker("c0nversation", "Speaker 1", "Alice")
assert services.engine_to_ask() is engine
heavy = ("faster_whisper", "ctranslate2", "sherpa_onnx", "onnxruntime", "av", "tokenizers", "huggingface_hub")
print(sorted(name for name in heavy if name in sys.modules), [t.name for t in threading.enumerate()])
services.close()
"""


def test_the_offline_engine_a_web_worker_asks_loads_no_speech_model_and_starts_no_thread(tmp_path):
    """Renaming a speaker needs none of the offline engine's speech machinery (its rename changes nothing)."""
    ran = subprocess.run(
        [sys.executable, "-c", LOADS_NOTHING_HEAVY, str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.strip() == "[] ['MainThread']"
