"""Every event the app subscribes to, through the Bolt app: the jobs a message makes, and the notes that need
Slack coming only after the ack (the harness fails any dispatch that called Slack before it)."""

from __future__ import annotations

import sqlalchemy as sa

from bot.store.tables import Job, Stage
from tests.fakes.slack_requests import event_body
from tests.handlers.bolt_harness import CHANNEL, TEAM_ID, USER

RECORDING = {"id": "F0REC", "name": "standup.mp4", "title": "Standup", "mimetype": "video/mp4"}


def jobs(bolt, channel=CHANNEL) -> list[Job]:
    with bolt.services.database.session(writes=False) as session:
        rows = session.scalars(sa.select(Job).where(Job.channel_id == channel).order_by(Job.created_at)).all()
        session.expunge_all()
        return list(rows)


def test_a_shared_recording_makes_one_job_and_the_ack_is_empty(bolt, slack):
    event = slack.post_user_message(CHANNEL, files=[RECORDING])
    done = bolt.event(event)
    assert (done.status, done.body) == (200, "")
    assert [(job.origin, job.file_id, job.name, job.stage) for job in jobs(bolt)] == [
        ("file", "F0REC", "Standup", Stage.QUEUED)
    ]
    assert done.after_ack == []
    bolt.event(event)  # Slack delivers it again: the same job
    assert len(jobs(bolt)) == 1


def test_documents_make_no_job_and_a_stub_is_taken_to_be_looked_up(bolt, slack):
    pdf = {"id": "F0PDF", "name": "minutes.pdf", "mimetype": "application/pdf"}
    done = bolt.event(slack.post_user_message(CHANNEL, files=[pdf, {"id": "F0STUB"}]))
    assert [job.file_id for job in jobs(bolt)] == ["F0STUB"]
    assert done.after_ack == []


def test_file_shared_and_app_mention_are_only_acknowledged(bolt):
    shared = {"type": "file_shared", "file_id": "F0REC", "user_id": USER, "channel_id": CHANNEL, "event_ts": "1.2"}
    mention = {"type": "app_mention", "user": USER, "text": "<@UBOT> hi", "ts": "1.3", "channel": CHANNEL}
    for event in (shared, mention):
        done = bolt.event(event)
        assert (done.status, done.after_ack) == (200, [])
    assert jobs(bolt) == []


def test_a_link_to_a_recording_makes_a_job(bolt, slack):
    done = bolt.event(slack.post_user_message(CHANNEL, text="call: <https://media.example.com/call.mp3>"))
    assert [(job.origin, job.url) for job in jobs(bolt)] == [("link", "https://media.example.com/call.mp3")]
    assert done.after_ack == []


def test_a_refused_link_is_explained_in_the_thread_after_the_ack_and_only_once(bolt, slack):
    event = slack.post_user_message(CHANNEL, text="<http://10.1.2.3/a.mp3> and <http://127.0.0.1/b.mp3>")
    done = bolt.event(event)
    assert done.status == 200
    notes = done.called("chat.postMessage")
    assert len(notes) == 1 and notes[0]["thread_ts"] == event["ts"]
    assert "private network" in str(notes[0]) and "loopback" in str(notes[0])
    assert [c["name"] for c in done.called("reactions.add")] == ["x"]
    assert [job.stage for job in jobs(bolt)] == [Stage.FAILED, Stage.FAILED]  # recorded, never run
    assert bolt.event(event).after_ack == []  # redelivered: nothing said again


def test_a_sharer_over_the_limit_is_told_privately_once_after_the_ack(bolt, slack):
    links = " ".join(f"<https://media.example.com/batch/{n}.mp3>" for n in range(6))
    done = bolt.event(slack.post_user_message(CHANNEL, text=links))
    assert len(jobs(bolt)) == 2  # MAX_PENDING_PER_USER
    notes = done.called("chat.postEphemeral")
    assert [(n["user"], n["channel"]) for n in notes] == [(USER, CHANNEL)]
    assert "You already have 2 recordings waiting" in notes[0]["text"]


def test_a_file_share_over_the_limit_is_told_privately_after_the_ack(bolt, slack):
    files = [{**RECORDING, "id": f"F0REC{n}"} for n in range(3)]
    done = bolt.event(slack.post_user_message(CHANNEL, files=files))
    assert len(jobs(bolt)) == 2
    assert len(done.called("chat.postEphemeral")) == 1


def test_a_recording_shared_in_a_meetings_thread_is_appended_to_it(bolt, slack, meeting):
    done = bolt.event(slack.post_user_message(CHANNEL, files=[RECORDING], thread_ts=meeting.thread_ts))
    appended = [job for job in jobs(bolt) if job.origin == "file" and job.file_id == "F0REC"]
    assert [(job.append_to, job.thread_ts) for job in appended] == [(meeting.conversation_id, meeting.thread_ts)]
    assert done.after_ack == []


def test_edits_bots_and_channels_with_auto_processing_off_make_nothing(bolt, slack):
    edit = {
        "type": "message",
        "subtype": "message_changed",
        "channel": CHANNEL,
        "ts": "1700000000.000200",
        "message": {"text": "<https://media.example.com/x.mp3>", "ts": "1700000000.000100"},
    }
    bot = {**slack.post_user_message(CHANNEL, text="<http://10.0.0.1/y.mp3>"), "bot_id": "B0OTHER"}
    for event in (edit, bot):
        assert bolt.event(event).after_ack == []
    bolt.services.channels.set_auto_process(TEAM_ID, CHANNEL, False)
    for event in (
        slack.post_user_message(CHANNEL, files=[RECORDING]),
        slack.post_user_message(CHANNEL, text="<https://media.example.com/z.mp3> <http://10.0.0.1/y.mp3>"),
    ):
        assert bolt.event(event).after_ack == []
    assert jobs(bolt) == []


def erasures(bolt) -> list[tuple[str, str, str]]:
    from bot.store.tables import ErasureRequest

    with bolt.services.database.session(writes=False) as session:
        rows = session.scalars(sa.select(ErasureRequest).order_by(ErasureRequest.requested_at)).all()
        return [(row.team_id, row.scope, row.user_ids_json) for row in rows]


def test_an_uninstall_records_one_erasure_of_the_workspace_without_calling_slack(bolt):
    uninstalled = event_body({"type": "app_uninstalled"}, team_id=TEAM_ID, event_id="Ev0UNINSTALL")
    for _ in range(2):  # Slack redelivers it: still one erasure
        done = bolt.dispatch(uninstalled, "application/json")
        assert (done.status, done.after_ack) == (200, [])
    assert erasures(bolt) == [(TEAM_ID, "workspace", "[]")]


def test_revoked_user_tokens_record_an_erasure_of_those_people_only(bolt):
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": ["U0GONE"], "bot": []}}
    done = bolt.dispatch(event_body(revoked, team_id=TEAM_ID), "application/json")
    assert (done.status, done.after_ack) == (200, [])
    [(team, scope, people)] = erasures(bolt)
    assert (team, scope) == (TEAM_ID, "users") and "U0GONE" in people
