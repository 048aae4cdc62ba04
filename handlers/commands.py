"""The ``/symbl`` slash command: one listener for every subcommand, and the answers it gives.

``symbl`` parses the command, does what it asks (validate, write a row) and answers in the acknowledgement, all
well within Slack's 3 s. An answer that needs Slack (is the user in that channel, what is their time zone, are they
an admin) must not hold the ack up: Slack's client sleeps on Retry-After, so a slow Slack would make us miss the
3 s. Such a subcommand (``LATER``) is acknowledged at once with a holding line and answered by the lazy listener
``symbl_after_ack`` through the ``response_url``. Replies to the invoking user are ephemeral; the visible parent
message and the results are posted by the pipeline.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_bolt import Ack, BoltContext, Respond

from bot import commands, intake, render
from bot.digest.runner import request_now
from bot.digest.schedule import DigestSchedule, ScheduleError, describe, names_a_zone, next_run, parse_schedule
from bot.errors import LimitError, user_text
from bot.render import JobSummary
from bot.render.consent import describe_retention, kept_for
from bot.render.mrkdwn import slack_date
from bot.retention_policy import RetentionInForce
from bot.services import Services
from bot.store.consent import ConsentStore
from bot.store.tables import utcnow
from bot.store.voices import MAX_PRINTS, VoiceStore
from bot.voices import delete_user_voice
from handlers import forget, search
from handlers.access import NOT_FOUND, may_see

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
        schedule = parse_schedule(args, None)  # a mistake is found without asking Slack anything
        if user_id and not names_a_zone(args):  # after the ack only (answered_later)
            schedule = parse_schedule(args, services.slack.user_tz(user_id))
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
    lines.append(describe_retention(RetentionInForce.of(config.retention_days, services.settings.retention_days)))
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


CHECKING = "Looking for that meeting; I'll answer here in a moment."


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
    if enabled and ConsentStore(services.database).ask(team_id, channel_id, "auto_on"):
        services.wake()  # the channel is told once what is kept (bot.consent)
    state = "on: I'll process recordings shared here" if enabled else "off: I'll ignore recordings here"
    return {"text": f"Auto-processing is now {state}. Change it with `/symbl auto on|off`."}


def _retention(services: Services, team_id: str, channel_id: str, days: int | None) -> dict:
    services.channels.set_retention(team_id, channel_id, days)
    retention = RetentionInForce.of(days, services.settings.retention_days)
    source = "" if retention.from_channel else " (the workspace default)"
    sweep = " Older ones are deleted by the daily retention sweep." if retention.days else ""
    return {
        "text": f"Meetings processed in this channel are now kept {kept_for(retention)}{source}.{sweep} "
        "Change it with `/symbl retention &lt;days&gt;|off`."
    }


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
        case commands.Retention(days=days):
            return _retention(services, team_id, channel_id, days)
        case commands.Voice(action=action):
            return {"text": voice_command(VoiceStore(services.database), team_id, command["user_id"], action)}
    raise AssertionError("unreachable: parse() returns one of the commands above")


# -- answers that need Slack, given after the ack --------------------------------------------------------------

SCHEDULING = "Setting this channel's digest schedule in your time zone; I'll answer here in a moment."
# ``digest now`` in a channel without a schedule covers a week; only the digest's zone (the user's) needs Slack.
DIGEST_OF_A_WEEK = "Posting a digest of the last 7 days here now."


@dataclass(frozen=True)
class Later:
    """A subcommand answered after the ack: what the ack says meanwhile, and the answer (None when the ack already
    said it all and only the work that needs Slack remains)."""

    holding: str
    answer: Callable[[Services, dict], dict | None]


def _append_after_checking(services: Services, command: dict) -> dict:
    parsed = commands.parse(command.get("text", ""))
    assert isinstance(parsed, commands.Append)  # noqa: S101 - answered_later let only an append through
    return _append(services, command, parsed.conversation_id, parsed.url)


def _schedule_in_users_zone(services: Services, command: dict) -> dict:
    parsed = commands.parse(command.get("text", ""))
    assert isinstance(parsed, commands.Digest)  # noqa: S101 - answered_later let only a schedule through
    return {"text": digest_command(services, command, parsed.action, parsed.args)}


def _digest_now_in_users_zone(services: Services, command: dict) -> None:
    digest_command(services, command, "now", ())  # says what the ack said: DIGEST_OF_A_WEEK


LATER = {
    "search": Later(search.SEARCHING, search.answer_command),
    "forget": Later(forget.LOOKING, lambda services, command: {"text": forget.answer_forget(services, command)}),
    # An append naming another channel's meeting, or an unknown id: Slack says whether the user is in that
    # channel. An unknown id takes the same path, so neither the ack nor the answer tells it from a forbidden one.
    "append": Later(CHECKING, _append_after_checking),
    "digest_schedule": Later(SCHEDULING, _schedule_in_users_zone),
    "digest_now": Later(DIGEST_OF_A_WEEK, _digest_now_in_users_zone),
}


def answered_later(services: Services, command: dict) -> str | None:
    """The ``LATER`` entry this command needs, or None when the ack can carry its whole answer (no Slack call)."""
    text = command.get("text", "")
    if search.query_text(text) is not None:
        return "search"
    if forget.forget_text(text) is not None:
        return "forget"
    match commands.parse(text):
        case commands.Append(conversation_id=conversation_id):
            record = services.store.conversation(command["team_id"], conversation_id)
            return "append" if record is None or record.channel_id != command["channel_id"] else None
        case commands.Digest(action="now"):
            has_schedule = services.channels.config(command["team_id"], command["channel_id"]).digest
            return None if has_schedule else "digest_now"
        case commands.Digest(action="schedule", args=args):
            try:
                parse_schedule(args, None)
            except ScheduleError:
                return None  # the mistake is said in the ack
            return None if names_a_zone(args) else "digest_schedule"
    return None


# -- the listeners (registered in handlers/__init__.py) ----------------------------------------------------------

ANSWER_AFTER_ACK = "symbl_answer_after_ack"  # context key: which LATER entry symbl_after_ack gives


def symbl(services: Services, ack: Ack, command: dict, context: BoltContext) -> None:
    """``/symbl …``: the whole answer in the ack, or a holding line when the answer needs Slack."""
    if later := answered_later(services, command):
        # Bolt hands the lazy listener a copy of this context made after this function returns.
        context[ANSWER_AFTER_ACK] = later
        ack(response_type="ephemeral", text=LATER[later].holding)
        return
    payload = answer(services, command)
    ack(response_type="ephemeral", text=payload["text"], blocks=payload.get("blocks"))


def symbl_after_ack(services: Services, command: dict, context: BoltContext, respond: Respond) -> None:
    """After the ack (Bolt lazy listener): the answer that needed Slack, through the command's response_url."""
    later = LATER.get(context.get(ANSWER_AFTER_ACK) or "")
    if later is None:
        return  # answered in the ack
    payload = later.answer(services, command)
    if payload:
        respond(text=payload["text"], blocks=payload.get("blocks"), response_type="ephemeral", replace_original=False)
