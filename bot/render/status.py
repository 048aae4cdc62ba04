"""The one status message that is edited in place through a job's life, and the failure message."""

from __future__ import annotations

from dataclasses import dataclass

from bot.render.blocks import MAX_FALLBACK_CHARS, Block, context, section
from bot.render.mrkdwn import clip, escape_mrkdwn


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


def render_status(stage: str, *, name: str | None, detail: str | None = None) -> dict:
    """The status message for ``stage`` (one of :data:`STAGES`); ``detail`` is an optional user-facing line."""
    label = stage_label(stage)
    subject = _subject(name)
    lines = [f"*{label}*", subject]
    if detail:
        lines.append(escape_mrkdwn(clip(detail, 1000)))
    blocks: list[Block] = [section("\n".join(lines))]
    if bar := progress_bar(stage):
        blocks.append(context(bar))
    text = f"{subject}: {label}" + (f" {escape_mrkdwn(clip(detail, 1000))}" if detail else "")
    return {"text": clip(text, MAX_FALLBACK_CHARS), "blocks": blocks}


def render_failure(reason_text: str, *, name: str | None) -> dict:
    """A failure message: ❌, what failed and why. ``reason_text`` comes from ``bot.errors.user_text``."""
    subject = _subject(name)
    reason = escape_mrkdwn(clip(reason_text.strip() or "Something went wrong.", 2500))
    blocks = [section(f"❌ *I couldn't process {subject}.*\n{reason}")]
    return {"text": clip(f"❌ I couldn't process {subject}. {reason}", MAX_FALLBACK_CHARS), "blocks": blocks}
