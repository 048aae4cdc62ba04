"""The command line: ``symbl-bot`` (or ``python -m bot``).

    symbl-bot process FILE|URL [--append CONVERSATION_ID] [--name NAME] [--param key=value ...]
                               [--json] [--transcript] [--no-wait] [--timeout SECONDS]
    symbl-bot status JOB_ID
    symbl-bot serve
    symbl-bot api

``process`` submits a recording, or a meeting transcript (.vtt, .srt) that the offline engine reads without
listening, to the configured engine, shows upload and job progress on stderr, and prints the action items,
follow-ups, questions and topics (or, with ``--json``, the normalised insights). Settings come from the
environment (and ``.env``) as for the Slack app. Exit status: 0 done, 1 the engine or the recording failed,
2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from bot import retry
from bot.codec import insights_to_dict
from bot.config import Settings
from bot.engines import Engine, build_engine
from bot.engines.base import MediaFile, MediaLink
from bot.errors import BotError, ConfigError, EngineError, EngineTimeoutError, JobFailedError, user_text
from bot.media import classify
from bot.models import ActionItem, Insights, JobStatus, Message, SubmitOptions

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PROGRESS_EVERY_SECONDS = 0.25

# --param names (Symbl's camelCase or snake_case) that have a typed SubmitOptions field.
TYPED_OPTIONS = {
    "name": "name",
    "webhookUrl": "webhook_url",
    "languageCode": "language_code",
    "customVocabulary": "custom_vocabulary",
    "confidenceThreshold": "confidence_threshold",
    "detectPhrases": "detect_phrases",
    "enableSpeakerDiarization": "enable_speaker_diarization",
    "diarizationSpeakerCount": "diarization_speaker_count",
    "enableSummary": "enable_summary",
    "participantNames": "participant_names",
}
TYPED_OPTIONS |= {field: field for field in TYPED_OPTIONS.values()}


# Arguments --------------------------------------------------------------------------------------------------


def param_value(raw: str) -> Any:
    """A ``--param`` value: true/false -> bool, numbers -> numbers, JSON lists/objects parsed, else the string."""
    if raw in {"true", "false"}:
        return raw == "true"
    for number in (int, float):
        try:
            return number(raw)
        except ValueError:
            pass
    if raw[:1] in {"[", "{"}:
        try:
            return json.loads(raw)
        except ValueError:
            pass
    return raw


def submit_options(name: str | None, params: Sequence[str]) -> SubmitOptions:
    """``SubmitOptions`` from ``--name`` and ``--param key=value`` pairs (typed fields where they exist)."""
    typed: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for pair in params:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--param expects key=value, not {pair!r}.")
        value = param_value(raw)
        if key in TYPED_OPTIONS:
            field = TYPED_OPTIONS[key]
            listed = field in {"custom_vocabulary", "participant_names"} and isinstance(value, list)
            typed[field] = tuple(value) if listed else value
        else:
            extra[key] = value
    if name is not None:
        typed["name"] = name
    return SubmitOptions(**typed, extra=extra)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: one subcommand per task."""
    parser = argparse.ArgumentParser(prog="symbl-bot", description="Meeting recordings to action items.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    process = commands.add_parser("process", help="process a recording and print its insights")
    process.add_argument(
        "source",
        metavar="FILE|URL",
        help="a local audio/video file or meeting transcript (.vtt, .srt), or a public http(s) URL",
    )
    process.add_argument("--append", metavar="CONVERSATION_ID", help="add the recording to this conversation")
    process.add_argument("--name", help="the conversation's name")
    process.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="any engine option (repeatable)"
    )
    process.add_argument("--json", action="store_true", help="print the insights as JSON")
    process.add_argument("--transcript", action="store_true", help="also print the transcript")
    process.add_argument("--no-wait", action="store_true", help="print the conversation and job ids and stop")
    process.add_argument("--timeout", type=float, metavar="SECONDS", help="give up waiting after this long")
    process.set_defaults(handler=run_process)

    status = commands.add_parser("status", help="print a job's status")
    status.add_argument("job_id", metavar="JOB_ID")
    status.set_defaults(handler=run_status)

    serve = commands.add_parser("serve", help="run the Slack app")
    serve.set_defaults(handler=run_serve)
    jobs = commands.add_parser("jobs", help="run only the jobs process (serve starts one itself)")
    jobs.set_defaults(handler=run_jobs)
    api = commands.add_parser("api", help="run the Symbl-compatible Async API server (bot/api/)")
    api.set_defaults(handler=run_api)
    return parser


