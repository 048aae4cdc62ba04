"""The one status message that is edited in place through a job's life, the one-line pointer it becomes once the
notes (or the failure note, both messages of their own) are posted, the failure note, and the parent message of a
command's thread."""

from __future__ import annotations

from dataclasses import dataclass

from bot.render.blocks import MAX_FALLBACK_CHARS, Block, context, section
from bot.render.mrkdwn import clip, escape_mrkdwn, format_duration


@dataclass(frozen=True)
class Stage:
    """How one lifecycle stage looks: its emoji, its label, and where it sits on the progress bar."""

    emoji: str
    label: str
    step: int | None  # None for the end states, which show no bar


# Ordered as a job moves. Besides the status-message stages this covers every stage the job store records
# ("fetching", "submitting"), so ``/symbl status`` can label a stored job's stage directly.
STAGES: dict[str, Stage] = {
    "queued": Stage("⏳", "Queued…", 1),
    "fetching": Stage("⬇️", "Fetching the recording…", 2),
    "uploading": Stage("⬆️", "Uploading the recording…", 2),
    "submitting": Stage("⬆️", "Sending the recording for transcription…", 2),
    "submitted": Stage("📨", "Sent for transcription…", 3),
    "processing": Stage("🎧", "Transcribing…", 3),
    "collecting": Stage("🧠", "Collecting the insights…", 4),
    "posting": Stage("📝", "Posting the results…", 5),
    "done": Stage("✅", "Done", None),
    "failed": Stage("❌", "Failed", None),
    "deadline": Stage("⌛", "Still not finished; I stopped waiting for it", None),
}
STEPS = 5
_UNKNOWN = Stage("🔄", "Working…", None)


def stage_label(stage: str) -> str:
    """``"🎧 Transcribing…"`` for ``"processing"``; unknown stages read "🔄 Working…" rather than failing a post."""
    info = STAGES.get(stage, _UNKNOWN)
    return f"{info.emoji} {info.label}"


def progress_bar(stage: str) -> str | None:
    """``"▰▰▰▱▱ 3/5"``, or None for the end states."""
    step = STAGES.get(stage, _UNKNOWN).step
    if step is None:
        return None
    return f"{'▰' * step}{'▱' * (STEPS - step)} {step}/{STEPS}"


def _subject(name: str | None) -> str:
    return escape_mrkdwn(clip(name.strip(), 150)) if name and name.strip() else "your recording"


def timing_line(elapsed_seconds: float | None, seconds_left: float | None = None) -> str | None:
    """``"12 min so far · about 5 min left"``; None when nothing is known.

    ``seconds_left`` 0 means the estimate has run out while the work goes on: "finishing", never a negative time.
    """
    parts = []
    if elapsed_seconds is not None and (elapsed_seconds >= 60 or seconds_left is not None):  # no "0 min so far"
        parts.append(f"{format_duration(max(0.0, elapsed_seconds))} so far")
    if seconds_left is not None:
        parts.append(f"about {format_duration(seconds_left)} left" if seconds_left >= 60 else "almost done")
    return " · ".join(parts) or None


def render_status(
    stage: str,
    *,
    name: str | None,
    detail: str | None = None,
    elapsed_seconds: float | None = None,
    seconds_left: float | None = None,
) -> dict:
    """The status message for ``stage`` (one of :data:`STAGES`); ``detail`` is an optional user-facing line.

    ``elapsed_seconds`` (since the recording was shared) and ``seconds_left`` (an engine's estimate) go beside
    the progress bar, so a long transcription shows that it moves and roughly when it ends.
    """
    label = stage_label(stage)
    subject = _subject(name)
    lines = [f"*{label}*", subject]
    if detail:
        lines.append(escape_mrkdwn(clip(detail, 1000)))
    blocks: list[Block] = [section("\n".join(lines))]
    timing = timing_line(elapsed_seconds, seconds_left)
    bar = progress_bar(stage)
    if bar or timing:
        blocks.append(context(" · ".join(part for part in (bar, timing) if part)))
    text = f"{subject}: {label}" + (f" {escape_mrkdwn(clip(detail, 1000))}" if detail else "")
    text += f" ({timing})" if timing else ""
    return {"text": clip(text, MAX_FALLBACK_CHARS), "blocks": blocks}


def render_pointer(outcome: str, *, name: str | None) -> dict:
    """What the status message becomes once the job's outcome is posted below it: one line, no bar.

    ``outcome`` is ``"done"`` (the notes were posted) or ``"failed"`` (the failure note was).
    """
    subject = _subject(name)
    line = f"✅ Notes for {subject} below" if outcome == "done" else f"❌ I couldn't process {subject}: see below"
    return {"text": clip(line, MAX_FALLBACK_CHARS), "blocks": [context(line)]}


def render_parent(*, user_id: str | None, appending: bool, label: str, outcome: str | None = None) -> dict:
    """The parent message of a command's thread: who asked for what, and where the results are.

    ``outcome`` None while the job runs ("Results will follow in this thread"), then ``"done"`` or ``"failed"``,
    so the message never promises results that have come (or never will).
    """
    who = f"<@{user_id}> asked me to " if user_id else ""
    verb = "add a recording to" if appending else "process"
    ending = {
        None: "Results will follow in this thread.",
        "done": "✅ The notes are in this thread.",
        "failed": "❌ It could not be processed; the reason is in this thread.",
    }[outcome]
    return {"text": f"🎙️ {who}{verb} *{escape_mrkdwn(clip(label, 500))}*. {ending}"}


def render_failure(reason_text: str, *, name: str | None) -> dict:
    """A failure message: ❌, what failed and why. ``reason_text`` comes from ``bot.errors.user_text``."""
    subject = _subject(name)
    reason = escape_mrkdwn(clip(reason_text.strip() or "Something went wrong.", 2500))
    blocks = [section(f"❌ *I couldn't process {subject}.*\n{reason}")]
    return {"text": clip(f"❌ I couldn't process {subject}. {reason}", MAX_FALLBACK_CHARS), "blocks": blocks}
