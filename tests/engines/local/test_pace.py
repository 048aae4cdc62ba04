"""The offline engine's estimate: the running recording's length at the speed measured on its finished ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.engines.local.pace import Pace
from bot.engines.local.tables import LocalConversation, LocalJob
from bot.models import JobStatus, MediaKind
from bot.store.db import Database
from bot.store.schema import prepare

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def database(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'pace.sqlite3'}")
    prepare(db)
    yield db
    db.dispose()


def finished_recording(database, name, *, audio_seconds, took_seconds, kind=MediaKind.AUDIO, parts=1):
    """A conversation of ``parts`` recordings whose first took ``took_seconds`` for ``audio_seconds`` of audio."""
    with database.session() as s:
        s.add(LocalConversation(id=name, media_seconds=audio_seconds))
        for seq in range(1, parts + 1):
            s.add(
                LocalJob(
                    id=f"{name}-{seq}",
                    conversation_id=name,
                    seq=seq,
                    kind=kind.value,
                    status=JobStatus.COMPLETED.value,
                    started_at=T0,
                    finished_at=T0 + timedelta(seconds=took_seconds),
                )
            )


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_no_estimate_until_a_recording_has_been_measured(database):
    clock = Clock()
    pace = Pace(database, clock=clock)
    pace.started("job", 600)
    assert pace.seconds_left("job") is None
    finished_recording(database, "first", audio_seconds=300, took_seconds=90)  # 0.3 s per audio second
    pace.finished("earlier-job")  # a job ending here measures the speed again
    assert pace.seconds_left("job") == pytest.approx(180)
    clock.now += 100
    assert pace.seconds_left("job") == pytest.approx(80)
    clock.now += 1000
    assert pace.seconds_left("job") == 0  # running past its estimate: never a negative time
    assert pace.seconds_left("not-running-here") is None


def test_the_speed_is_the_median_of_single_recordings_and_skips_transcript_files_and_appends(database):
    finished_recording(database, "a", audio_seconds=100, took_seconds=20)  # 0.2
    finished_recording(database, "b", audio_seconds=100, took_seconds=40)  # 0.4
    finished_recording(database, "c", audio_seconds=100, took_seconds=500)  # 5.0: one slow outlier
    finished_recording(database, "vtt", audio_seconds=3600, took_seconds=1, kind=MediaKind.TRANSCRIPT)
    finished_recording(database, "appended", audio_seconds=100, took_seconds=1, parts=2)  # length per part unknown
    assert Pace(database).seconds_per_audio_second() == pytest.approx(0.4)