# Entry point ------------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Context:
    """What a subcommand needs: settings, an engine on demand, and where to write."""

    settings: Settings
    out: TextIO
    err: TextIO
    engine_factory: Callable[[Settings], Engine]
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def engine(self) -> Engine:
        return self.engine_factory(self.settings)


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    engine_factory: Callable[[Settings], Engine] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run the CLI; returns the exit status. Tests pass ``environ`` instead of touching the real environment."""
    out, err = out or sys.stdout, err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env(environ)
        context = Context(settings, out, err, engine_factory or build_engine)
        return args.handler(args, context)
    except ConfigError as exc:
        print(str(exc), file=err)
        return EXIT_USAGE
    except BotError as exc:
        print(f"Error: {user_text(exc)}", file=err)
        server = getattr(exc, "server_message", None)
        if server and isinstance(exc, JobFailedError):
            pass  # the engine's reason is the error's text already
        elif server:
            print(f"The service said: {server}", file=err)
        elif isinstance(exc, EngineError):
            print(f"Details: {exc}", file=err)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("Interrupted.", file=err)
        return 130


def run_status(args: argparse.Namespace, context: Context) -> int:
    """``status JOB_ID``: print the job's status, and why it failed when the engine says."""
    state = context.engine().job_status(args.job_id)
    print(state.status.value, file=context.out)
    if state.failure_reason:
        print(f"Reason: {state.failure_reason}", file=context.out)
    return EXIT_OK


def run_jobs(args: argparse.Namespace, context: Context) -> int:
    """``jobs``: run the pipeline, the poll sweep and the engine (``bot.jobs_process``)."""
    from bot import jobs_process, logs

    logs.configure()
    jobs_process.run(context.settings)
    return EXIT_OK


def run_serve(args: argparse.Namespace, context: Context) -> int:
    """``serve``: run the Slack app (``bot.server``)."""
    from bot.server import serve

    serve(context.settings)
    return EXIT_OK


def run_api(args: argparse.Namespace, context: Context) -> int:
    """``api``: serve the offline engine behind Symbl's Async API (``bot.api.server``)."""
    from bot.api.server import serve

    serve(context.settings)
    return EXIT_OK


def run_process(args: argparse.Namespace, context: Context) -> int:
    """``process FILE|URL``: submit, wait, and print the insights."""
    is_url = "://" in args.source
    if is_url and not args.source.lower().startswith(("http://", "https://")):
        raise ConfigError(f"Only http(s) URLs can be processed, not {args.source!r}.")
    path = Path(args.source)
    if not is_url and not path.is_file():
        raise ConfigError(f"No such file: {args.source}")
    kind, content_type = classify(args.source)
    options = submit_options(args.name, args.param)
    if not is_url and options.shared_at is None:
        options = dataclasses.replace(options, shared_at=file_time(path))
    engine = context.engine()

    if is_url:
        submission = engine.submit(MediaLink(args.source, kind), append_to=args.append, options=options)
    else:
        with path.open("rb") as handle, upload_progress(handle, path.stat().st_size, context.err) as source:
            recording = MediaFile(source, kind, content_type=content_type)
            submission = engine.submit(recording, append_to=args.append, options=options)
    print(f"Submitted: conversation {submission.conversation_id}, job {submission.job_id}", file=context.err)

    if args.no_wait:
        if args.json:
            print(json.dumps(dataclasses.asdict(submission)), file=context.out)
        else:
            print(f"conversation_id: {submission.conversation_id}", file=context.out)
            print(f"job_id: {submission.job_id}", file=context.out)
        return EXIT_OK

    deadline = args.timeout if args.timeout is not None else context.settings.job_deadline_seconds
    wait_for_job(engine, submission.job_id, context, deadline_seconds=deadline)
    insights = engine.fetch_insights(submission.conversation_id)
    if args.json:
        print(json.dumps(insights_to_dict(insights), indent=2, ensure_ascii=False), file=context.out)
    else:
        context.out.write(render_insights(insights, transcript=args.transcript))
    return EXIT_OK


# Submitting and waiting -------------------------------------------------------------------------------------


def file_time(path: Path) -> datetime:
    """When a local file was last written: the nearest thing to "when it was shared" a terminal has.

    The offline engine dates the meeting by it (for "by Friday") when the recording holds no creation time of
    its own, as with transcript files, which never do.
    """
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


