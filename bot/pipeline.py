"""The job lifecycle: one step per stage, each persisted before the next, run on the app's own worker pool.

    queued -> fetching -> submitting -> processing -> collecting -> posting -> done | failed

A worker claims a job (a lease in the database), runs its due steps, saves after each one and gives the
lease back. The poll sweep (``bot.scheduler``) re-enqueues every job whose next step is due, which is also how
a restarted process resumes the jobs a crashed one left behind. Every message is posted exactly once, even across
a crash (``_post_once``): the parent of a command's thread, the status message (edited in place while the job runs),
and the outcome, the notes or a failure note, posted as a new message in the thread so that Slack notifies the
people in it (an edit notifies nobody). The status message then becomes a one-line pointer to it, and the
transcript upload is flagged once done.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from bot import failpoints, metrics, render, retry
from bot.codec import insights_from_dict, insights_to_dict
from bot.config import Settings
from bot.engines import running_capacity
from bot.engines.base import Engine, MediaFile, MediaLink
from bot.errors import BotError, JobFailedError, RateLimitedError, SlackError, is_disk_full, user_text
from bot.media import classify
from bot.models import JobStatus, MediaKind, SubmitOptions
from bot.notes import MeetingNotes
from bot.render.mrkdwn import format_duration
from bot.render.status import render_parent, render_pointer
from bot.slack_io import SlackIO
from bot.speaker_naming import SpeakerNaming
from bot.store.consent import ConsentStore
from bot.store.erasure import WORKSPACE, ErasureStore, erased_since
from bot.store.jobs import JobStore
from bot.store.search import index_meeting
from bot.store.speakers import SpeakerNameStore
from bot.store.tables import Job, Stage, utcnow
from bot.store.turns import Limits, Turns
from bot.store.voices import VoiceStore
from bot.voices import name_speakers_by_voice, record_conversation_voices

log = logging.getLogger(__name__)

LEASE_SECONDS = 15.0  # a crashed process's jobs are resumed (by a restart or another replica) within this long
LEASE_RENEW_SECONDS = 5.0  # a live process renews all its leases this often (one UPDATE), however long a step takes
# Transient failures are retried with capped, jittered exponential backoff (bot.retry.JOB_STEP, up to 5 min)…
POSTING_PATIENCE = timedelta(hours=24)  # …until the job's deadline; results already fetched wait this much longer
MAX_POLL_INTERVAL = 60.0
BUSY_RETRY_POLLS = 6  # at the engine's concurrency limit, try again after this many poll intervals (30 s by default)
SLOT_RETRY_SECONDS = 15.0  # how often a job waiting for its turn looks again (and whenever a job in progress ends)
# The messages a job posts, each exactly once: role -> (the flag raised before posting, the column of its ts).
POSTED_ONCE = {
    "parent": ("parent_posting", "thread_ts"),
    "status": ("status_posting", "status_ts"),
    "notes": ("notes_posting", "notes_ts"),
    "failure": ("failure_posting", "failure_ts"),
}


class _Stop(Exception):
    """Raised by a step to end this run with the job's fields saved (e.g. waiting for the next poll)."""

    def __init__(self, **fields):
        super().__init__()
        self.fields = fields


