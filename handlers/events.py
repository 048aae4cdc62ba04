"""Event listeners: recordings and meeting transcripts shared as files, links to them, and events only acknowledged.

Listeners only decide and write a job row (milliseconds); downloads and uploads happen on the pipeline's pool.
A link that may not be fetched (private address, credentials, not http…) makes no job; a Bolt lazy listener says
why in the message's thread after Slack has its answer.
"""

from __future__ import annotations

import contextlib
import logging

from slack_bolt import App

from bot import intake, render
from bot.errors import LimitError, SlackError, user_text
from bot.services import Services

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _limit_told(services: Services, channel_id: str, event: dict):
    """A share refused for the sharer's limit gets a note only they see, instead of silence.

    Yields a list that holds the error once refused: the caller then stops, since the rest of the same message
    would be refused too, and one note per message is enough (a message may hold dozens of links).
    """
    refused: list[LimitError] = []
    try:
        yield refused
    except LimitError as exc:
        refused.append(exc)
        try:
            services.slack.ephemeral(
                channel_id, event.get("user") or "", user_text(exc), thread_ts=event.get("thread_ts")
            )
        except SlackError:
            log.warning("could not tell a user their recording was refused", extra={"channel_id": channel_id})


def _start(services: Services, event: dict, route: tuple, key: str, **fields) -> bool:
    """Start a job for one recording of a message; False when the sharer's limit refused it (skip the rest).

    ``route`` is (team, channel, thread ts, conversation to append to); ``key`` tells this recording apart from the
    message's others (a file id or a URL) in the idempotency key.
    """
    team_id, channel_id, thread_ts, append_to = route
    with _limit_told(services, channel_id, event) as refused:
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
    return not refused


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


def register(app: App, services: Services) -> None:
    """File shares first (Bolt runs only the first matching listener), then the catch-alls."""

    def on_file_share(event: dict, context) -> None:
        if event.get("bot_id"):
            return
        team_id, channel_id = context.team_id, event["channel"]
        if not services.channels.auto_process(team_id, channel_id):
            return
        thread_ts, append_to = intake.thread_route(services, team_id, channel_id, event)
        for file in event.get("files") or []:
            if not isinstance(file, dict) or not file.get("id"):
                continue  # Slack always names the file; an entry without an id names nothing to fetch
            if intake.looks_like_media(file) is False:
                continue  # a document or an image: not ours to comment on
            route = (team_id, channel_id, thread_ts, append_to)
            name = file.get("title") or file.get("name")
            if not _start(services, event, route, file["id"], origin="file", file_id=file["id"], name=name):
                break

    def on_message(event: dict, context) -> None:
        # Edits (message_changed, also how Slack adds unfurls), deletions, joins and bots are not new recordings.
        if event.get("subtype") or event.get("bot_id"):
            return
        team_id, channel_id = context.team_id, event["channel"]
        links = list(intake.media_links(event))
        if not links or not services.channels.auto_process(team_id, channel_id):
            return
        thread_ts, append_to = intake.thread_route(services, team_id, channel_id, event)
        for url in links:
            if intake.link_problem(services, url):
                continue  # refused: say_links_refused tells the thread why
            route = (team_id, channel_id, thread_ts, append_to)
            if not _start(services, event, route, url, origin="link", url=url, name=_link_name(url)):
                break

    def refused_links(event: dict) -> list[tuple[str, str]]:
        """The message's links to recordings that may not be fetched, each with the reason."""
        if event.get("subtype") or event.get("bot_id"):
            return []
        return [(url, why) for url in intake.media_links(event) if (why := intake.link_problem(services, url))]

    def say_links_refused(event: dict, context) -> None:
        """After the ack: one note in the thread and one ❌ for the message's refused links, however many.

        Each link is still recorded on its own (so a redelivered event says nothing again), but a message with
        300 links to private addresses makes one post and one reaction, not 300 of each.
        """
        team_id, channel_id = context.team_id, event["channel"]
        refused = refused_links(event)
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

    def acknowledge_only() -> None:
        """``file_shared`` duplicates the ``message`` file share; it is acknowledged and never makes a job."""

    app.event({"type": "message", "subtype": "file_share"})(on_file_share)
    # Only a message with a refused link gets the lazy follow-up: Bolt copies the whole request for a lazy
    # listener, which would cost more than the ack of every ordinary message in every channel the app is in.
    app.event("message", matchers=[lambda event: bool(refused_links(event))])(ack=on_message, lazy=[say_links_refused])
    app.event("message")(on_message)
    app.event("file_shared")(acknowledge_only)
    app.event("app_mention")(acknowledge_only)
