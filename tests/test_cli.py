"""The ``symbl-bot`` command line against the Symbl emulator: what a person at a terminal sees."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.cli import main, param_value, submit_options
from bot.codec import insights_from_dict
from bot.errors import ConfigError
from bot.models import JobState, JobStatus, Submission
from tests.fakes.symbl_emulator import SymblEmulator

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def emulator():
    with SymblEmulator(auto_advance_seconds=0.05) as running:
        yield running


@pytest.fixture
def manual_emulator():
    """Jobs only move when the test says so."""
    with SymblEmulator() as running:
        yield running


@pytest.fixture
def recording(tmp_path) -> Path:
    path = tmp_path / "standup.mp4"
    path.write_bytes(b"\0" * 300_000)
    return path


def env_for(emulator: SymblEmulator) -> dict[str, str]:
    return {
        "ENGINE": "symbl",
        "SYMBL_APP_ID": emulator.app_id,
        "SYMBL_APP_SECRET": emulator.app_secret,
        "SYMBL_API_URL": emulator.url,
        "POLL_INTERVAL_SECONDS": "0.02",
        "JOB_DEADLINE_SECONDS": "20",
    }


def run_cli(args: list[str], environ: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, environ=environ, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_processing_a_file_prints_action_items_follow_ups_questions_and_topics(emulator, recording):
    code, out, err = run_cli(["process", str(recording)], env_for(emulator))

    assert code == 0, err
    assert "Action items (2)" in out
    assert "Marco will send the updated budget to finance by Friday." in out
    assert "assignee: Marco Rossi · due 2026-03-06 · firm" in out
    assert "no assignee · tentative" in out
    assert "Follow-ups (1)" in out
    assert "Questions (2)" in out
    assert "What is the price of the premium analytics tier?" in out
    assert "budget  (under launch plan)" in out
    assert "Transcript" not in out
    assert "Uploading 0.3 / 0.3 MiB (100%)" in err
    assert "Job completed" in err
    assert emulator.uploaded_bytes == {next(iter(emulator.uploaded_bytes)): 300_000}
    upload = emulator.requests_to("POST", "/v1/process/video")[0]
    assert upload.headers["Content-Length"] == "300000"  # the progress wrapper still streams a sized body


def test_json_output_is_the_normalised_insights(emulator, recording):
    code, out, err = run_cli(["process", str(recording), "--json", "--name", "Launch review"], env_for(emulator))

    assert code == 0, err
    data = json.loads(out)
    assert data["conversation"]["name"] == "Launch review"
    assert data["action_items"][0]["due"] == "2026-03-06T07:00:00+00:00"
    assert data["action_items"][0]["assignee"]["name"] == "Marco Rossi"
    insights = insights_from_dict(data)
    assert len(insights.questions) == 2
    assert data["messages"][6]["sentiment"] == {"polarity": 0.8, "suggested": "positive"}
    assert {t["text"]: t["sentiment"]["suggested"] for t in data["topics"]}["push notifications"] == "negative"


def test_transcript_lines_show_time_speaker_and_text(emulator, recording):
    code, out, _ = run_cli(["process", str(recording), "--transcript"], env_for(emulator))

    assert code == 0
    assert "[00:04] Marco Rossi: I will send the updated budget to finance by Friday." in out


def test_no_wait_prints_the_ids_and_does_not_poll(manual_emulator, recording):
    code, out, _ = run_cli(["process", str(recording), "--no-wait"], env_for(manual_emulator))

    assert code == 0
    (job_id,) = manual_emulator.jobs
    conversation_id = manual_emulator.jobs[job_id].conversation_id
    assert out.splitlines() == [f"conversation_id: {conversation_id}", f"job_id: {job_id}"]
    assert manual_emulator.requests_to("GET", "/v1/job/") == []


def test_status_prints_the_jobs_state(manual_emulator, recording):
    env = env_for(manual_emulator)
    run_cli(["process", str(recording), "--no-wait"], env)
    (job_id,) = manual_emulator.jobs

    assert run_cli(["status", job_id], env)[:2] == (0, "scheduled\n")
    manual_emulator.advance(job_id)
    assert run_cli(["status", job_id], env)[:2] == (0, "in_progress\n")


def test_params_and_append_reach_the_engine(manual_emulator, recording):
    env = env_for(manual_emulator)
    run_cli(["process", str(recording), "--no-wait"], env)
    conversation_id = next(iter(manual_emulator.conversations))

    code, _, err = run_cli(
        [
            "process",
            "https://media.example.com/part2.mp3",
            "--append",
            conversation_id,
            "--no-wait",
            "--param",
            "detectPhrases=true",
            "--param",
            'customVocabulary=["Kubernetes","Symbl"]',
            "--param",
            "enableSpeakerDiarization=true",
            "--param",
            "diarizationSpeakerCount=3",
        ],
        env,
    )

    assert code == 0, err
    request = manual_emulator.requests_to("PUT", "/v1/process/")[0]
    assert request.path == f"/v1/process/audio/url/{conversation_id}"
    assert request.json == {
        "url": "https://media.example.com/part2.mp3",
        "detectPhrases": True,
        "customVocabulary": ["Kubernetes", "Symbl"],
    }
    assert request.query == {"enableSpeakerDiarization": ["true"], "diarizationSpeakerCount": ["3"]}


def test_a_failed_job_exits_1_with_a_plain_explanation(manual_emulator, recording):
    result: list[tuple[int, str, str]] = []
    env = env_for(manual_emulator)
    worker = threading.Thread(target=lambda: result.append(run_cli(["process", str(recording)], env)))
    worker.start()
    deadline = time.monotonic() + 10
    while not manual_emulator.jobs and time.monotonic() < deadline:
        time.sleep(0.01)
    manual_emulator.fail(next(iter(manual_emulator.jobs)))
    worker.join(timeout=10)

    code, out, err = result[0]
    assert code == 1
    assert out == ""
    assert "Processing failed on the transcription service's side" in err
    assert "Traceback" not in err


class FailingOfflineEngine:
    """Stands in for the offline engine, whose failed jobs say why in words for users (``JobState``)."""

    name = "local"
    reason = "I couldn't decode this recording: it is not audio or video I can read."

    def start(self) -> None: ...

    def close(self) -> None: ...

    def submit(self, recording, *, append_to=None, options=None) -> Submission:
        return Submission(conversation_id="c1", job_id="j1")

    def job_status(self, job_id: str) -> JobState:
        return JobState(JobStatus.FAILED, failure_reason=self.reason)

    def fetch_insights(self, conversation_id: str): ...

    def delete_conversation(self, conversation_id: str) -> None: ...


def test_an_offline_job_that_fails_shows_why(recording):
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["process", str(recording)], environ={}, engine_factory=lambda _: FailingOfflineEngine(), out=out, err=err
    )

    assert code == 1
    assert f"Error: Processing failed: {FailingOfflineEngine.reason}" in err.getvalue()
    assert err.getvalue().count(FailingOfflineEngine.reason) == 1  # said once, not again as "The service said"

    out = io.StringIO()
    assert main(["status", "j1"], environ={}, engine_factory=lambda _: FailingOfflineEngine(), out=out) == 0
    assert out.getvalue() == f"failed\nReason: {FailingOfflineEngine.reason}\n"


def test_waiting_gives_up_at_the_deadline(manual_emulator, recording):
    code, out, err = run_cli(["process", str(recording), "--timeout", "0.3"], env_for(manual_emulator))

    assert code == 1
    assert out == ""
    assert "was not done after 0s" in err
    assert len(manual_emulator.requests_to("GET", "/v1/job/")) >= 2  # it did poll, then stopped


def test_an_engine_refusal_shows_the_servers_message(emulator, recording):
    code, _, err = run_cli(["process", str(recording), "--param", "mode=satellite"], env_for(emulator))

    assert code == 1
    assert "refused this recording" in err
    assert "The service said:" in err
    assert "mode" in err


def test_missing_credentials_are_named_one_per_line_with_exit_2(recording):
    code, out, err = run_cli(["process", str(recording)], {"ENGINE": "symbl"})

    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        "Set SYMBL_APP_ID: your Symbl app id (or set ENGINE=local to run offline).",
        "Set SYMBL_APP_SECRET: your Symbl app secret (or set ENGINE=local to run offline).",
    ]


def test_files_that_are_missing_or_not_recordings_are_refused_before_any_upload(manual_emulator, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a recording")
    env = env_for(manual_emulator)

    missing = run_cli(["process", str(tmp_path / "nope.mp4")], env)
    unsupported = run_cli(["process", str(notes)], env)

    assert missing[0] == 2
    assert "No such file" in missing[2]
    assert unsupported[0] == 1
    assert ".txt is not a recording I can process" in unsupported[2]
    assert manual_emulator.requests == []


def test_python_dash_m_bot_runs_the_same_cli(manual_emulator, recording):
    env = {**os.environ, **env_for(manual_emulator), "PYTHONPATH": str(ROOT)}
    submitted = subprocess.run(
        [sys.executable, "-m", "bot", "process", str(recording), "--no-wait", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert submitted.returncode == 0, submitted.stderr
    ids = json.loads(submitted.stdout)
    assert ids["job_id"] in manual_emulator.jobs

    status = subprocess.run(
        [sys.executable, "-m", "bot", "status", ids["job_id"]],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert (status.returncode, status.stdout) == (0, "scheduled\n")


def test_param_values_are_typed_like_json():
    assert param_value("true") is True
    assert param_value("false") is False
    assert param_value("3") == 3
    assert param_value("0.75") == 0.75
    assert param_value('["a","b"]') == ["a", "b"]
    assert param_value('{"featureList":["insights"]}') == {"featureList": ["insights"]}
    assert param_value("en-US") == "en-US"
    assert param_value("[not json") == "[not json"


def test_params_fill_typed_options_where_they_exist_and_extra_otherwise():
    options = submit_options("Retro", ["languageCode=en-GB", 'custom_vocabulary=["x"]', "mode=phone"])
    assert options.name == "Retro"
    assert options.language_code == "en-GB"
    assert options.custom_vocabulary == ("x",)
    assert options.extra == {"mode": "phone"}
    assert submit_options(None, ['participantNames=["Bob Stone","Alice"]']).participant_names == ("Bob Stone", "Alice")
    with pytest.raises(ConfigError):
        submit_options(None, ["novalue"])
