"""The ``/symbl`` slash command: parse, validate, write a job row, acknowledge — all well within Slack's 3 s.

Replies to the invoking user are ephemeral acknowledgements; the visible parent message and the results are
posted by the pipeline.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from slack_bolt import Ack, App

from bot import commands, intake, render
from bot.digest.runner import request_now
from bot.digest.schedule import DigestSchedule, ScheduleError, describe, next_run, parse_schedule
from bot.errors import BotError
from bot.net.safe_fetch import validate_url
from bot.render import JobSummary
from bot.render.mrkdwn import slack_date
from bot.services import Services
from bot.store.tables import utcnow

log = logging.getLogger(__name__)


def _reply(ack: Ack, text: str, blocks: list | None = None) -> None:
    ack(response_type="ephemeral", text=text, blocks=blocks)


def digest_command(services: Services, command: dict, action: str, args: tuple[str, ...]) -> str:
    """Carry out ``/symbl digest …`` and say what changed."""
    team_id, channel_id, user_id = command["team_id"], command["channel_id"], command.get("user_id")
    now = utcnow()
    if action == "now":
        span = request_now(
            channels=services.channels,
            digests=services.digests,
            team_id=team_id,
            channel_id=channel_id,
            user_id=user_id,
            request_id=command.get("trigger_id") or str(uuid.uuid4()),
            tz=services.slack.user_tz(user_id) if user_id else None,
            now=now,
        )
        services.wake()
        return f"Posting a digest of the last {span.days} day{'s' if span.days != 1 else ''} here now."
    if action == "off":
        services.channels.set_digest(team_id, channel_id, None)
        services.wake()
        return "Scheduled digests are off for this channel. Turn them on with `/symbl digest daily 09:00`."
    try:
        schedule = parse_schedule(args, services.slack.user_tz(user_id) if user_id else None)
    except ScheduleError as exc:
        return str(exc)
    services.channels.set_digest(team_id, channel_id, schedule)
    services.wake()
    return (
        f"Digests for this channel: {describe(schedule)}. The next one is {_when(next_run(schedule, now), schedule)}."
    )


def _when(instant: datetime, schedule: DigestSchedule) -> str:
    return slack_date(instant, tz=schedule.tz, date_format="{date_short_pretty} at {time}")


def settings_text(services: Services, team_id: str, channel_id: str) -> str:
    """This channel's settings, as ``/symbl settings`` shows them."""
    config = services.channels.config(team_id, channel_id)
    auto = "on" if config.auto_process else "off"
    lines = [f"*Auto-processing of shared recordings:* {auto} (`/symbl auto on|off`)"]
    if config.digest:
        when = _when(next_run(config.digest, utcnow()), config.digest)
        lines.append(f"*Digest:* {describe(config.digest)}; next {when} (`/symbl digest off` to stop)")
    else:
        lines.append("*Digest:* off (`/symbl digest daily 09:00 [TZ]` or `weekly mon 09:00 [TZ]`)")
    return "\n".join(lines)


def register(app: App, services: Services) -> None:
    """Register ``/symbl``."""

    def check_url(url: str) -> str | None:
        """A user-facing reason the link cannot be used, or None."""
        try:
            validate_url(url, allow_private=services.settings.local_allow_private_urls)
        except BotError as exc:
            return str(exc)
        return None

    def symbl(ack: Ack, command: dict) -> None:
        team_id, channel_id, user_id = command["team_id"], command["channel_id"], command.get("user_id")
        parsed = commands.parse(command.get("text", ""))
        match parsed:
            case commands.Help(problem=problem):
                payload = render.render_help()
                if problem:
                    payload = {**payload, "text": f"{render.escape_mrkdwn(problem)}\n\n{payload['text']}"}
                    if payload.get("blocks"):
                        problem_block = {"type": "section", "text": {"type": "mrkdwn", "text": payload["text"][:2900]}}
                        payload["blocks"] = [problem_block, *payload["blocks"][1:]]
                _reply(ack, payload["text"], payload.get("blocks"))
            case commands.Process(url=url, name=name):
                if reason := check_url(url):
                    _reply(ack, f"I can't use that link: {render.escape_mrkdwn(reason)}")
                    return
                intake.start_job(
                    services,
                    key_parts=(team_id, channel_id, "command", command.get("trigger_id") or url),
                    team_id=team_id,
                    channel_id=channel_id,
                    user_id=user_id,
                    origin="command",
                    url=url,
                    name=name or url.rsplit("/", 1)[-1][:200] or url,
                    response_url=command.get("response_url"),
                )
                _reply(ack, "On it. I'll post a message here and put the results in its thread.")
            case commands.Append(conversation_id=conversation_id, url=url):
                record = services.store.conversation(team_id, conversation_id)
                if record is None:
                    _reply(ack, f"I couldn't find conversation `{render.escape_mrkdwn(conversation_id)}` here.")
                    return
                if reason := check_url(url):
                    _reply(ack, f"I can't use that link: {render.escape_mrkdwn(reason)}")
                    return
                intake.start_job(
                    services,
                    key_parts=(team_id, channel_id, "command", command.get("trigger_id") or url),
                    team_id=team_id,
                    channel_id=record.channel_id,
                    user_id=user_id,
                    origin="command",
                    url=url,
                    name=record.name,
                    append_to=conversation_id,
                    thread_ts=record.thread_ts,
                    response_url=command.get("response_url"),
                )
                _reply(ack, "Adding it to that conversation. The updated notes will appear in its thread.")
            case commands.Status():
                jobs = services.store.active_in_channel(team_id, channel_id)
                summaries = [
                    JobSummary(
                        name=job.name or "recording",
                        stage=job.stage,
                        started_at=job.created_at,
                        conversation_id=job.conversation_id,
                        permalink=None,
                    )
                    for job in jobs
                ]
                payload = render.render_job_list(summaries)
                _reply(ack, payload["text"], payload.get("blocks"))
            case commands.Auto(enabled=enabled):
                services.channels.set_auto_process(team_id, channel_id, enabled)
                state = "on: I'll process recordings shared here" if enabled else "off: I'll ignore recordings here"
                _reply(ack, f"Auto-processing is now {state}. Change it with `/symbl auto on|off`.")
            case commands.Digest(action=action, args=args):
                _reply(ack, digest_command(services, command, action, args))
            case commands.ShowSettings():
                _reply(ack, settings_text(services, team_id, channel_id))

    app.command("/symbl")(symbl)