class ProgressReader:
    """A read-only binary stream over another that reports bytes read; seekable so uploads can be retried.

    It keeps the upload streaming: the engine reads it in chunks exactly as it would read the file.
    """

    def __init__(self, inner: BinaryIO, total: int, report: Callable[[int, int], None]):
        self._inner = inner
        self.total = total
        self._report = report

    def read(self, size: int = -1) -> bytes:
        chunk = self._inner.read(size)
        self._report(self._inner.tell(), self.total)
        return chunk

    def __iter__(self) -> Iterator[bytes]:
        return iter(lambda: self.read(1024 * 1024), b"")

    def seekable(self) -> bool:
        return self._inner.seekable()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()

    def readable(self) -> bool:
        return True


@contextmanager
def upload_progress(handle: BinaryIO, total: int, err: TextIO) -> Iterator[ProgressReader]:
    """Wrap ``handle`` so reading it prints "Uploading x / y MiB (p%)" on ``err``, at most a few times a second."""
    last_time, last_done = [0.0], [-1]

    def report(done: int, size: int) -> None:
        now = time.monotonic()
        if done == last_done[0] or (done < size and now - last_time[0] < PROGRESS_EVERY_SECONDS):
            return
        last_time[0], last_done[0] = now, done
        percent = 100 * done // size if size else 100
        err.write(f"\rUploading {done / 2**20:.1f} / {size / 2**20:.1f} MiB ({percent}%)")
        err.flush()

    yield ProgressReader(handle, total, report)
    err.write("\n")


def wait_for_job(engine: Engine, job_id: str, context: Context, *, deadline_seconds: float) -> None:
    """Poll the job until it completes, printing each status change; raise if it fails (with the engine's reason,
    when it gives one) or the deadline passes."""
    started = context.clock()
    last: JobStatus | None = None
    while True:
        elapsed = context.clock() - started
        try:
            state = engine.job_status(job_id)
        except EngineError as exc:
            if not retry.is_retryable(exc) or elapsed >= deadline_seconds:
                raise
            print(f"  ({user_text(exc)})", file=context.err)
        else:
            if state.status != last:
                print(f"Job {state.status.value.replace('_', ' ')} after {elapsed:.0f}s", file=context.err)
                last = state.status
            if state.status is JobStatus.COMPLETED:
                return
            if state.status is JobStatus.FAILED:
                reason = state.failure_reason
                raise JobFailedError(f"job {job_id} failed" + (f": {reason}" if reason else ""), server_message=reason)
        if elapsed >= deadline_seconds:
            raise EngineTimeoutError(f"job {job_id} was not done after {deadline_seconds:.0f}s")
        context.sleep(min(context.settings.poll_interval_seconds, max(0.0, deadline_seconds - elapsed)))


# Output -----------------------------------------------------------------------------------------------------


def _action_line(item: ActionItem) -> str:
    details = [
        f"assignee: {item.assignee.display_name}" if item.assignee else "no assignee",
        f"due {item.due.date().isoformat()}" if item.due else None,
        "firm" if item.definitive else "tentative",
    ]
    return f"  • {item.text}\n      {' · '.join(d for d in details if d)}"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def render_insights(insights: Insights, *, transcript: bool = False) -> str:
    """The insights as readable terminal text."""
    conversation = insights.conversation
    title = f"Conversation {conversation.id}"
    if conversation.name and conversation.name != conversation.id:
        title += f" “{conversation.name}”"
    if insights.duration_seconds is not None:
        title += f" ({_clock(insights.duration_seconds)})"
    lines = [title, ""]

    def section(heading: str, rows: list[str]) -> None:
        lines.append(f"{heading} ({len(rows)})")
        lines.extend(rows or ["  none"])
        lines.append("")

    section("Action items", [_action_line(a) for a in insights.action_items])
    section("Follow-ups", [_action_line(f) for f in insights.follow_ups])
    section(
        "Questions",
        [f"  • {q.text}" + (f"  ({q.asked_by.display_name})" if q.asked_by else "") for q in insights.questions],
    )
    section(
        "Topics",
        [f"  • {t.text}" + (f"  (under {', '.join(t.parents)})" if t.parents else "") for t in insights.topics],
    )
    if insights.summary:
        section("Summary", [f"  {s.text}" for s in insights.summary])
    if transcript:
        section("Transcript", [_transcript_line(insights, m) for m in insights.messages])
    return "\n".join(lines)


def _transcript_line(insights: Insights, message: Message) -> str:
    offset = message.offset_seconds
    first = insights.messages[0].start if insights.messages else None
    if offset is None and message.start and first:
        offset = (message.start - first).total_seconds()
    stamp = f"[{_clock(offset)}] " if offset is not None else ""
    speaker = f"{message.speaker.display_name}: " if message.speaker else ""
    return f"  {stamp}{speaker}{message.text}"
