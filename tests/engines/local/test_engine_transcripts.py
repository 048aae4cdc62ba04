"""The offline engine reading transcript files, and dating meetings by the recording, not by processing time.

Transcript files go straight to extraction (the transcriber must never run for them), with the real extractor so
owners and due dates are what a user would see. The recording-date test transcribes real speech once.
"""

from __future__ import annotations

import functools
import shutil
import threading
import time
from datetime import UTC, date, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import av
import pytest

from bot.config import Settings
from bot.engines.base import MediaFile, MediaLink
from bot.engines.local import LocalEngine
from bot.engines.local.engine import default_extractor
from bot.engines.local.recorded import parse_creation_time, recorded_at
from bot.engines.local.transcribe import Transcriber
from bot.errors import TranscriptFileError, user_text
from bot.models import JobStatus, MediaKind, SubmitOptions
from bot.store.db import Database

pytestmark = pytest.mark.models  # loads the speech models: left out of `make test-fast`

ROOT = Path(__file__).resolve().parents[3]
TRANSCRIPTS = ROOT / "tests" / "data" / "transcripts"
STANDUP_MP3 = ROOT / "examples" / "standup.mp3"
MONDAY = datetime(2025, 6, 2, 16, 0, tzinfo=UTC)


class NoListening:
    """A transcriber that fails the test if anything asks it to listen."""

    def transcribe(self, *args, **kwargs):
        raise AssertionError("a transcript file must not be transcribed")


@pytest.fixture
def make_engine(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'engine.sqlite3'}")
    database = Database(settings.resolved_database_url)
    engines: list[LocalEngine] = []

    def make(transcriber=None) -> LocalEngine:
        engine = LocalEngine(database, settings, transcriber or NoListening(), default_extractor(), workers=1)
        engine.start()
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()
    database.dispose()


def finished(engine: LocalEngine, job_id: str, timeout: float = 120.0) -> JobStatus:
    deadline = time.monotonic() + timeout
    while (status := engine.job_status(job_id).status) not in (JobStatus.COMPLETED, JobStatus.FAILED):
        assert time.monotonic() < deadline, f"job still {status}"
        time.sleep(0.05)
    return status


def test_a_zoom_transcript_skips_listening_and_its_owners_are_the_files_names(make_engine):
    engine = make_engine()
    options = SubmitOptions(name="Stand-up", shared_at=MONDAY)
    submission = engine.submit(MediaFile(TRANSCRIPTS / "zoom_standup.vtt", MediaKind.TRANSCRIPT), options=options)
    assert finished(engine, submission.job_id) is JobStatus.COMPLETED
    insights = engine.fetch_insights(submission.conversation_id)

    assert {p.name for p in insights.members} == {"Alice Martin", "Bob Stone", "Carol Diaz"}
    assert insights.duration_seconds == pytest.approx(31.87)
    assert insights.messages[1].speaker.name == "Bob Stone"
    assert insights.messages[1].offset_seconds == pytest.approx(10.02)
    report = next(a for a in insights.action_items if "budget report" in a.text.lower())
    assert report.assignee.name == "Bob Stone"
    assert report.due.date() == date(2025, 6, 6)  # "by Friday", said on Monday 2 June 2025 (when it was shared)
    assert insights.conversation.start == MONDAY


def test_a_transcript_appended_to_a_meeting_continues_after_it(make_engine):
    engine = make_engine()
    first = engine.submit(MediaFile(TRANSCRIPTS / "teams_launch.vtt", MediaKind.TRANSCRIPT))
    second = engine.submit(
        MediaFile(TRANSCRIPTS / "meet_planning.srt", MediaKind.TRANSCRIPT), append_to=first.conversation_id
    )
    assert finished(engine, first.job_id) is JobStatus.COMPLETED
    assert finished(engine, second.job_id) is JobStatus.COMPLETED
    insights = engine.fetch_insights(first.conversation_id)
    speakers = [m.speaker.name for m in insights.messages]
    assert speakers[:4] == ["Priya Natarajan", "Tomás Silva", "Priya Natarajan", "Grace Okafor"]
    assert speakers[4] == "Daniel Kim"
    assert insights.messages[4].offset_seconds == pytest.approx(19.35 + 0.48)  # after the first file's last cue
    assert insights.duration_seconds == pytest.approx(19.35 + 21.4)


def test_an_owner_called_by_first_name_gets_the_full_name_of_the_one_participant_it_fits(make_engine, tmp_path):
    engine = make_engine()
    teams = engine.submit(MediaFile(TRANSCRIPTS / "teams_launch.vtt", MediaKind.TRANSCRIPT))
    assert finished(engine, teams.job_id) is JobStatus.COMPLETED
    items = engine.fetch_insights(teams.conversation_id).action_items
    review = next(a for a in items if a.text.startswith("Grace, can you review"))
    assert review.assignee.name == "Grace Okafor"

    # Two participants called Grace: "Grace" could be either, so it stays as said
    two_graces = tmp_path / "two.vtt"
    two_graces.write_text(
        "WEBVTT\n\n00:01.000 --> 00:03.000\n<v Grace Okafor>Morning.</v>\n\n"
        "00:04.000 --> 00:06.000\n<v Grace Lee>Hi.</v>\n\n"
        "00:07.000 --> 00:10.000\n<v Omar Haddad>Grace, can you review the release notes?</v>\n"
    )
    ambiguous = engine.submit(MediaFile(two_graces, MediaKind.TRANSCRIPT))
    assert finished(engine, ambiguous.job_id) is JobStatus.COMPLETED
    (item,) = engine.fetch_insights(ambiguous.conversation_id).action_items
    assert item.assignee.name == "Grace"


