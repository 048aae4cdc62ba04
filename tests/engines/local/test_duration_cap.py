"""A recording over MAX_DURATION_MINUTES is refused from its header, before its audio is decoded into memory."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from bot.config import Settings
from bot.engines.base import MediaFile
from bot.engines.local import LocalEngine
from bot.engines.local.recorded import duration_seconds
from bot.models import JobStatus, MediaKind
from bot.store.db import Database
from tests.engines.local.test_engine import RecordingExtractor, wait_for


def _silent_wav(path: Path, seconds: int) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * 8000 * seconds)
    return path


class NeverTranscribes:
    """Stands where the transcriber would: reaching it means the recording was decoded."""

    def transcribe(self, audio, **kwargs):
        raise AssertionError("a recording over the cap was decoded and transcribed")


def test_the_header_tells_the_length(tmp_path):
    assert duration_seconds(_silent_wav(tmp_path / "a.wav", 3)) == pytest.approx(3.0, abs=0.05)
    (tmp_path / "junk.mp3").write_bytes(b"not media" * 50)
    assert duration_seconds(tmp_path / "junk.mp3") is None


def test_a_recording_over_the_cap_fails_with_a_clear_note_and_is_never_decoded(tmp_path):
    settings = Settings(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'engine.sqlite3'}", max_duration_minutes=1
    )
    database = Database(settings.resolved_database_url)
    engine = LocalEngine(database, settings, NeverTranscribes(), RecordingExtractor())
    engine.start()
    try:
        submission = engine.submit(MediaFile(_silent_wav(tmp_path / "long.wav", 61), MediaKind.AUDIO))
        assert wait_for(engine, submission.job_id, timeout=30) is JobStatus.FAILED
        note = engine.job_status(submission.job_id).failure_reason
        assert "up to 0 h 01 min" in note
        assert "MAX_DURATION_MINUTES" in note
    finally:
        engine.close()
        database.dispose()
