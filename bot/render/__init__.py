"""Block Kit payloads built by pure functions from the project's dataclasses; no I/O, no Slack client.

Every payload is ``{"text": <plain fallback>, "blocks": [...]}`` and stays within Slack's limits (50 blocks,
3,000 characters per section, 150 per header); lists that do not fit end in a "+N more" line.
"""

from bot.render.digest import render_digest
from bot.render.help import render_help
from bot.render.insights import render_insights
from bot.render.jobs import JobSummary, render_job_list
from bot.render.ledger import (
    ASSIGN_ACTION,
    BLOCKS_PER_ITEM,
    DONE_ACTION,
    SNOOZE_ACTION,
    SNOOZE_CHOICES,
    item_blocks,
    item_id_from_block_id,
    item_line,
)
from bot.render.mrkdwn import escape_mrkdwn, link
from bot.render.status import STAGES, render_failure, render_status
from bot.render.transcript import transcript_text

__all__ = [
    "ASSIGN_ACTION",
    "BLOCKS_PER_ITEM",
    "DONE_ACTION",
    "SNOOZE_ACTION",
    "SNOOZE_CHOICES",
    "STAGES",
    "JobSummary",
    "escape_mrkdwn",
    "item_blocks",
    "item_id_from_block_id",
    "item_line",
    "link",
    "render_digest",
    "render_failure",
    "render_help",
    "render_insights",
    "render_job_list",
    "render_status",
    "transcript_text",
]
