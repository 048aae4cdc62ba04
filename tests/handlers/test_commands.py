"""Every ``/symbl`` subcommand through the Bolt app: the ack's words, what it wrote, and what came after the ack.

The harness fails any dispatch in which Slack was called before the ack (``InProcessApp.dispatch``).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.store.tables import DigestRun, Job, Stage
from handlers.access import NOT_FOUND
from handlers.commands import CHECKING, DIGEST_OF_A_WEEK, SCHEDULING
from handlers.forget import LOOKING
from handlers.search import SEARCHING
from tests.handlers.bolt_harness import CHANNEL, TEAM_ID, USER
from tests.handlers.conftest import add_meeting

LINK = "https://media.example.com/calls/weekly.mp3"


def jobs(bolt, channel=CHANNEL):
    """The channel's job rows still to run (a meeting's own, finished job is not among them)."""
    with bolt.services.database.session(writes=False) as session:
        rows = session.scalars(sa.select(Job).where(Job.channel_id == channel, Job.stage == Stage.QUEUED)).all()
        session.expunge_all()
        return rows


@pytest.mark.parametrize("text", ["", "help", "dance"])
def test_help_and_unknown_words_are_answered_in_the_ack(bolt, text):
    done = bolt.command(text)
    assert done.status == 200
    assert "/symbl process" in done.ack["text"]
    assert done.ack["response_type"] == "ephemeral"
    assert done.after_ack == []
    if text == "dance":
        assert "don't know the command `dance`" in done.ack["text"]


def test_process_writes_a_job_and_says_so_in_the_ack(bolt):
    done = bolt.command(f"process {LINK} Weekly sync")
    assert done.ack["text"].startswith("On it.")
    assert [job.name for job in jobs(bolt)] == ["Weekly sync"]
    assert done.after_ack == []


def test_process_refuses_a_private_link_in_the_ack_and_writes_nothing(bolt):
    done = bolt.command("process http://10.1.2.3/a.mp3")
    assert "can't use that link" in done.ack["text"] and "private network" in done.ack["text"]
    assert jobs(bolt) == []


def test_process_over_the_pending_limit_is_refused_in_the_ack(bolt):
    for n in range(2):
        assert bolt.command(f"process https://media.example.com/{n}.mp3").ack["text"].startswith("On it.")
    done = bolt.command("process https://media.example.com/third.mp3")
    assert "You already have 2 recordings waiting" in done.ack["text"]
    assert len(jobs(bolt)) == 2
    assert done.after_ack == []  # the refusal is the ack itself: no note to post


def test_append_to_a_meeting_of_this_channel_is_answered_in_the_ack(bolt, meeting):
    done = bolt.command(f"append {meeting.conversation_id} {LINK}")
    assert done.ack["text"].startswith("Adding it to that conversation.")
    assert [job.append_to for job in jobs(bolt)] == [meeting.conversation_id]


def test_append_to_another_channels_meeting_asks_slack_after_the_ack(bolt, slack):
    other = add_meeting(bolt, channel="C222", conversation_id="6000000000000001")
    slack.add_channel("C222", members=(USER,))
    done = bolt.command(f"append {other.conversation_id} {LINK}")
    assert done.ack["text"] == CHECKING
    assert [c["channel"] for c in done.called("conversations.members")] == ["C222"]
    assert done.responses[0]["text"].startswith("Adding it to that conversation.")
    assert [job.channel_id for job in jobs(bolt, "C222")] == ["C222"]


@pytest.mark.parametrize("conversation", ["unknown", "forbidden"])
def test_append_to_an_unknown_or_forbidden_meeting_gets_the_same_bytes(bolt, slack, conversation):
    other = add_meeting(bolt, channel="C333", conversation_id="6000000000000002")
    slack.add_channel("C333", members=("U0SOMEONE",))
    target = "7000000000000009" if conversation == "unknown" else other.conversation_id
    done = bolt.command(f"append {target} {LINK}")
    assert done.ack["text"] == CHECKING
    assert [r["text"] for r in done.responses] == [NOT_FOUND]
    assert jobs(bolt, "C333") == []


def test_status_lists_the_channels_jobs_in_the_ack(bolt):
    bolt.command(f"process {LINK} Weekly sync")
    done = bolt.command("status")
    assert "Weekly sync" in str(done.ack)
    assert done.after_ack == []


def test_auto_off_and_on_are_written_and_said_in_the_ack(bolt):
    assert "now off" in bolt.command("auto off").ack["text"]
    assert not bolt.services.channels.auto_process(TEAM_ID, CHANNEL)
    assert "now on" in bolt.command("auto on").ack["text"]
    assert bolt.services.channels.auto_process(TEAM_ID, CHANNEL)


def test_settings_are_shown_in_the_ack(bolt):
    bolt.command("digest daily 09:00 Asia/Tokyo")
    done = bolt.command("settings")
    assert "*Auto-processing of shared recordings:* on" in done.ack["text"]
    assert "every day at 09:00 (Asia/Tokyo)" in done.ack["text"]


def test_a_schedule_naming_its_zone_is_set_in_the_ack(bolt):
    done = bolt.command("digest weekly mon 09:00 America/Chicago")
    assert "every Monday at 09:00 (America/Chicago)" in done.ack["text"]
    assert "<!date^" in done.ack["text"]
    assert done.after_ack == []


def test_a_schedule_in_the_users_zone_is_confirmed_after_the_ack(bolt):
    done = bolt.command("digest weekly mon 09:00")
    assert done.ack["text"] == SCHEDULING
    assert [c["user"] for c in done.called("users.info")] == [USER]
    assert "every Monday at 09:00 (Europe/Paris)" in done.responses[0]["text"]
    assert bolt.services.channels.config(TEAM_ID, CHANNEL).digest.tz == "Europe/Paris"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("digest daily 25:99", "24-hour HH:MM"),
        ("digest weekly funday 09:00", "weekday"),
        ("digest daily 09:00 <!channel>", "&lt;!channel&gt;"),
        ("digest now please", "/symbl digest now"),
    ],
)
def test_a_schedule_that_does_not_parse_is_answered_in_the_ack(bolt, text, said):
    done = bolt.command(text)
    assert said in done.ack["text"]
    assert done.after_ack == []
    assert bolt.services.channels.config(TEAM_ID, CHANNEL).digest is None


def test_digest_off_is_said_in_the_ack(bolt):
    bolt.command("digest daily 09:00 UTC")
    assert "off" in bolt.command("digest off").ack["text"]
    assert bolt.services.channels.config(TEAM_ID, CHANNEL).digest is None


def digest_runs(bolt) -> list[tuple[str, str | None]]:
    """(run key, zone) of the channel's requested digests."""
    with bolt.services.database.session(writes=False) as session:
        runs = session.scalars(sa.select(DigestRun).where(DigestRun.channel_id == CHANNEL)).all()
        return [(run.run_key, run.tz) for run in runs]


