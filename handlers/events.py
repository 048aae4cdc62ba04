"""Event listeners: recordings and meeting transcripts shared as files, links to them, and events only acknowledged.

``message`` is one listener for every message event (Bolt runs only the first matching listener, so one
registration that dispatches itself leaves nothing to ordering): a file share or a message with links makes job
rows (milliseconds); downloads and uploads happen on the jobs process. Whatever needs Slack comes after the ack,
from the lazy listener ``message_after_ack``: the private note to a sharer over their limit, and for links that may
not be fetched (private address, credentials, not http…; they make no job) one note in the message's thread.
"""

from __future__ import annotations

import logging

from slack_bolt import BoltContext

from bot import intake, render
from bot.errors import LimitError, SlackError, user_text
from bot.services import Services

log = logging.getLogger(__name__)

LIMIT_REFUSAL = "symbl_limit_refusal"  # context key: the note for a sharer over their limit, said after the ack


def _start(services: Services, event: dict, route: tuple, key: str, **fields) -> None:
    """Start a job for one recording of a message (raises ``LimitError`` when the sharer's limit refuses it).

    ``route`` is (team, channel, thread ts, conversation to append to); ``key`` tells this recording apart from the
    message's others (a file id or a URL) in the idempotency key.
    """
    team_id, channel_id, thread_ts, append_to = route
    intake.start_job(
        services,
        key_parts=(team_id, channel_id, event["ts"], key),
        team_id=team_id,
        channel_id=channel_id,
        user_id=event.get("user"),
        source_ts=event["ts"],
        thread_ts=thread_ts,
        append_to=append_to,
        **fields,
    )


def _link_name(url: str) -> str:
    return url.rsplit("/", 1)[-1][:200] or url


_LISTED_REFUSALS = 5  # a note names this many refused links; the rest are counted


def _refusal_note(refused: list[tuple[str, str]]) -> dict:
    """One failure note for a message's refused links: the reason for one, a short list for several."""
    if len(refused) == 1:
        name, why = refused[0]
        return render.render_failure(why, name=name)
    lines = [f"• {name}: {why}" for name, why in refused[:_LISTED_REFUSALS]]
    if len(refused) > _LISTED_REFUSALS:
        lines.append(f"…and {len(refused) - _LISTED_REFUSALS} more links I can't use.")
    return render.render_failure("\n".join(lines), name=f"{len(refused)} links")


def _start_files(services: Services, event: dict, team_id: str) -> None:
    """A job for each recording or meeting transcript of a file share (raises ``LimitError`` past the limit)."""
    channel_id = event["channel"]
    if not services.channels.auto_process(team_id, channel_id):
        return
    thread_ts, append_to = intake.thread_route(services, team_id, channel_id, event)
    for file in event.get("files") or []:
        if not isinstance(file, dict) or not file.get("id"):
            continue  # Slack always names the file; an entry without an id names nothing to fetch
        if intake.looks_like_media(file) is False:
            continue  # a document or an image: not ours to comment on
        route, name = (team_id, channel_id, thread_ts, append_to), file.get("title") or file.get("name")
        _start(services, event, route, file["id"], origin="file", file_id=file["id"], name=name)


def _start_links(services: Services, event: dict, team_id: str) -> None:
    """A job for each link to a recording that may be fetched (raises ``LimitError`` past the limit)."""
    channel_id = event["channel"]
    links = list(intake.media_links(event))
    if not links or not services.channels.auto_process(team_id, channel_id):
        return
    thread_ts, append_to = intake.thread_route(services, team_id, channel_id, event)
    for url in links:
        if intake.link_problem(services, url):
            continue  # refused: message_after_ack tells the thread why
        route = (team_id, channel_id, thread_ts, append_to)
        _start(services, event, route, url, origin="link", url=url, name=_link_name(url))


def _refused_links(services: Services, event: dict) -> list[tuple[str, str]]:
    """The message's links to recordings that may not be fetched, each with the reason."""
    return [(url, why) for url in intake.media_links(event) if (why := intake.link_problem(services, url))]


def _say_links_refused(services: Services, event: dict, team_id: str) -> None:
    """One note in the thread and one ❌ for the message's refused links, however many.

    Each link is still recorded on its own (so a redelivered event says nothing again), but a message with
    300 links to private addresses makes one post and one reaction, not 300 of each.
    """
    channel_id = event["channel"]
    refused = _refused_links(services, event)
    if not refused or not services.channels.auto_process(team_id, channel_id):
        return
    thread_ts, _ = intake.thread_route(services, team_id, channel_id, event)
    new = [
        (_link_name(url), why)
        for url, why in refused
        if intake.record_refused(
            services,
            key_parts=(team_id, channel_id, event["ts"], url),
            reason=why,
            team_id=team_id,
            channel_id=channel_id,
            user_id=event.get("user"),
            origin="link",
            source_ts=event["ts"],
            thread_ts=thread_ts,
            url=url,
            name=_link_name(url),
        )
    ]
    if not new:
        return  # a redelivered event: the note is already there
    try:
        services.slack.post(channel_id, _refusal_note(new), thread_ts=thread_ts)
        services.slack.react(channel_id, event["ts"], "x")
    except SlackError as exc:
        log.warning("could not say why a link was refused: %s", exc.code, extra={"channel_id": channel_id})


# -- the listeners (registered in handlers/__init__.py) ----------------------------------------------------------


def _is_ours(event: dict) -> bool:
    """A share by a person: a file share or a plain message. Edits (message_changed, also how Slack adds
    unfurls), deletions, joins and bots' messages are not new recordings."""
    return not event.get("bot_id") and event.get("subtype") in (None, "file_share")


def message(services: Services, event: dict, context: BoltContext) -> None:
    """Every ``message`` event: a file share's recordings, or a message's links, become jobs."""
    if not _is_ours(event):
        return
    try:
        if event.get("subtype") == "file_share":
            _start_files(services, event, context.team_id)
        else:
            _start_links(services, event, context.team_id)
    except LimitError as exc:
        # The rest of the message would be refused too; one note per message is enough (it may hold dozens of
        # links), and it needs Slack: message_after_ack says it. Bolt copies this context for it after we return.
        context[LIMIT_REFUSAL] = user_text(exc)


def message_after_ack(services: Services, event: dict, context: BoltContext) -> None:
    """After the ack (Bolt lazy listener): the notes that need Slack, if the message needs any.

    This runs for every message event (Bolt copies the request for it); for an ordinary message it returns after
    looking at the message's links, without touching the database.
    """
    if not _is_ours(event):
        return
    channel_id = event["channel"]
    if note := context.get(LIMIT_REFUSAL):
        try:
            services.slack.ephemeral(channel_id, event.get("user") or "", note, thread_ts=event.get("thread_ts"))
        except SlackError:
            log.warning("could not tell a user their recording was refused", extra={"channel_id": channel_id})
    if event.get("subtype") is None:
        _say_links_refused(services, event, context.team_id)


def acknowledge_only() -> None:
    """``file_shared`` duplicates the ``message`` file share, and a mention asks nothing: acknowledged, no job."""