def test_a_transcript_without_speaker_names_is_one_unnamed_speaker(make_engine, tmp_path):
    plain = tmp_path / "captions.vtt"
    plain.write_text("WEBVTT\n\n00:00.000 --> 00:02.500\nWe will ship the release on Friday.\n")
    engine = make_engine()
    submission = engine.submit(MediaFile(plain, MediaKind.TRANSCRIPT))
    assert finished(engine, submission.job_id) is JobStatus.COMPLETED
    (message,) = engine.fetch_insights(submission.conversation_id).messages
    assert message.speaker.name == "Speaker 1"


@pytest.mark.parametrize(
    ("name", "why"),
    [("not_a_transcript.vtt", "not a WebVTT"), ("bad_timestamp.vtt", "malformed timestamp")],
)
def test_a_malformed_transcript_is_refused_at_once_with_the_reason(make_engine, tmp_path, name, why):
    engine = make_engine()
    with pytest.raises(TranscriptFileError) as refused:
        engine.submit(MediaFile(TRANSCRIPTS / name, MediaKind.TRANSCRIPT))
    error = user_text(refused.value)
    assert error.startswith("I couldn't read that transcript: ") and why in error
    assert not list((tmp_path / "local-media").iterdir())  # our copy is not kept


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def transcript_server(tmp_path):
    """The sample transcripts over HTTP on a loopback port, and the SRT one also as ``/rec/download``."""
    served = tmp_path / "served"
    shutil.copytree(TRANSCRIPTS, served)
    (served / "rec").mkdir()
    shutil.copyfile(TRANSCRIPTS / "meet_planning.srt", served / "rec" / "download")
    handler = functools.partial(QuietHandler, directory=str(served))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_linked_transcripts_are_read_even_when_the_link_names_no_format(tmp_path, transcript_server):
    settings = Settings(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'e.sqlite3'}", local_allow_private_urls=True
    )
    database = Database(settings.resolved_database_url)
    engine = LocalEngine(database, settings, NoListening(), default_extractor(), workers=1)
    engine.start()
    try:
        named = engine.submit(MediaLink(f"{transcript_server}/teams_launch.vtt", MediaKind.TRANSCRIPT))
        # A download link without an extension is guessed to be audio; its first bytes say otherwise
        unnamed = engine.submit(
            MediaLink(f"{transcript_server}/rec/download", MediaKind.AUDIO), append_to=named.conversation_id
        )
        broken = engine.submit(MediaLink(f"{transcript_server}/bad_timestamp.vtt", MediaKind.TRANSCRIPT))
        assert finished(engine, named.job_id) is JobStatus.COMPLETED
        assert finished(engine, unnamed.job_id) is JobStatus.COMPLETED
        speakers = {m.speaker.name for m in engine.fetch_insights(named.conversation_id).messages}
        assert {"Grace Okafor", "Sara Lindqvist"} <= speakers
        assert finished(engine, broken.job_id) is JobStatus.FAILED
        assert (
            engine.job_status(broken.job_id).failure_reason
            == "I couldn't read that transcript: line 3 has a malformed timestamp."
        )
    finally:
        engine.close()
        database.dispose()


def with_creation_time(source: Path, dest: Path, creation_time: str) -> Path:
    """``source``'s audio remuxed into an M4A whose container says it was made at ``creation_time``."""
    with av.open(str(source)) as given, av.open(str(dest), "w", format="mp4") as made:
        made.metadata["creation_time"] = creation_time
        audio = given.streams.audio[0]
        out = made.add_stream_from_template(audio)
        for packet in given.demux(audio):
            if packet.dts is not None:
                packet.stream = out
                made.mux(packet)
    return dest


def test_a_recordings_creation_time_dates_the_meeting_for_by_friday(make_engine, tmp_path):
    # Recorded on Tuesday 5 March 2024 and shared months later: "by Friday" is 8 March 2024
    recording = with_creation_time(STANDUP_MP3, tmp_path / "standup.m4a", "2024-03-05T15:30:00Z")
    engine = make_engine(Transcriber(cpu_threads=2))
    submission = engine.submit(MediaFile(recording, MediaKind.AUDIO), options=SubmitOptions(shared_at=MONDAY))
    assert finished(engine, submission.job_id) is JobStatus.COMPLETED
    insights = engine.fetch_insights(submission.conversation_id)
    assert insights.conversation.start == datetime(2024, 3, 5, 15, 30, tzinfo=UTC)
    report = next(a for a in insights.action_items if "budget report" in a.text.lower())
    assert report.due.date() == date(2024, 3, 8)
    assert all(item.due.year == 2024 for item in (*insights.action_items, *insights.follow_ups) if item.due)


def test_creation_times_that_are_placeholders_or_absent_are_ignored(tmp_path):
    assert recorded_at(STANDUP_MP3) is None  # an MP3 with no creation time
    assert recorded_at(with_creation_time(STANDUP_MP3, tmp_path / "a.m4a", "1904-01-01T00:00:00Z")) is None
    assert recorded_at(with_creation_time(STANDUP_MP3, tmp_path / "b.m4a", "2099-01-01T00:00:00Z")) is None
    assert recorded_at(tmp_path / "missing.m4a") is None
    assert parse_creation_time("2024-03-05 15:30:00") == datetime(2024, 3, 5, 15, 30, tzinfo=UTC)
    assert parse_creation_time("not a date") is None
