""" "Who's who" on the notes: a speaker's user picker, the "Same person…" menu and the voice's *Undo* button.

Each click is acknowledged at once; the rest runs as a Bolt lazy listener because it calls Slack: the click must
come from a meeting's notes message of this workspace (``JobStore.with_notes_message``, scoped by team, so a
click naming another channel's or workspace's message changes nothing), name one of that meeting's speakers, and
a picked user must be a real Slack user. Anything else gets a private answer saying why and changes nothing.

Then one write through ``bot.speaker_naming`` (the one place corrections are saved), and its effects: the ledger
rows take the new names and the notes are redrawn in place (``MeetingNotes.rename``), the transcript file is
uploaded again and the old one deleted, and with Symbl the member is renamed there too (``PUT …/members/{id}``),
so an append's fresh results carry the name.
"""

from __future__ import annotations

import json
import logging

from slack_bolt import Ack, Respond

from bot.codec import insights_from_dict
from bot.render.ledger import is_slack_user_id
from bot.render.whoswho import PICK_ACTION, ROW_PREFIX, SAME, SAME_ACTION, SPLIT, UNDO_VOICE_ACTION
from bot.services import Services
from bot.speaker_naming import SpeakerNaming
from bot.speakers import FoundSpeaker, found_speakers, short_id
from bot.store.search import index_meeting
from bot.store.speakers import SpeakerNameStore
from bot.store.tables import Job

log = logging.getLogger(__name__)

NOT_NOTES = "I couldn't find the meeting of that message any more; it may have been forgotten."
UNKNOWN_SPEAKER = "I couldn't find that speaker in this meeting's notes; nothing was changed."
UNKNOWN_PERSON = "I couldn't find that person in this workspace's Slack; nothing was changed."
SAME_SPEAKER = "A speaker can't be merged with itself; pick two different speakers."
NOT_RECOGNISED = "That speaker was not named by voice, so there is nothing to undo."


class _Refused(Exception):
    """A click that changes nothing; its message is the private answer."""


def _team(body: dict) -> str:
    return (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or ""


def _user(body: dict) -> str:
    return (body.get("user") or {}).get("id") or ""


class WhosWho:
    def __init__(self, services: Services, naming: SpeakerNaming | None = None):
        self.services = services
        self.naming = naming or services.speaker_naming or SpeakerNaming(SpeakerNameStore(services.database))

    def after(self, body: dict, action: dict, respond: Respond) -> None:
        """After the ack: check the click, save what it says, and bring every place the names show up to date."""
        team_id = _team(body)
        try:
            job = self._meeting(body)
            speakers = {short_id(f.key): f for f in found_speakers(insights_from_dict(json.loads(job.insights_json)))}
            renamed = self._save(job, speakers, body, action)
        except _Refused as refusal:
            respond(text=str(refusal), response_type="ephemeral", replace_original=False)
            return
        except Exception:
            log.exception("could not name a speaker", extra={"team_id": team_id})
            return
        self._bring_up_to_date(job, renamed)

    def _meeting(self, body: dict) -> Job:
        container = body.get("container") or {}
        channel_id, ts = container.get("channel_id"), container.get("message_ts")
        job = self.services.store.with_notes_message(_team(body), channel_id, ts) if channel_id and ts else None
        if job is None or not job.insights_json or not job.conversation_id:
            raise _Refused(NOT_NOTES)
        return job

    def _save(self, job: Job, speakers: dict[str, FoundSpeaker], body: dict, action: dict) -> list[str]:
        """Save the click's decision; the speaker ids whose name changed (Symbl is told about those)."""
        by, team_id, conversation_id = _user(body), job.team_id, str(job.conversation_id)

        def speaker(short: str) -> str:
            if short not in speakers:
                raise _Refused(UNKNOWN_SPEAKER)
            return speakers[short].key

        action_id = action.get("action_id")
        if action_id == PICK_ACTION:
            key = speaker(str(action.get("block_id") or "").removeprefix(ROW_PREFIX))
            user_id = action.get("selected_user")
            if not (is_slack_user_id(user_id) and self.services.slack.user_names(user_id)):
                raise _Refused(UNKNOWN_PERSON)
            self.naming.correct(team_id, conversation_id, key, user_id, by=by)
            return [key]
        if action_id == UNDO_VOICE_ACTION:
            key = speaker(str(action.get("value") or ""))
            if not self.naming.undo_voice(team_id, conversation_id, key, by=by):
                raise _Refused(NOT_RECOGNISED)
            return []
        verb, *shorts = str((action.get("selected_option") or {}).get("value") or "").split(":")
        if verb == SAME and len(shorts) == 2:
            one, other = speaker(shorts[0]), speaker(shorts[1])
            if one == other:
                raise _Refused(SAME_SPEAKER)
            self.naming.merge(team_id, conversation_id, one, other, by=by)
            return [one]
        if verb == SPLIT and len(shorts) == 1:
            self.naming.split(team_id, conversation_id, speaker(shorts[0]), by=by)
            return []
        raise _Refused(UNKNOWN_SPEAKER)

    def _bring_up_to_date(self, job: Job, renamed: list[str]) -> None:
        """Notes and ledger, then the transcript, then Symbl: each on its own, so one failure costs only itself."""
        extra = {"team_id": job.team_id, "job_id": job.id}
        named = None
        try:
            named = self.services.notes.rename(job)
        except Exception:
            log.exception("could not redraw the notes after naming a speaker", extra=extra)
            return
        try:
            self.services.notes.replace_transcript(job, named.insights)
        except Exception:
            log.exception("could not replace the transcript after naming a speaker", extra=extra)
        try:  # so `from:@alice` finds the meeting at once, not after its next append
            index_meeting(
                self.services.database,
                team_id=job.team_id,
                channel_id=job.channel_id,
                insights=named.insights,
                shared_at=job.shared_at,
            )
        except Exception:
            log.exception("could not re-index the meeting after naming a speaker", extra=extra)
        if not renamed:
            return
        try:  # a web worker's engine is built on its first rename and reused (Services.engine_to_ask)
            engine = self.services.engine_to_ask()
            if job.engine == engine.name:  # else made by an engine this app no longer runs
                for key in renamed:
                    if (name := named.names.get(key)) is not None:
                        engine.rename_speaker(str(job.conversation_id), key, name.name)
        except Exception:
            log.exception("could not rename the speaker in the engine", extra=extra)


ACTIONS = (PICK_ACTION, SAME_ACTION, UNDO_VOICE_ACTION)


def ack_click(ack: Ack) -> None:
    ack()


def after_click(services: Services, body: dict, action: dict, respond: Respond) -> None:
    """After the ack (Slack calls: the picked user's check, the redraw, the transcript): see ``WhosWho.after``."""
    WhosWho(services).after(body, action, respond)