class Pipeline:
    """Runs jobs' steps on a bounded pool of the app's own threads (never Bolt's listener threads)."""

    def __init__(
        self,
        settings: Settings,
        store: JobStore,
        engine: Engine,
        slack: SlackIO,
        notes: MeetingNotes,
        *,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.settings = settings
        self.store = store
        self.engine = engine
        self.slack = slack
        self.notes = notes
        self.clock = clock
        self.owner = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._pool = ThreadPoolExecutor(max_workers=settings.worker_threads, thread_name_prefix="job")
        self.turns = Turns(store.db)
        self.limits = Limits(
            running_capacity(settings),
            per_user=settings.max_running_per_user,
            per_channel=settings.max_running_per_channel,
        )
        self._inflight: set[str] = set()
        self._told_to_wait: set[str] = set()
        self._shown_timing: dict[str, str] = {}  # job id -> the timing line its status message shows now
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        threading.Thread(target=self._renew_leases, name="lease-renewal", daemon=True).start()
        self._steps = {
            Stage.QUEUED: self._announce,
            Stage.FETCHING: self._fetch,
            Stage.SUBMITTING: self._submit,
            Stage.PROCESSING: self._poll,
            Stage.COLLECTING: self._collect,
            Stage.POSTING: self._post,
        }

    # -- scheduling ---------------------------------------------------------------------------------------

    def enqueue(self, job_id: str) -> None:
        """Run the job's due steps soon; a job already queued or running here is not queued twice."""
        with self._lock:
            if job_id in self._inflight:
                return
            self._inflight.add(job_id)
        self._pool.submit(self._run_guarded, job_id)

    def shutdown(self, wait: bool = True) -> None:
        self._stopping.set()
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def _renew_leases(self) -> None:
        while not self._stopping.wait(LEASE_RENEW_SECONDS):
            try:
                self.store.renew_leases(self.owner, LEASE_SECONDS)
            except Exception:
                log.exception("could not renew job leases; they expire in %.0fs", LEASE_SECONDS)

    def _run_guarded(self, job_id: str) -> None:
        try:
            self.run(job_id)
        except Exception:
            log.exception("job run crashed", extra={"job_id": job_id})
        finally:
            with self._lock:
                self._inflight.discard(job_id)

    # -- the step loop ------------------------------------------------------------------------------------

    def run(self, job_id: str) -> None:
        """Claim the job and run its steps until it waits (polling, backoff) or ends."""
        job = self.store.claim(job_id, self.owner, LEASE_SECONDS)
        if job is None:
            return
        fields: dict = {}
        erased = False
        try:
            while job.stage in self._steps:
                if job.next_run_at and job.next_run_at > self.clock() + timedelta(seconds=0.5):
                    break
                if erased := self._erased(job):
                    break  # the app was uninstalled: nothing more is done or posted for this recording
                finished = job.stage
                changes = self._steps[finished](job) or {}
                failpoints.hit(f"before_saving_{finished}")
                changes.setdefault("attempts", 0)
                self.store.update(job.id, **changes)
                for key, value in changes.items():
                    setattr(job, key, value)
                failpoints.hit(f"after_{finished}")
        except _Stop as stop:
            fields = stop.fields
        except Exception as exc:
            # A step that failed because the erasure took what it needed (the engine's job) is no failure to report.
            erased = self._erased_or_unknown(job)
            fields = {} if erased else self._on_error(job, exc)
        finally:
            self.store.release(job.id, self.owner, **fields)
        # Asked after this run's last write: an erasure that ran while a step was writing left those rows behind.
        if erased or self._erased_or_unknown(job):
            self._leave_erased_workspace(job)
        elif fields.get("stage", job.stage) in Stage.TERMINAL:
            self._give_the_next_turn()

    def _erased(self, job: Job) -> bool:
        """Whether the job's workspace was erased (app uninstalled, bot token revoked) since the job began."""
        return erased_since(self.store.db, job.team_id, job.created_at)

    def _erased_or_unknown(self, job: Job) -> bool:
        """``_erased``, False when the database cannot tell (an outage: the job's next run asks again)."""
        try:
            return self._erased(job)
        except Exception:
            return False

    def _leave_erased_workspace(self, job: Job) -> None:
        """End the job without a word to Slack, and have the workspace erased once more.

        The erasure deletes every row of the workspace (and the engine's copies) once; a step running meanwhile
        (a submit and its conversation row, the insights, the notes indexed and recorded) may write after it.
        This is asked after each run's last write, so either it sees the erasure request, and a second erasure
        (``bot.erasure``, keyed by this job: one per job) finds what was written, or the request came later and
        the first erasure itself sees those rows.
        """
        self._told_to_wait.discard(job.id)
        self._shown_timing.pop(job.id, None)
        self._discard_media(job)  # downloaded after the erasure, the job row no longer names it
        try:
            ErasureStore(self.store.db).request(job.team_id, f"after-job-{job.id}", WORKSPACE)
        except Exception:  # the job row (if the erasure had not deleted it yet) stays, and its next run asks again
            log.exception("could not ask for an erased workspace to be erased again", extra={"job_id": job.id})
            return
        log.info("a recording of an erased workspace stopped", extra={"job_id": job.id, "team_id": job.team_id})

    def _on_error(self, job: Job, exc: Exception) -> dict:
        metrics.job_error(job.stage, exc)
        if isinstance(exc, RateLimitedError) and exc.concurrency_limit and job.stage == Stage.SUBMITTING:
            # Not a failure: the account is at its job limit; wait our turn.
            self._status(job, "queued", detail=user_text(exc))
            wait = BUSY_RETRY_POLLS * self.settings.poll_interval_seconds
            return {"next_run_at": self.clock() + timedelta(seconds=wait)}
        transient = retry.is_retryable(exc)
        if transient and self.clock() < self._give_up_at(job):
            delay = retry.JOB_STEP.delay(job.attempts + 1)
            log.warning(
                "job step failed, retrying in %.0fs: %s",
                delay,
                type(exc).__name__,
                extra={"job_id": job.id, "stage": job.stage},
            )
            return {"attempts": job.attempts + 1, "next_run_at": self.clock() + timedelta(seconds=delay)}
        if isinstance(exc, SlackError):  # Slack said no (a deleted file, a channel we left): no bug of ours
            log.warning("job failed: Slack answered %s", exc.code, extra={"job_id": job.id, "stage": job.stage})
        elif is_disk_full(exc):  # not a bug: the job fails with the disk note and the process carries on
            log.error("job failed: the disk is full", extra={"job_id": job.id, "stage": job.stage})
        elif not isinstance(exc, BotError):
            log.exception("job failed unexpectedly", extra={"job_id": job.id, "stage": job.stage})
        else:
            log.info("job failed: %s", type(exc).__name__, extra={"job_id": job.id, "stage": job.stage})
        return self._fail(job, user_text(exc, gave_up=transient))

    def _give_up_at(self, job: Job) -> datetime:
        """Until when transient failures are retried: the job's deadline, a day more once results exist.

        A vendor or Slack outage then delays a meeting instead of losing it; only the deadline ends the wait.
        """
        deadline = job.created_at + timedelta(seconds=self.settings.job_deadline_seconds)
        return deadline + POSTING_PATIENCE if job.stage == Stage.POSTING else deadline

    def _fail(self, job: Job, reason: str) -> dict:
        """Tell the thread what went wrong (best effort) and end the job.

        The failure note is a new message (so the person who shared the recording is notified), posted once; the
        status message points to it, and a command's parent message stops promising results.
        """
        self._shown_timing.pop(job.id, None)
        try:
            payload = render.render_failure(reason, name=job.name)
            if job.response_url and not job.thread_ts:
                # A command in a channel we cannot post to: answer the person who asked, privately.
                self.slack.respond(job.response_url, payload)
            else:
                self._post_once(job, "failure", payload, thread_ts=job.thread_ts)
                if not job.notes_ts:  # notes already posted (a later step failed) keep their pointer and parent
                    if job.status_ts:
                        self.slack.update(job.channel_id, job.status_ts, render_pointer("failed", name=job.name))
                    self._update_parent(job, "failed")
            if job.source_ts:
                self.slack.unreact(job.channel_id, job.source_ts, "hourglass_flowing_sand")
                self.slack.react(job.channel_id, job.source_ts, "x")
        except Exception:
            log.exception("could not report a failed job to Slack", extra={"job_id": job.id})
        self._discard_media(job)
        metrics.job_finished(Stage.FAILED, job.created_at, self.clock())
        return {"stage": Stage.FAILED, "error_text": reason, "finished_at": self.clock()}

    # -- steps --------------------------------------------------------------------------------------------

    def _status(self, job: Job, stage: str, detail: str | None = None, seconds_left: float | None = None) -> None:
        if job.status_ts:
            payload = render.render_status(
                stage, name=job.name, detail=detail, elapsed_seconds=self._elapsed(job), seconds_left=seconds_left
            )
            self.slack.update(job.channel_id, job.status_ts, payload)
            self._shown_timing[job.id] = payload["text"]

    def _elapsed(self, job: Job) -> float:
        """Seconds since the recording was shared (or the command given): the wait the person has had so far."""
        return (self.clock() - job.created_at).total_seconds()

    def _show_progress(self, job: Job, seconds_left: float | None) -> None:
        """Keep the status line's time current while the engine works, with the engine's estimate when it has one.

        The line reads in whole minutes, so it is edited at most about once a minute however often the job is
        polled. Best effort: a failed edit never fails the poll.
        """
        payload = render.render_status(
            "processing", name=job.name, elapsed_seconds=self._elapsed(job), seconds_left=seconds_left
        )
        if not job.status_ts or self._shown_timing.get(job.id) == payload["text"]:
            return
        try:
            self.slack.update(job.channel_id, job.status_ts, payload)
            self._shown_timing[job.id] = payload["text"]
        except SlackError as exc:
            log.info("could not update the status line: %s", type(exc).__name__, extra={"job_id": job.id})

    def _announce(self, job: Job) -> dict:
        """Learn what the file is, then post the parent (for commands) and the one status message."""
        changes: dict = {}
        if job.origin == "file" and not job.media_kind:
            info = self.slack.file_info(job.file_id)
            changes["name"] = job.name = job.name or info.get("title") or info.get("name")
            kind, content_type = classify(info.get("name") or "", info.get("mimetype"), info.get("filetype"))
            changes.update(media_kind=kind.value, content_type=content_type)
        if job.thread_ts is None:
            changes["thread_ts"] = job.thread_ts = self._post_once(job, "parent", self._parent(job))
        if job.status_ts is None:
            status = render.render_status("queued", name=job.name)
            changes["status_ts"] = job.status_ts = self._post_once(job, "status", status, thread_ts=job.thread_ts)
        if job.source_ts and job.id not in self._told_to_wait:  # a waiting job looked at again has its ⏳
            self.slack.react(job.channel_id, job.source_ts, "hourglass_flowing_sand")
        self._wait_for_its_turn(job, changes)
        return {**changes, "stage": Stage.FETCHING}

    def _wait_for_its_turn(self, job: Job, changes: dict) -> None:
        """Keep the job queued until it is its turn (``bot.store.turns``: the engine's capacity, taken in turns
        by people and channels when some must wait; a burst alone uses all of it)."""
        turn = self.turns.turn(job, self.limits, self.clock())
        if turn.go:
            self._told_to_wait.discard(job.id)  # the note was given; the set only holds jobs still waiting
            return
        if job.id not in self._told_to_wait:  # one note per wait, not one per check
            self._told_to_wait.add(job.id)
            noun, verb = ("recording", "is") if turn.ahead == 1 else ("recordings", "are")
            whose = f" {turn.whose}" if turn.whose else ""
            self._status(job, "queued", detail=f"Waiting: {turn.ahead} {noun}{whose} {verb} being processed first.")
        raise _Stop(**changes, next_run_at=self.clock() + timedelta(seconds=SLOT_RETRY_SECONDS))

    def _give_the_next_turn(self) -> None:
        """A recording in progress ended: the waiting ones look at once whether it is their turn."""
        try:
            for job_id in self.turns.wake_waiting(self.clock()):
                self.enqueue(job_id)
        except Exception:  # they look again on their own within SLOT_RETRY_SECONDS
            log.exception("could not wake the waiting recordings")

    @staticmethod
    def _parent(job: Job, outcome: str | None = None) -> dict:
        label = job.name or job.url or "a recording"
        return render_parent(user_id=job.user_id, appending=bool(job.append_to), label=label, outcome=outcome)

    def _update_parent(self, job: Job, outcome: str) -> None:
        """A command's parent message says where its results are, once they are there (or will never come)."""
        if job.parent_posting and job.thread_ts:  # the flag is raised only for a parent this job posted
            self.slack.update(job.channel_id, job.thread_ts, self._parent(job, outcome))

    def _post_once(self, job: Job, role: str, payload: dict, *, thread_ts: str | None = None) -> str:
        """Post one of the job's messages (:data:`POSTED_ONCE`) exactly once, even across a crash.

        Slack's chat.postMessage has no idempotency key, so the intent is saved before posting and the ts right
        after. If a crash fell between the two, the next attempt finds the intent still set and looks for the
        message (tagged with the job's id and the role in its Slack message metadata) before posting.
        """
        (flag, column), tag = POSTED_ONCE[role], f"{job.id}:{role}"
        ts = None
        if getattr(job, flag):
            ts = self.slack.find_tagged(
                job.channel_id, tag, thread_ts=thread_ts, oldest=job.created_at.timestamp() - 60
            )
        if ts is None:
            self.store.update(job.id, **{flag: True})
            setattr(job, flag, True)
            failpoints.hit(f"before_{role}_post")
            ts = self.slack.post(job.channel_id, payload, thread_ts=thread_ts, tag=tag)
            failpoints.hit(f"after_{role}_post")
        self.store.update(job.id, **{column: ts})  # saved at once: there must never be a second one
        setattr(job, column, ts)
        return ts

    def _fetch(self, job: Job) -> dict:
        """Download a Slack file to disk (streamed), or check a link; nothing is held in memory."""
        self._status(job, "uploading")
        if job.origin == "file":
            info = self.slack.file_info(job.file_id)
            dest = self.settings.data_dir / "downloads" / f"{job.id}{Path(info.get('name') or '').suffix}"
            self.slack.download(info, dest, max_bytes=self.settings.max_file_bytes)
            return {"local_path": str(dest), "stage": Stage.SUBMITTING}
        if not job.media_kind:
            try:
                kind, content_type = classify(job.url or "")
            except BotError:
                kind, content_type = MediaKind.AUDIO, None  # no telling extension: the audio route detects formats
            return {"media_kind": kind.value, "content_type": content_type, "stage": Stage.SUBMITTING}
        return {"stage": Stage.SUBMITTING}

    def _submit(self, job: Job) -> dict:
        if job.local_path and not Path(job.local_path).exists():
            # Downloaded by a replica that died before submitting: its disk is not ours, so download again.
            return {"local_path": None, "stage": Stage.FETCHING}
        webhook = None
        if self.settings.public_url:
            webhook = f"{self.settings.public_url}/symbl/webhook/{self.settings.webhook_secret}"
        # Both are always given; an engine uses what it can (Symbl calls the webhook, the offline engine spells
        # misheard names from the channel's members) and ignores the rest.
        options = SubmitOptions(
            name=job.name,
            webhook_url=webhook,
            participant_names=self.notes.owners.member_names(job.channel_id),
            shared_at=job.shared_at,
            idempotency_key=job.id,  # saved long before this call: a retry after an outage asks for the same submit
            enable_summary=True,  # the notes lead with it; an engine without one gives none and nothing is shown
        )
        kind = MediaKind(job.media_kind)
        if job.local_path:
            with Path(job.local_path).open("rb") as media:
                recording = MediaFile(media, kind, content_type=job.content_type)
                submission = self.engine.submit(recording, append_to=job.append_to, options=options)
        else:
            submission = self.engine.submit(MediaLink(job.url, kind), append_to=job.append_to, options=options)
        self.store.record_conversation(
            team_id=job.team_id,
            conversation_id=submission.conversation_id,
            channel_id=job.channel_id,
            thread_ts=job.thread_ts,
            name=job.name,
            engine=self.engine.name,
        )
        self._discard_media(job)
        self._status(job, "processing")
        now = self.clock()
        return {
            "conversation_id": submission.conversation_id,
            "engine_job_id": submission.job_id,
            "local_path": None,
            "stage": Stage.PROCESSING,
            "poll_interval": self.settings.poll_interval_seconds,
            "next_run_at": now + timedelta(seconds=self.settings.poll_interval_seconds),
            "deadline_at": now + timedelta(seconds=self.settings.job_deadline_seconds),
        }

    def _poll(self, job: Job) -> dict:
        now = self.clock()
        if job.deadline_at and now > job.deadline_at:
            limit = format_duration(self.settings.job_deadline_seconds)
            raise _Stop(**self._fail(job, f"Processing took longer than {limit}, so I stopped waiting for it."))
        failpoints.hit("while_polling")
        state = self.engine.job_status(job.engine_job_id)
        if state.status == JobStatus.COMPLETED:
            return {"stage": Stage.COLLECTING}
        if state.status == JobStatus.FAILED:
            # The offline engine says why in words meant for users (an undecodable file, a blocked link…).
            reason = state.failure_reason
            raise JobFailedError(reason or "the engine reported the job as failed", server_message=reason)
        self._show_progress(job, state.seconds_left)
        interval = min(MAX_POLL_INTERVAL, job.poll_interval * 1.5)
        # Counted from the answer, not the question: a slow status call must not make the next poll due at once.
        next_poll = self.clock() + timedelta(seconds=job.poll_interval)
        raise _Stop(poll_interval=interval, next_run_at=next_poll, attempts=0)

    def poll_now(self, job_id: str) -> None:
        """Make a processing job due at once (the webhook calls this) and run it."""
        self.store.update(job_id, next_run_at=self.clock())
        self.enqueue(job_id)

    def _collect(self, job: Job) -> dict:
        insights = self.engine.fetch_insights(job.conversation_id)
        # Each speaker's voice embedding (the offline engine's), so a person named later can have theirs remembered.
        # Best effort: without them nobody's voice is remembered from this meeting, and the notes still go out.
        try:
            voices = VoiceStore(self.store.db)
            record_conversation_voices(voices, job.team_id, job.conversation_id, self.engine)
            # Then the speakers whose voice is a channel member's who opted in are named ("recognised by voice").
            if voices.anyone_consents(job.team_id):
                members = self.slack.channel_member_ids(job.channel_id)
                naming = SpeakerNaming(SpeakerNameStore(self.store.db))
                name_speakers_by_voice(voices, naming, job.team_id, job.conversation_id, members)
        except Exception:
            log.warning("could not keep or recognise the speakers' voices of job %s", job.id, exc_info=True)
        return {"insights_json": json.dumps(insights_to_dict(insights)), "stage": Stage.POSTING}

    def _post(self, job: Job) -> dict:
        insights = insights_from_dict(json.loads(job.insights_json))
        # With the speakers' names as people gave them in "Who's who" (kept across appends).
        named = self.notes.named(job, insights).insights
        # Searchable from the moment its notes appear; an append or a re-post replaces the meeting's lines.
        index_meeting(
            self.store.db, team_id=job.team_id, channel_id=job.channel_id, insights=named, shared_at=job.shared_at
        )
        ConsentStore(self.store.db).ask(job.team_id, job.channel_id, "first_recording")  # once per channel
        if not job.result_posted:
            # The ledger is written before the message: its rows carry the buttons' ids, and writing them twice
            # (a retried step) updates the same rows.
            notes = self.notes.record(job, insights)
            if job.notes_ts is None:
                # A new message, not an edit: Slack notifies the thread and pings the owners mentioned in it.
                self._post_once(job, "notes", notes, thread_ts=job.thread_ts)
            failpoints.hit("between_notes_and_pointer")
            self._shown_timing.pop(job.id, None)
            self.slack.update(job.channel_id, job.status_ts, render_pointer("done", name=job.name))
            self._update_parent(job, "done")
            self.store.update(job.id, result_posted=True)
            job.result_posted = True
        failpoints.hit("between_result_and_transcript")
        if not job.transcript_uploaded and insights.messages:
            # An upload a crash interrupted after sharing is not shared twice: its file id was saved first.
            if not (job.transcript_file_id and self.slack.is_shared(job.transcript_file_id, job.channel_id)):
                self.notes.upload_transcript(job, named)
            self.store.update(job.id, transcript_uploaded=True)
        if job.source_ts:
            self.slack.unreact(job.channel_id, job.source_ts, "hourglass_flowing_sand")
            self.slack.react(job.channel_id, job.source_ts, "white_check_mark")
        metrics.job_finished(Stage.DONE, job.created_at, self.clock())
        return {"stage": Stage.DONE, "finished_at": self.clock(), "result_posted": True, "transcript_uploaded": True}

    @staticmethod
    def _discard_media(job: Job) -> None:
        if job.local_path:
            Path(job.local_path).unlink(missing_ok=True)
