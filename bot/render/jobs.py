"""The ``/symbl status`` answer: the recordings being processed, one line each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.render.blocks import MAX_FALLBACK_CHARS, Block, pack_lines, section
from bot.render.mrkdwn import clip, escape_mrkdwn, is_safe_url, link, slack_date
from bot.render.status import stage_label


@dataclass(frozen=True)
class JobSummary:
    """One job as the status list shows it; ``stage`` is a key of ``bot.render.status.STAGES``."""

    name: str
    stage: str
    started_at: datetime
    conversation_id: str | None = None
    permalink: str | None = None


def _job_line(job: JobSummary, tz: str | None) -> str:
    parts = [
        f"• *{escape_mrkdwn(clip(job.name.strip() or 'Recording', 120))}*",
        stage_label(job.stage),
        f"started {slack_date(job.started_at, tz=tz, date_format='{date_short_pretty} {time}')}",
    ]
    if job.conversation_id:
        parts.append(f"`{escape_mrkdwn(clip(job.conversation_id, 80))}`")
    if is_safe_url(job.permalink):  # an unsafe one is left out: "view" without a link would mean nothing
        parts.append(link(job.permalink, "view"))
    return " · ".join(parts)


def render_job_list(jobs: Sequence[JobSummary], *, total: int | None = None, tz: str | None = None) -> dict:
    """The list of jobs, newest first; "+N more" for the ``total - len(jobs)`` not given and for lines that do not
    fit in one message."""
    total = max(total or 0, len(jobs))
    if not jobs:
        text = "No recordings are being processed right now."
        return {"text": text, "blocks": [section(text)]}
    ordered = sorted(jobs, key=lambda j: j.started_at, reverse=True)
    title = f"*Recordings in progress ({total})*"
    lines = [_job_line(j, tz) for j in ordered]
    blocks: list[Block] = pack_lines(title, lines, max_sections=10, not_listed=total - len(jobs))
    noun = "recording is" if total == 1 else "recordings are"
    return {"text": clip(f"{total} {noun} being processed.", MAX_FALLBACK_CHARS), "blocks": blocks}