def test_digest_now_with_a_schedule_is_requested_in_the_ack(bolt):
    bolt.command("digest daily 09:00 Asia/Tokyo")
    done = bolt.command("digest now")
    assert done.ack["text"] == "Posting a digest of the last 1 day here now."
    assert [tz for _, tz in digest_runs(bolt)] == ["Asia/Tokyo"]
    assert done.after_ack == []


def test_digest_now_without_a_schedule_asks_the_users_zone_after_the_ack(bolt):
    done = bolt.command("digest now")
    assert done.ack["text"] == DIGEST_OF_A_WEEK
    assert [c["user"] for c in done.called("users.info")] == [USER]
    assert done.responses == []  # the ack said it all
    assert [tz for _, tz in digest_runs(bolt)] == ["Europe/Paris"]


def test_search_is_answered_after_the_ack(bolt, slack):
    slack.add_channel(CHANNEL, members=(USER,))
    done = bolt.command("search budget")
    assert done.ack["text"] == SEARCHING
    assert len(done.responses) == 1 and done.responses[0]["text"]


def test_forget_of_an_unknown_meeting_is_answered_after_the_ack(bolt):
    done = bolt.command("forget 7000000000000009")
    assert done.ack["text"] == LOOKING
    assert [r["text"] for r in done.responses] == [NOT_FOUND]


def test_forget_by_its_sharer_starts_deleting_after_the_ack(bolt, meeting):
    done = bolt.command(f"forget {meeting.conversation_id}")
    assert done.ack["text"] == LOOKING
    assert done.responses[0]["text"].startswith("Deleting that meeting")


def test_forget_by_someone_else_who_is_no_admin_is_refused_after_asking_slack(bolt, slack, meeting):
    slack.add_user("U0DANA", name="dana")
    done = bolt.command(f"forget {meeting.conversation_id}", user="U0DANA")
    assert done.ack["text"] == LOOKING
    assert [c["user"] for c in done.called("users.info")] == ["U0DANA"]
    assert done.responses[0]["text"].startswith("Only the person who shared this recording")


def test_retention_is_set_and_shown_in_settings_in_the_ack(bolt):
    done = bolt.command("retention 30")
    assert "kept" in done.ack["text"] and "30 days" in done.ack["text"]
    assert "30 days" in bolt.command("settings").ack["text"]
    refused = bolt.command("retention soon")
    assert "isn't a number of days" in refused.ack["text"] and "30 days" in bolt.command("settings").ack["text"]
