"""What each API route does, over the offline engine's public methods and the API's own tables.

Answers are ``(status, body)`` pairs; ``app`` turns them into HTTP. A conversation or job of another client is
answered exactly as a missing one (404), so ids reveal nothing.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.api import wire
from bot.api.options import RequestOptions
from bot.api.tables import ApiConversation, ApiJob, ApiMember
from bot.config import Settings
from bot.engines.base import Engine, MediaFile, MediaLink
from bot.errors import BotError, MediaTooLargeError, NotFoundError, user_text
from bot.models import Insights, JobStatus, MediaKind, Submission
from bot.net.errors import UnsafeURLError
from bot.store.db import Database

log = logging.getLogger(__name__)

Answer = tuple[int, Any]
UNFINISHED = (JobStatus.SCHEDULED.value, JobStatus.IN_PROGRESS.value)
NOT_FOUND: Answer = (404, wire.CONVERSATION_NOT_FOUND)


class ApiService:
    def __init__(self, engine: Engine, database: Database, settings: Settings):
        self.engine = engine
        self.database = database
        self.settings = settings
        self.notify = None  # (job_id, webhook_url, [statuses]) -> None: set by the server (bot.api.watcher)

    # -- submitting ------------------------------------------------------------------------------------

    def submit(
        self,
        client: str,
        kind: MediaKind,
        request: RequestOptions,
        *,
        conversation_id: str | None = None,
        path: Path | None = None,
        url: str | None = None,
    ) -> Answer:
        """Start (or append to) a conversation from an uploaded file or a URL; 201 with its ids."""
        if conversation_id is not None and not self._owns(client, conversation_id):
            return NOT_FOUND
        if self.unfinished_jobs(client) >= self.settings.api_max_concurrent_jobs:
            return 429, wire.concurrency_limit(self.settings.api_max_concurrent_jobs)
        from bot.net.safe_fetch import validate_url

        # Links are checked here, before anything is stored (the engine checks again, and DNS on download)
        for field, link in (("url", url), ("webhookUrl", request.submit.webhook_url)):
            try:
                if link:
                    validate_url(link, allow_private=self.settings.local_allow_private_urls)
            except UnsafeURLError as exc:
                return 400, {"message": f"{field}: {user_text(exc)}"}
        try:
            submission = self._engine_submit(kind, request, conversation_id, path, url)
        except UnsafeURLError as exc:
            return 400, {"message": user_text(exc)}
        except NotFoundError:
            return NOT_FOUND
        except BotError as exc:
            return 413 if isinstance(exc, MediaTooLargeError) else 400, {"message": user_text(exc)}
        with self.database.session() as s:
            if conversation_id is None:
                s.add(
                    ApiConversation(
                        id=submission.conversation_id,
                        client_id=client,
                        options_json=json.dumps(
                            {
                                "confidenceThreshold": request.confidence_threshold,
                                "detectPhrases": request.detect_phrases,
                            }
                        ),
                    )
                )
                for channel, speaker in request.speakers.items():
                    if speaker.get("name"):
                        s.add(
                            ApiMember(
                                conversation_id=submission.conversation_id,
                                speaker=f"Speaker {channel}",
                                name=speaker["name"],
                                email=speaker.get("email"),
                            )
                        )
            s.add(
                ApiJob(
                    id=submission.job_id,
                    conversation_id=submission.conversation_id,
                    client_id=client,
                    webhook_url=request.submit.webhook_url,
                    status=JobStatus.SCHEDULED.value,
                )
            )
        return 201, {"conversationId": submission.conversation_id, "jobId": submission.job_id}

    def _engine_submit(
        self, kind: MediaKind, request: RequestOptions, conversation_id: str | None, path: Path | None, url: str | None
    ) -> Submission:
        recording = MediaLink(url, kind) if url is not None else MediaFile(path, kind)
        return self.engine.submit(recording, append_to=conversation_id, options=request.submit)

    def unfinished_jobs(self, client: str) -> int:
        with self.database.session(writes=False) as s:
            return s.scalar(
                sa.select(sa.func.count())
                .select_from(ApiJob)
                .where(ApiJob.client_id == client, ApiJob.status.in_(UNFINISHED))
            )

    # -- jobs ------------------------------------------------------------------------------------------

    def job(self, client: str, job_id: str) -> Answer:
        with self.database.session(writes=False) as s:
            job = s.get(ApiJob, job_id)
            owned = job is not None and job.client_id == client
            recorded = job.status if owned else None
        if not owned:
            return 404, {"message": "The jobId is either invalid or does not exist."}
        # A finished job stays finished: only an unfinished one needs the engine's word
        status = JobStatus(recorded) if recorded not in UNFINISHED else self.refresh_job(job_id)
        return 200, {"id": job_id, "status": status.value}

    def refresh_job(self, job_id: str) -> JobStatus:
        """The engine's status of the job, recorded in ``api_jobs`` (which the concurrency limit counts).

        The conditional UPDATE makes exactly one process (of every server on the database) the one that saw a
        transition, and that one calls the job's webhook: once per transition, never twice.
        """
        try:
            status = self.engine.job_status(job_id).status
        except NotFoundError:  # its conversation was deleted meanwhile
            status = JobStatus.FAILED
        with self.database.session(writes=False) as s:  # the common case, nothing new, never waits for a writer
            job = s.get(ApiJob, job_id)
            if job is None or job.status not in UNFINISHED or job.status == status.value:
                return status
            before, webhook = job.status, job.webhook_url
        with self.database.session() as s:
            changed = s.execute(
                sa.update(ApiJob)
                .where(ApiJob.id == job_id, ApiJob.status == before)
                .values(status=status.value, finished_at=datetime.now(UTC) if status.is_terminal else None)
                .execution_options(synchronize_session=False)
            ).rowcount
        if changed == 1 and status is JobStatus.COMPLETED:
            self._record_audio_seconds(job_id)
        if changed == 1 and webhook and self.notify is not None:
            # A job seen only once it was done still passed through in_progress: say so, in order
            steps = (
                [JobStatus.IN_PROGRESS, status]
                if before == JobStatus.SCHEDULED.value and status.is_terminal
                else [status]
            )
            self.notify(job_id, webhook, steps)
        return status

    def _record_audio_seconds(self, job_id: str) -> None:
        """The job's share of its conversation's length (for /metrics): the length now, less the earlier jobs'."""
        try:
            with self.database.session(writes=False) as s:
                conversation_id = s.get(ApiJob, job_id).conversation_id
                earlier = s.scalar(
                    sa.select(sa.func.coalesce(sa.func.sum(ApiJob.audio_seconds), 0.0)).where(
                        ApiJob.conversation_id == conversation_id, ApiJob.id != job_id
                    )
                )
            total = self.engine.fetch_insights(conversation_id).conversation.duration_seconds or 0.0
            with self.database.session() as s:
                s.execute(sa.update(ApiJob).where(ApiJob.id == job_id).values(audio_seconds=max(total - earlier, 0.0)))
        except Exception:  # a metric is never worth a failed request
            log.warning("api: could not record the audio length of job %s", job_id, exc_info=True)

    # -- conversations ---------------------------------------------------------------------------------

    def _owns(self, client: str, conversation_id: str) -> bool:
        with self.database.session(writes=False) as s:
            conversation = s.get(ApiConversation, conversation_id)
            return conversation is not None and conversation.client_id == client

    def view_of(self, client: str, conversation_id: str) -> tuple[Insights, wire.View] | None:
        """The conversation's insights and how to show them; None when this client has no such conversation."""
        with self.database.session(writes=False) as s:
            conversation = s.get(ApiConversation, conversation_id)
            if conversation is None or conversation.client_id != client:
                return None
            options = json.loads(conversation.options_json or "{}")
            names = {
                m.speaker: (m.name, m.email)
                for m in s.scalars(sa.select(ApiMember).where(ApiMember.conversation_id == conversation_id))
            }
        try:
            insights = self.engine.fetch_insights(conversation_id)
        except NotFoundError:
            return None
        view = wire.View(
            conversation_id=conversation_id,
            names=names,
            confidence_threshold=options.get("confidenceThreshold"),
            detect_phrases=bool(options.get("detectPhrases")),
        )
        return insights, view

    def conversations(self, client: str) -> Answer:
        with self.database.session(writes=False) as s:
            ids = s.scalars(
                sa.select(ApiConversation.id)
                .where(ApiConversation.client_id == client)
                .order_by(ApiConversation.created_at.desc())
                .limit(100)
            ).all()
        listed = []
        for conversation_id in ids:
            found = self.view_of(client, conversation_id)
            if found:
                listed.append(wire.conversation(*found))
        return 200, {"conversations": listed}

    def has_unfinished_jobs(self, conversation_id: str) -> bool:
        with self.database.session(writes=False) as s:
            job_ids = s.scalars(
                sa.select(ApiJob.id).where(ApiJob.conversation_id == conversation_id, ApiJob.status.in_(UNFINISHED))
            ).all()
        return any(not self.refresh_job(job_id).is_terminal for job_id in job_ids)

    def rename_member(self, client: str, conversation_id: str, wanted_id: str, body: Any) -> Answer:
        found = self.view_of(client, conversation_id)
        if found is None:
            return NOT_FOUND
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"].strip():
            return 400, {"message": "'id' and 'name' are required."}
        if body.get("id") not in (None, wanted_id) or not isinstance(body.get("email"), str | None):
            return 400, {"message": "'id' must be the member's id; 'email' must be a string."}
        speaker = wire.speaker_of(*found, wanted_id)
        if speaker is None:
            return 404, {"message": f"Member with id: {wanted_id} does not exist in conversationId: {conversation_id}"}
        with self.database.session() as s:
            s.merge(
                ApiMember(
                    conversation_id=conversation_id, speaker=speaker, name=body["name"].strip(), email=body.get("email")
                )
            )
        return 200, {
            "message": f"Member with id: {wanted_id} for conversationId: {conversation_id} updated successfully! "
            "The update should be reflected in all messages and insights along with this conversation"
        }

    def delete(self, client: str, conversation_id: str) -> Answer:
        """Remove everything stored for the conversation: the engine's transcript, insights and jobs, and ours."""
        if not self._owns(client, conversation_id):
            return NOT_FOUND
        if self.has_unfinished_jobs(conversation_id):
            return 400, {"message": "The conversation still has a job in progress; delete it once the job is done."}
        from bot.engines.local.tables import LocalConversation, LocalJob

        with self.database.session() as s:
            media = s.scalars(sa.select(LocalJob.media_path).where(LocalJob.conversation_id == conversation_id)).all()
            for table, column in (
                (LocalJob, LocalJob.conversation_id),
                (LocalConversation, LocalConversation.id),
                (ApiJob, ApiJob.conversation_id),
                (ApiMember, ApiMember.conversation_id),
                (ApiConversation, ApiConversation.id),
            ):
                s.execute(sa.delete(table).where(column == conversation_id))
        for path in filter(None, media):
            Path(path).unlink(missing_ok=True)
        return 200, {"message": "successfully deleted the conversation"}
