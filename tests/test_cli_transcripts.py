"""``symbl-bot process meeting.vtt``: a Zoom/Teams/Meet transcript processed offline, refused by Symbl with a reason."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from tests.fakes.symbl_emulator import SymblEmulator

pytestmark = pytest.mark.models  # loads the speech models: left out of `make test-fast`

ROOT = Path(__file__).resolve().parent.parent
ZOOM_VTT = ROOT / "tests" / "data" / "transcripts" / "zoom_standup.vtt"


def test_a_zoom_transcript_is_processed_offline_with_the_files_names_as_owners(tmp_path):
    transcript = tmp_path / "standup.vtt"
    shutil.copyfile(ZOOM_VTT, transcript)
    monday = datetime(2025, 6, 2, 12, tzinfo=UTC).timestamp()
    os.utime(transcript, (monday, monday))  # saved on Monday 2 June 2025: the meeting's date for "by Friday"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "DATA_DIR": str(tmp_path), "ENGINE": "local"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "process", str(transcript), "--transcript"],
        cwd=ROOT,
        env={**env, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    action_items = done.stdout.split("Action items", 1)[1].split("Follow-ups", 1)[0]
    assert "budget report" in action_items
    assert "assignee: Bob Stone · due 2025-06-06" in action_items
    assert "[00:10] Bob Stone: I'll send the budget report to the client by Friday." in done.stdout


def test_symbl_is_not_sent_a_transcript_and_the_user_is_told_why(tmp_path):
    with SymblEmulator() as emulator:
        environ = {
            "ENGINE": "symbl",
            "SYMBL_APP_ID": emulator.app_id,
            "SYMBL_APP_SECRET": emulator.app_secret,
            "SYMBL_API_URL": emulator.url,
        }
        out, err = io.StringIO(), io.StringIO()
        code = main(["process", str(ZOOM_VTT)], environ=environ, out=out, err=err)
        assert code == 1
        assert "Transcript files (.vtt, .srt) are read by the offline engine only" in err.getvalue()
        assert emulator.requests_to("POST", "/v1/process") == []
