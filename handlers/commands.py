"""The ``/symbl`` slash command: parse, validate, write a job row, acknowledge — all well within Slack's 3 s.

The one exception: an ``append`` naming another channel's meeting (or an unknown id) needs Slack to say whether
the user is in that channel, so it is acknowledged at once and answered by a lazy listener (``register``).
Replies to the invoking user are ephemeral acknowledgements; the visible parent message and the results are
posted by the pipeline.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from slack_bolt import Ack, App, Respond

from bot import commands, intake, render
from bot.digest.runner import request_now
from bot.digest.schedule import DigestSchedule, ScheduleError, describe, next_run, parse_schedule
from bot.errors import LimitError, user_text
from bot.render import JobSummary
from bot.render.mrkdwn import slack_date
from bot.services import Services
from bot.store.tables import utcnow
from bot.store.voices import MAX_PRINTS, VoiceStore
from bot.voices import delete_user_voice

log = logging.getLogger(__name__)


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
            user_tz=lambda: services.slack.user_tz(user_id) if user_id else None,
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
        return render.escape_mrkdwn(str(exc))  # it quotes the user's word back (``<!channel>`` as a "time zone")
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


def voice_command(store: VoiceStore, team_id: str, user_id: str, action: str) -> str:
    """``/symbl voice on|off`` carried out, or what is stored (``show``), in words for the person who asked."""
    if action == "on":
        store.agree(team_id, user_id)
        return (
            "Your voice will be remembered in this workspace. When someone names you as a speaker in a meeting's "
            f"notes, a voice print is kept (numbers describing your voice, never audio; at most {MAX_PRINTS}, the "
            "newest), and later meetings in channels you are in may name you by voice. "
            "`/symbl voice off` deletes it all at once."
        )
    if action == "off":
        delete_user_voice(store, team_id, user_id)
        return (
            "Done: your voice prints and your consent are deleted in this workspace. You will not be named by "
            "voice; `/symbl voice on` to opt in again."
        )
    stored = store.summary(team_id, user_id)
    if stored.consented_at is None:
        return (
            "Nothing of your voice is stored here, and you are never named by voice. "
            "`/symbl voice on` lets this workspace remember it (a few voice prints, never audio)."
        )
    since = slack_date(stored.consented_at)
    if not stored.prints:
        prints = "no voice print yet (one is kept when someone names you as a speaker in a meeting's notes)"
    else:
        first, last = slack_date(stored.oldest), slack_date(stored.newest)
        prints = f"{stored.prints} voice print{'s' if stored.prints != 1 else ''}, from {first} to {last}"
    return f"Your voice is remembered here since {since}: {prints}. `/symbl voice off` deletes it all at once."


def _url_problem(services: Services, url: str) -> str | None:
    """A user-facing reason the link cannot be used, or None."""
    if reason := intake.link_problem(services, url):
        return f"I can't use that link: {render.escape_mrkdwn(reason)}"
    return None


def help_payload(problem: str | None) -> dict:
    payload = render.render_help()
    if problem:
        said = render.escape_mrkdwn(problem)
        # The blocks list the usage once; the problem replaces the header (the text is only the fallback).
        problem_block = {"type": "section", "text": {"type": "mrkdwn", "text": said[:2900]}}
        payload = {"text": f"{said}\n\n{payload['text']}", "blocks": [problem_block, *payload["blocks"][1:]]}
    return payload


def _start(services: Services, command: dict, url: str, done: str, **fields) -> dict:
    """Write the job for a command (keyed by its trigger id, so a retried request makes no second job)."""
    if problem := _url_problem(services, url):
        return {"text": problem}
    team_id, channel_id = command["team_id"], command["channel_id"]
    try:
        intake.start_job(
            services,
            key_parts=(team_id, channel_id, "command", command.get("trigger_id") or url),
            team_id=team_id,
            user_id=command.get("user_id"),
            origin="command",
            url=url,
            response_url=command.get("response_url"),
            **fields,
        )
    except LimitError as exc:
        return {"text": user_text(exc)}
    return {"text": done}


def _process(services: Services, command: dict, url: str, name: str | None) -> dict:
    return _start(
        services,
        command,
        url,
        "On it. I'll post a message here and put the results in its thread.",
        channel_id=command["channel_id"],
        name=name or url.rsplit("/", 1)[-1][:200] or url,
    )


# The one answer for an id that does not exist and for a meeting the user may not see: the same bytes (the id
# is not even echoed), so the reply cannot tell anyone which ids exist.
NOT_FOUND = "I couldn't find that conversation among the meetings you can see."
CHECKING = "Looking for that meeting; I'll answer here in a moment."


def may_see(services: Services, command: dict, channel_id: str) -> bool:
    """Whether the person who typed the command may see a meeting processed in ``channel_id``.

    Slack only delivers a command from a channel its author is in, so the same channel needs no question;
    otherwise Slack is asked (``conversations.members``, cached for a minute), after the ack (``register``).
    """
    if channel_id == command["channel_id"]:
        return True
    user_id = command.get("user_id")
    return bool(user_id) and services.slack.is_member(channel_id, user_id)


def _append(services: Services, command: dict, conversation_id: str, url: str) -> dict:
    record = services.store.conversation(command["team_id"], conversation_id)
    if record is None or not may_see(services, command, record.channel_id):
        return {"text": NOT_FOUND}
    return _start(
        services,
        command,
        url,
        "Adding it to that conversation. The updated notes will appear in its thread.",
        channel_id=record.channel_id,
        name=record.name,
        append_to=conversation_id,
        thread_ts=record.thread_ts,
    )


def _status(services: Services, team_id: str, channel_id: str) -> dict:
    jobs, total = services.store.active_in_channel(team_id, channel_id)
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
    return render.render_job_list(summaries, total=total)


def _auto(services: Services, team_id: str, channel_id: str, enabled: bool) -> dict:
    services.channels.set_auto_process(team_id, channel_id, enabled)
    state = "on: I'll process recordings shared here" if enabled else "off: I'll ignore recordings here"
    return {"text": f"Auto-processing is now {state}. Change it with `/symbl auto on|off`."}


def answer(services: Services, command: dict) -> dict:
    """What ``/symbl …`` does and says: ``{"text", "blocks"?}`` for the person who typed it."""
    team_id, channel_id = command["team_id"], command["channel_id"]
    match commands.parse(command.get("text", "")):
        case commands.Help(problem=problem):
            return help_payload(problem)
        case commands.Process(url=url, name=name):
            return _process(services, command, url, name)
        case commands.Append(conversation_id=conversation_id, url=url):
            return _append(services, command, conversation_id, url)
        case commands.Status():
            return _status(services, team_id, channel_id)
        case commands.Auto(enabled=enabled):
            return _auto(services, team_id, channel_id, enabled)
        case commands.Digest(action=action, args=args):
            return {"text": digest_command(services, command, action, args)}
        case commands.ShowSettings():
            return {"text": settings_text(services, team_id, channel_id)}
        case commands.Voice(action=action):
            return {"text": voice_command(VoiceStore(services.database), team_id, command["user_id"], action)}
    raise AssertionError("unreachable: parse() returns one of the commands above")


def needs_membership_check(services: Services, command: dict) -> bool:
    """``append`` naming a meeting of another channel, or no meeting at all: answered after the ack.

    Whether the user may see the meeting is Slack's to say, and no Slack call should hold up the ack (#11). An
    unknown id takes the same path, so the ack and the later answer cannot tell an unknown id from a forbidden one.
    """
    parsed = commands.parse(command.get("text", ""))
    if not isinstance(parsed, commands.Append):
        return False
    record = services.store.conversation(command["team_id"], parsed.conversation_id)
    return record is None or record.channel_id != command["channel_id"]


def register(app: App, services: Services) -> None:
    """Register ``/symbl``."""

    def symbl(ack: Ack, command: dict) -> None:
        payload = answer(services, command)
        ack(response_type="ephemeral", text=payload["text"], blocks=payload.get("blocks"))

    def ack_checking(ack: Ack) -> None:
        ack(response_type="ephemeral", text=CHECKING)

    def append_after_checking(command: dict, respond: Respond) -> None:
        parsed = commands.parse(command.get("text", ""))
        assert isinstance(parsed, commands.Append)  # noqa: S101 - the matcher let only an append through
        payload = _append(services, command, parsed.conversation_id, parsed.url)
        respond(text=payload["text"], response_type="ephemeral", replace_original=False)

    # First matching listener wins: an append to another channel's meeting (or to an unknown id) is acknowledged
    # at once and answered by a lazy listener once Slack has said whether the user is in that channel.
    app.command("/symbl", matchers=[lambda command: needs_membership_check(services, command)])(
        ack=ack_checking, lazy=[append_after_checking]
    )
    app.command("/symbl")(symbl)
