"""The offline engine: the ``Engine`` protocol implemented on this machine, state kept in the database.

Submitting copies the recording (or notes its URL), writes a job row and returns at once. A bounded thread
pool does the work: it drains each conversation's jobs in order (first in, first out), claiming each with a
lease so that a second process on the same database never runs it too, renewing the lease while it works,
and finishing it in one transaction that appends the transcript and stores the recomputed insights. After a
crash, ``start()`` re-queues every unfinished job whose lease has run out; a completed job is never run again.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa

from bot.codec import insights_from_dict, insights_to_dict
from bot.config import Settings
from bot.engines.base import MediaLink, MediaSource, Recording
from bot.engines.local.chunks import CHUNK_SECONDS
from bot.engines.local.pace import Pace
from bot.engines.local.sentiment import with_sentiment
from bot.engines.local.tables import LocalConversation, LocalJob, utcnow
from bot.engines.local.transcribe import Transcriber, Utterance, default_cpu_threads, language_note
from bot.errors import (
    BotError,
    EmptyMediaError,
    MediaTooLargeError,
    MediaTooLongError,
    NotFoundError,
    is_disk_full,
    user_text,
)
from bot.models import (
    ActionItem,
    Conversation,
    Insights,
    JobState,
    JobStatus,
    MediaKind,
    Message,
    Person,
    Question,
    Submission,
    SubmitOptions,
)
from bot.store.db import Database
from bot.store.lease import Lease, expiry
from bot.voice_match import SpeakerVoice

logger = logging.getLogger(__name__)

LEASE_SECONDS = 120.0
_LEASE = Lease(LocalJob)
COPY_CHUNK_BYTES = 1024 * 1024
_UNFINISHED = (JobStatus.SCHEDULED.value, JobStatus.IN_PROGRESS.value)
# Who speaks a transcript file's captions when the file names nobody (captions without voice tags or "Name:")
UNNAMED_SPEAKER = "Speaker 1"


@dataclass(frozen=True)
class NoInsights:
    """What an extractor returns when it finds nothing (also the fallback before one is installed)."""

    topics: tuple = ()
    action_items: tuple = ()
    follow_ups: tuple = ()
    questions: tuple = ()
    summary: tuple = ()
    speaker_names: dict[str, str] = field(default_factory=dict)


# extract_insights(messages, *, meeting_start) -> an InsightSet (topics, action_items, follow_ups,
# questions, summary, speaker_names), as bot/engines/local/insights.py provides.
Extractor = Callable[..., Any]


def default_extractor() -> Extractor:
    """The offline insight extractor, or an empty one (with a warning) when that module is not installed."""
    try:
        from bot.engines.local.insights import extract_insights
    except ImportError:
        logger.warning("bot.engines.local.insights is not available: offline insights will be empty")
        return lambda _messages, **_kwargs: NoInsights()
    return extract_insights


def local_worker_count(settings: Settings) -> int:
    """Concurrent transcriptions: one per two cores (each uses both), never more than WORKER_THREADS."""
    import os

    return max(1, min(settings.worker_threads, (os.cpu_count() or 1) // 2))


class LocalEngine:
    """Transcription (faster-whisper), diarization and insight extraction on this machine."""

    name = "local"
    stores_offsite = False

    def __init__(
        self,
        database: Database,
        settings: Settings,
        transcriber: Transcriber | None = None,
        extractor: Extractor | None = None,
        *,
        workers: int | None = None,
        lease_seconds: float = LEASE_SECONDS,
        chunk_seconds: float = CHUNK_SECONDS,
    ):
        """``chunk_seconds``: recordings are decoded, transcribed and diarized in chunks of about this long."""
        self.database = database
        self.settings = settings
        self.workers = workers or local_worker_count(settings)
        self.transcriber = transcriber or Transcriber(
            settings.whisper_model, cpu_threads=default_cpu_threads(self.workers), workers=self.workers
        )
        self.extractor = extractor or default_extractor()
        self.lease_seconds = lease_seconds
        self.chunk_seconds = chunk_seconds
        self.media_dir = Path(settings.data_dir) / "local-media"
        self.owner = uuid.uuid4().hex  # this process's name on the leases it holds
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="local-engine")
        self._lock = threading.Lock()
        self._draining: set[str] = set()
        self._more: set[str] = set()
        self._closed = False
        self.pace = Pace(database)

    @classmethod
    def from_settings(cls, settings: Settings, database: Database | None = None, *, start: bool = True) -> LocalEngine:
        """An engine on ``settings``' database (created if need be), with unfinished jobs resumed if ``start``."""
        engine = cls(database or Database(settings.resolved_database_url), settings)
        if start:
            engine.start()
        return engine

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> None:
        """Bring the schema to head (cheap when it is) and re-queue unfinished jobs whose lease has expired."""
        from bot.store.schema import prepare

        prepare(self.database)
        self.media_dir.mkdir(parents=True, exist_ok=True)
        now = utcnow()
        with self.database.session() as s:
            conversations = s.scalars(
                sa.select(LocalJob.conversation_id)
                .where(LocalJob.status.in_(_UNFINISHED), _LEASE.is_free(now))
                .distinct()
            ).all()
        for conversation_id in conversations:
            self._schedule(conversation_id)

    def close(self) -> None:
        """Stop taking work and wait for running jobs to finish."""
        self.shutdown(wait=True)

    def shutdown(self, wait: bool = True) -> None:
        """Stop the worker pool; queued drains are cancelled (their jobs stay in the database for the next start)."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)

    # -- the Engine protocol ---------------------------------------------------------------------------

    def submit(
        self, recording: Recording, *, append_to: str | None = None, options: SubmitOptions | None = None
    ) -> Submission:
        """Queue a recording, as a new conversation or after ``append_to``'s existing ones: a file is copied into
        the engine's media folder now, a link is downloaded by the worker (public addresses only unless
        LOCAL_ALLOW_PRIVATE_URLS). The webhook is not used: the app polls, and the API server calls webhooks
        itself."""
        if isinstance(recording, MediaLink):
            return self._submit(append_to, recording.kind, options, url=recording.url)
        return self._submit(append_to, recording.kind, options, source=recording.media)

    def job_status(self, job_id: str) -> JobState:
        """The job's state, with its failure in words a user can read, and while it is transcribed here, about how
        long it still takes (its audio's length at the speed measured on this machine, when anything has been).

        An unfinished job nobody holds (its worker died) is re-queued here too."""
        with self.database.session() as s:
            job = s.get(LocalJob, job_id)
            if job is None:
                raise NotFoundError(f"No offline job {job_id}.", status=404)
            status, conversation_id, error = JobStatus(job.status), job.conversation_id, job.error
            orphaned = status.value in _UNFINISHED and _LEASE.is_free_row(job, utcnow())
        if orphaned:
            self._schedule(conversation_id)
        if status is JobStatus.FAILED:
            return JobState(status, failure_reason=error)
        return JobState(status, seconds_left=None if status.is_terminal else self.pace.seconds_left(job_id))

    def fetch_insights(self, conversation_id: str) -> Insights:
        """The conversation's transcript and insights so far (empty until its first job completes)."""
        with self.database.session() as s:
            conversation = s.get(LocalConversation, conversation_id)
            if conversation is None:
                raise NotFoundError(f"No offline conversation {conversation_id}.", status=404)
            if conversation.insights_json:
                return insights_from_dict(json.loads(conversation.insights_json))
            return Insights(
                conversation=Conversation(id=conversation.id, name=conversation.name, start=conversation.meeting_start)
            )

    def rename_speaker(self, conversation_id: str, speaker_id: str, name: str) -> None:
        """Nothing to do: the app keeps the names people give (``speaker_names``), and a speaker's label, its id
        here, never changes, so an append's fresh results still find them."""

    def speaker_voices(self, conversation_id: str) -> dict[str, SpeakerVoice]:
        """Each detected speaker's voice ("Speaker N" -> its L2-normalised CAM++ embedding and seconds of speech).

        The embeddings are the ones kept to match appended recordings (the centroid of the speaker's turns);
        speakers named by a transcript file have none. Empty until the first job completes.
        """
        with self.database.session(writes=False) as s:
            conversation = s.get(LocalConversation, conversation_id)
            if conversation is None:
                raise NotFoundError(f"No offline conversation {conversation_id}.", status=404)
            stored = json.loads(conversation.transcript_json or '{"turns": [], "profiles": {}}')
        seconds: dict[str, float] = {}
        for turn in stored["turns"]:
            seconds[turn["speaker"]] = seconds.get(turn["speaker"], 0.0) + (turn["end"] - turn["start"])
        return {
            speaker: SpeakerVoice(tuple(profile), round(seconds.get(speaker, 0.0), 3))
            for speaker, profile in stored["profiles"].items()
        }

    # -- submitting ------------------------------------------------------------------------------------

    def _submit(
        self,
        conversation_id: str | None,
        kind: MediaKind,
        options: SubmitOptions | None,
        *,
        source: MediaSource | None = None,
        url: str | None = None,
    ) -> Submission:
        if self._closed:
            raise RuntimeError("the offline engine is shut down")
        options = options or SubmitOptions()
        if url is not None:  # refuse a bad link now, while the user is still looking; DNS is checked on download
            from bot.net.safe_fetch import validate_url

            url = validate_url(url, allow_private=self.settings.local_allow_private_urls)
        if options.idempotency_key and (earlier := self._submitted(options.idempotency_key)) is not None:
            return earlier  # a retry of a submit we already hold (the app lost our answer): no second job
        # The key becomes the job's id, so the primary key itself guarantees one job per submit.
        job_id = options.idempotency_key or uuid.uuid4().hex
        media_path = self._copy_in(source, job_id) if source is not None else None
        try:
            if media_path and kind is MediaKind.TRANSCRIPT:
                _read_transcript(str(media_path))  # a broken file is refused now, with its reason, not queued
            with self.database.session() as s:
                if conversation_id is None:
                    # Dated by when it was shared until the first recording's own creation time (if any) is read
                    meeting_start = options.shared_at or utcnow()
                    conversation = LocalConversation(
                        id=uuid.uuid4().hex, name=options.name, meeting_start=meeting_start
                    )
                    s.add(conversation)
                    s.flush()
                elif s.get(LocalConversation, conversation_id) is None:
                    raise NotFoundError(f"No offline conversation {conversation_id}.", status=404)
                cid = conversation_id or conversation.id
                last = s.scalar(sa.select(sa.func.max(LocalJob.seq)).where(LocalJob.conversation_id == cid))
                s.add(
                    LocalJob(
                        id=job_id,
                        conversation_id=cid,
                        seq=(last or 0) + 1,
                        kind=kind.value,
                        media_path=str(media_path) if media_path else None,
                        url=url,
                        options_json=json.dumps(_options_dict(options)),
                        status=JobStatus.SCHEDULED.value,
                    )
                )
        except BaseException:
            if media_path:
                media_path.unlink(missing_ok=True)
            raise
        self._schedule(cid)
        return Submission(conversation_id=cid, job_id=job_id)

    def _submitted(self, job_id: str) -> Submission | None:
        with self.database.session(writes=False) as s:
            job = s.get(LocalJob, job_id)
            return Submission(conversation_id=job.conversation_id, job_id=job.id) if job else None

    def _copy_in(self, source: MediaSource, job_id: str) -> Path:
        """Stream the recording into our media folder in chunks, enforcing MAX_FILE_MB and non-emptiness."""
        self.media_dir.mkdir(parents=True, exist_ok=True)
        dest = self.media_dir / f"{job_id}.media"
        limit = self.settings.max_file_bytes
        copied = 0
        try:
            with dest.open("wb") as out:
                stream: BinaryIO
                with _opened(source) as stream:
                    while chunk := stream.read(COPY_CHUNK_BYTES):
                        copied += len(chunk)
                        if copied > limit:
                            raise MediaTooLargeError(
                                f"This recording is larger than the {self.settings.max_file_mb} MB limit."
                            )
                        out.write(chunk)
            if copied == 0:
                raise EmptyMediaError("This recording is empty (0 bytes).")
        except BaseException:
            dest.unlink(missing_ok=True)
            raise
        return dest

    # -- the worker side -------------------------------------------------------------------------------

    def _schedule(self, conversation_id: str) -> None:
        """Make sure one drain of this conversation is queued or running in this process."""
        with self._lock:
            if self._closed:
                return
            if conversation_id in self._draining:
                self._more.add(conversation_id)  # the running drain looks again before it stops
                return
            self._draining.add(conversation_id)
        try:
            self._pool.submit(self._drain, conversation_id)
        except RuntimeError:  # the pool shut down meanwhile; the jobs wait in the database for the next start
            with self._lock:
                self._draining.discard(conversation_id)

    def _drain(self, conversation_id: str) -> None:
        """Run the conversation's unfinished jobs in order until none is left that this process may claim."""
        try:
            while not self._closed:
                job_id = self._claim_next(conversation_id)
                if job_id is None:
                    with self._lock:
                        if conversation_id in self._more:
                            self._more.discard(conversation_id)
                            continue
                        self._draining.discard(conversation_id)
                        return
                self._run(job_id)
        except Exception:
            logger.exception("offline engine: draining conversation %s failed", conversation_id)
        with self._lock:
            self._draining.discard(conversation_id)
            self._more.discard(conversation_id)

    def _claim_next(self, conversation_id: str) -> str | None:
        """Lease the conversation's earliest unfinished job; None if there is none or another process holds it."""
        now = utcnow()
        with self.database.session() as s:
            job = s.scalars(
                sa.select(LocalJob)
                .where(LocalJob.conversation_id == conversation_id, LocalJob.status.in_(_UNFINISHED))
                .order_by(LocalJob.seq)
                .limit(1)
            ).first()
            if job is None:
                return None
            if job.media_path and not Path(job.media_path).exists():
                # Copied in on another host sharing the database: that host's workers run it
                return None
            claimed = s.execute(
                _LEASE.claim(
                    LocalJob.id == job.id,
                    LocalJob.status.in_(_UNFINISHED),
                    owner=self.owner,
                    now=now,
                    until=expiry(self.lease_seconds, now),
                    status=JobStatus.IN_PROGRESS.value,
                    started_at=now,
                    attempts=LocalJob.attempts + 1,
                ).execution_options(synchronize_session=False)
            ).rowcount
            return job.id if claimed == 1 else None

    def _run(self, job_id: str) -> None:
        """Transcribe one claimed job and commit its result (or its failure), renewing the lease meanwhile."""
        stop = threading.Event()
        renewer = threading.Thread(target=self._renew_lease, args=(job_id, stop), daemon=True)
        renewer.start()
        try:
            self._process(job_id)
        except BotError as exc:
            self._fail(job_id, user_text(exc))
        except Exception as exc:
            if is_disk_full(exc):  # the link's download or a decode's scratch file filled the disk
                logger.error("offline engine: job %s failed: the disk is full", job_id)
                self._fail(job_id, user_text(exc))
                return
            logger.exception("offline engine: job %s failed", job_id)
            self._fail(job_id, "Processing failed on this machine. Try again, or try another file.")
        finally:
            self.pace.finished(job_id)
            stop.set()
            renewer.join()
            self._discard_media(job_id)

    def _renew_lease(self, job_id: str, stop: threading.Event) -> None:
        while not stop.wait(self.lease_seconds / 3):
            try:
                _LEASE.renew_rows(
                    self.database,
                    LocalJob.id == job_id,
                    LocalJob.status == JobStatus.IN_PROGRESS.value,
                    owner=self.owner,
                    seconds=self.lease_seconds,
                )
            except Exception:  # a missed renewal only risks a second run that cannot commit twice
                logger.warning("offline engine: could not renew the lease of job %s", job_id, exc_info=True)

    def _process(self, job_id: str) -> None:
        with self.database.session() as s:
            job = s.get(LocalJob, job_id)
            conversation_id, media_path, url = job.conversation_id, job.media_path, job.url
            options = json.loads(job.options_json or "{}")
            is_transcript, is_first = job.kind == MediaKind.TRANSCRIPT.value, job.seq == 1
        if media_path is None and url:
            media_path = str(self._download(job_id, url))
        if is_transcript or _reads_as_transcript(media_path):  # words and speakers are in the file: nothing to hear
            named_turns, seconds = _read_transcript(media_path)
            self._commit(
                job_id,
                conversation_id,
                turns=named_turns,
                profiles=None,
                seconds=seconds,
                options=options,
                recorded=None,
            )
            return
        from bot.engines.local.hearing import hear
        from bot.engines.local.recorded import recorded_at

        self.pace.started(job_id, self._refuse_if_too_long(media_path))
        heard = hear(  # a chunk at a time: memory does not grow with the recording's length
            media_path,
            self.transcriber,
            vocabulary=tuple(options.get("custom_vocabulary") or ()),
            roster=tuple(options.get("participant_names") or ()),
            language=(options.get("language_code") or "").split("-")[0].lower() or None,
            speakers=_speaker_count(options),
            chunk_seconds=self.chunk_seconds,
        )
        # The first recording dates the meeting; appended ones are parts of the same meeting
        recorded = recorded_at(media_path) if is_first else None
        self._commit(
            job_id,
            conversation_id,
            turns=heard.turns,
            profiles=heard.profiles,
            seconds=heard.seconds,
            options=options,
            recorded=recorded,
            language=heard.language,
        )

    def _refuse_if_too_long(self, media_path: str) -> float | None:
        """Refuse a recording over MAX_DURATION_MINUTES from its header, before its audio is decoded into memory.

        Returns the length the header gives (None when it gives none), which the progress estimate starts from.
        """
        from bot.engines.local.recorded import duration_seconds

        limit = self.settings.max_duration_minutes
        seconds = duration_seconds(media_path)
        if seconds is not None and seconds > limit * 60:
            length = f"{seconds / 3600:.1f} hours" if seconds >= 3600 else f"{seconds / 60:.0f} minutes"
            raise MediaTooLongError(
                f"This recording is {length} long; this server takes recordings of up to "
                f"{limit // 60} h {limit % 60:02d} min. Split it, or ask the admin to raise MAX_DURATION_MINUTES."
            )
        return seconds

    def _commit(
        self,
        job_id: str,
        conversation_id: str,
        *,
        turns: list[Utterance],
        profiles: dict[str, list[float]] | None,
        seconds: float,
        options: dict[str, Any],
        recorded: datetime | None,
        language: str | None = None,
    ) -> None:
        """Append the job's turns to the conversation and store its insights, if this process still holds the job.

        ``profiles`` None: the turns' speakers are names from a transcript file, kept as they are (only an
        unnamed speaker gets the next "Speaker N"). ``recorded``: the recording's own date, the meeting's.
        ``language``: the language heard, when speech was transcribed.
        """
        from bot.engines.local.diarize import match_speakers

        with self.database.session() as s:
            conversation = s.get(LocalConversation, conversation_id)
            stored = json.loads(conversation.transcript_json or '{"turns": [], "profiles": {}}')
            known_profiles = stored["profiles"]
            existing = {t["speaker"] for t in stored["turns"]}
            if profiles is None:
                mapping = {t.speaker: t.speaker for t in turns}
                if UNNAMED_SPEAKER in mapping:
                    mapping |= match_speakers([UNNAMED_SPEAKER], {}, known_profiles, existing)
            else:
                mapping = match_speakers([t.speaker for t in turns], profiles, known_profiles, existing)
            if recorded is not None:
                conversation.meeting_start = recorded
            offset = conversation.media_seconds
            for turn in turns:
                shifted = turn.shifted(offset)
                stored["turns"].append(
                    {"start": shifted.start, "end": shifted.end, "text": turn.text, "speaker": mapping[turn.speaker]}
                )
            for label, profile in (profiles or {}).items():
                known_profiles.setdefault(mapping[label], profile)
            if language:
                # Kept for the notes: insights are extracted from English only (transcribe.language_note)
                stored["language"] = language
                stored["language_note"] = language_note(language)
            insights = _full_names(self._insights(conversation, stored["turns"], offset + seconds, options))
            if note := stored.get("language_note"):
                insights = replace(insights, notice=note)
            finished = s.execute(  # in the transaction that stores the result: both, or neither
                _LEASE.release(
                    LocalJob.id == job_id,
                    LocalJob.status == JobStatus.IN_PROGRESS.value,
                    owner=self.owner,
                    status=JobStatus.COMPLETED.value,
                    finished_at=utcnow(),
                ).execution_options(synchronize_session=False)
            ).rowcount
            if finished != 1:
                # Another process took the job over after our lease lapsed; its result is the one that counts
                s.rollback()
                logger.warning("offline engine: lost the lease of job %s; result discarded", job_id)
                return
            conversation.transcript_json = json.dumps(stored)
            conversation.media_seconds = offset + seconds
            conversation.insights_json = json.dumps(insights_to_dict(insights))

    def _download(self, job_id: str, url: str) -> Path:
        from bot.net.safe_fetch import fetch_to_file

        self.media_dir.mkdir(parents=True, exist_ok=True)
        dest = self.media_dir / f"{job_id}.media"
        fetch_to_file(
            url,
            dest,
            max_bytes=self.settings.max_file_bytes,
            allow_private=self.settings.local_allow_private_urls,
        )
        with self.database.session() as s:
            s.execute(sa.update(LocalJob).where(LocalJob.id == job_id).values(media_path=str(dest)))
        return dest

    def _insights(
        self, conversation: LocalConversation, turns: list[dict], seconds: float, options: dict[str, Any]
    ) -> Insights:
        """Messages from the whole transcript, and insights recomputed over all of it."""
        start = conversation.meeting_start
        messages = [
            Message(
                id=f"{conversation.id}-{index}",
                text=turn["text"],
                # The label is the speaker's id: it stays when a name inferred from the talk replaces the name
                # (and when an append infers another), so "Who's who" keeps what people decided about it.
                speaker=Person(id=turn["speaker"], name=turn["speaker"]),
                start=start + timedelta(seconds=turn["start"]),
                end=start + timedelta(seconds=turn["end"]),
                offset_seconds=round(turn["start"], 3),
                duration_seconds=round(turn["end"] - turn["start"], 3),
            )
            for index, turn in enumerate(turns, start=1)
        ]
        try:
            found = self.extractor(messages, meeting_start=start)
        except Exception:  # a bug in extraction must not cost the user their transcript
            logger.exception("offline engine: insight extraction failed for conversation %s", conversation.id)
            found = NoInsights()
        names = dict(getattr(found, "speaker_names", None) or {})
        messages = [_renamed_message(m, names) for m in messages]
        topics = tuple(found.topics)
        try:
            messages, topics = with_sentiment(messages, topics)
        except Exception:  # like extraction: a failure costs the tone, never the transcript
            logger.exception("offline engine: sentiment failed for conversation %s", conversation.id)
        members: dict[str, Person] = {}
        for m in messages:
            members.setdefault(m.speaker.name, m.speaker)
        return Insights(
            conversation=Conversation(
                id=conversation.id, name=conversation.name, start=start, end=start + timedelta(seconds=seconds)
            ),
            messages=tuple(messages),
            topics=topics,
            action_items=tuple(_renamed_item(a, names) for a in found.action_items),
            follow_ups=tuple(_renamed_item(f, names) for f in found.follow_ups),
            questions=tuple(_renamed_question(q, names) for q in found.questions),
            members=tuple(members.values()),
            summary=tuple(found.summary) if options.get("enable_summary") else None,
        )

    def _fail(self, job_id: str, message: str) -> None:
        _LEASE.release_row(
            self.database,
            LocalJob.id == job_id,
            LocalJob.status == JobStatus.IN_PROGRESS.value,
            owner=self.owner,
            status=JobStatus.FAILED.value,
            error=message,
            finished_at=utcnow(),
        )

    def delete_conversation(self, conversation_id: str) -> None:
        """Forget a conversation: its transcript, insights, voice profiles, jobs and any copy of its media.

        Safe to repeat (a forget resumed after a crash asks again); a job still running is the caller's to refuse.
        """
        with self.database.session() as s:
            paths = s.scalars(
                sa.select(LocalJob.media_path).where(
                    LocalJob.conversation_id == conversation_id, LocalJob.media_path.is_not(None)
                )
            ).all()
        for path in paths:  # first the files: rows that outlive a crash here still name them for the next try
            Path(path).unlink(missing_ok=True)
        with self.database.session() as s:
            s.execute(sa.delete(LocalJob).where(LocalJob.conversation_id == conversation_id))
            s.execute(sa.delete(LocalConversation).where(LocalConversation.id == conversation_id))

    def _discard_media(self, job_id: str) -> None:
        """Delete our copy once the job is over (it stays while another attempt may still need it)."""
        with self.database.session() as s:
            job = s.get(LocalJob, job_id)
            if job is None or job.status in _UNFINISHED or not job.media_path:
                return
            path = Path(job.media_path)
        path.unlink(missing_ok=True)


class _opened:
    """A context manager over a path (opened and closed here) or a caller's stream (left open)."""

    def __init__(self, source: MediaSource):
        self.source = source
        self.file: BinaryIO | None = None

    def __enter__(self) -> BinaryIO:
        if isinstance(self.source, str | Path):
            self.file = Path(self.source).open("rb")
            return self.file
        return self.source

    def __exit__(self, *exc) -> None:
        if self.file:
            self.file.close()


def _speaker_count(options: dict[str, Any]) -> int | None:
    """How many speakers the user said there are: 1 when diarization is switched off, else their count if any."""
    if options.get("enable_speaker_diarization") is False:
        return 1
    count = options.get("diarization_speaker_count")
    return count if isinstance(count, int) and count > 0 else None


def _reads_as_transcript(path: str) -> bool:
    """A transcript behind a link that did not say so (no .vtt/.srt in its address) is still read as one."""
    from bot.engines.local.transcript_files import looks_like_transcript

    with Path(path).open("rb") as media:
        return looks_like_transcript(media.read(512))


def _read_transcript(path: str) -> tuple[list[Utterance], float]:
    """A transcript file's turns, speakers named as in the file, and its length (the last caption's end)."""
    from bot.engines.local.transcript_files import parse_transcript

    turns = parse_transcript(Path(path).read_bytes())
    utterances = [Utterance(t.start, t.end, t.text, speaker=t.speaker or UNNAMED_SPEAKER) for t in turns]
    return utterances, max(t.end for t in turns)


def _options_dict(options: SubmitOptions) -> dict[str, Any]:
    data = asdict(options)
    data["webhook_url"] = None  # never called here, and its path holds the app's webhook secret: not stored
    data["shared_at"] = options.shared_at.isoformat() if options.shared_at else None
    data["extra"] = {k: v for k, v in options.extra.items() if isinstance(v, str | int | float | bool)}
    return data


def _full_names(insights: Insights) -> Insights:
    """Owners called by their first name given the full name of the one participant it fits.

    "Grace, can you review the release notes?" makes "Grace" the owner; when Grace Okafor speaks in the meeting
    (named by a transcript file, or recognised from the talk) and no other participant is a Grace, the item is
    hers by full name, which is what the notes show and what Slack's members are matched against.
    """
    from bot.engines.local.insights_speakers import is_placeholder

    by_first: dict[str, set[str]] = {}
    for member in insights.members:
        if member.name and len(member.name.split()) > 1 and not is_placeholder(member.name):
            by_first.setdefault(member.name.split()[0].casefold(), set()).add(member.name)
    full = {first: names.pop() for first, names in by_first.items() if len(names) == 1}
    if not full:
        return insights
    renames = {
        item.assignee.name: full[item.assignee.name.casefold()]
        for item in (*insights.action_items, *insights.follow_ups)
        if item.assignee and item.assignee.name and item.assignee.name.casefold() in full
    }
    return replace(
        insights,
        action_items=tuple(_renamed_item(a, renames) for a in insights.action_items),
        follow_ups=tuple(_renamed_item(f, renames) for f in insights.follow_ups),
    )


def _rename(person: Person | None, names: dict[str, str]) -> Person | None:
    if person is None or person.name not in names:
        return person
    return Person(id=person.id, name=names[person.name], email=person.email)


def _renamed_message(message: Message, names: dict[str, str]) -> Message:
    return replace(message, speaker=_rename(message.speaker, names))


def _renamed_item(item: ActionItem, names: dict[str, str]) -> ActionItem:
    return replace(item, assignee=_rename(item.assignee, names), speaker=_rename(item.speaker, names))


def _renamed_question(question: Question, names: dict[str, str]) -> Question:
    return replace(question, asked_by=_rename(question.asked_by, names))
