"""Fixtures for the in-process listener tests: the fake Slack, the app over SQLite, and a meeting with notes."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.codec import insights_to_dict
from bot.models import Insights
from bot.store.db import Database
from bot.store.schema import prepare
from bot.store.tables import Stage
from tests.fakes.slack_api import FakeSlack
from tests.handlers.bolt_harness import CHANNEL, TEAM_ID, USER, InProcessApp
from tests.render.helpers import sample_insights


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        fake.add_user(USER, name="steve", tz="Europe/Paris")
        yield fake


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """A SQLite file at the schema's head, made once: migrating costs most of a second, a copy a millisecond."""
    path = tmp_path_factory.mktemp("template") / "bot.sqlite3"
    database = Database(f"sqlite:///{path}")
    prepare(database)
    database.dispose()
    return path


@pytest.fixture
def bolt(slack, tmp_path, migrated_database):
    shutil.copyfile(migrated_database, tmp_path / "bot.sqlite3")
    app = InProcessApp(slack, tmp_path, MAX_PENDING_PER_USER="2")
    yield app
    app.close()


@dataclass(frozen=True)
class Meeting:
    conversation_id: str
    channel_id: str
    thread_ts: str
    notes_ts: str
    item_ids: tuple[str, ...]


def add_meeting(
    bolt: InProcessApp,
    *,
    channel: str = CHANNEL,
    conversation_id: str = "5815170693595136",
    insights: Insights | None = None,
    engine: str = "local",
) -> Meeting:
    """A meeting processed in ``channel``, as the pipeline leaves it: its job, thread, notes message and ledger."""
    services, insights = bolt.services, insights or sample_insights()
    thread_ts = services.slack.post(channel, {"text": "Processing weekly-sync.mp4"})
    job_id = services.store.create_job(
        idempotency_key=f"meeting:{conversation_id}",
        team_id=TEAM_ID,
        channel_id=channel,
        user_id=USER,
        origin="file",
        name="weekly-sync.mp4",
        thread_ts=thread_ts,
        engine=engine,
    )
    services.store.record_conversation(
        team_id=TEAM_ID,
        conversation_id=conversation_id,
        channel_id=channel,
        thread_ts=thread_ts,
        name="weekly-sync.mp4",
        engine=engine,
    )
    services.store.update(
        job_id,
        conversation_id=conversation_id,
        insights_json=json.dumps(insights_to_dict(insights)),
        stage=Stage.DONE,
    )
    payload = services.notes.record(services.store.get(job_id), insights)
    notes_ts = services.slack.post(channel, payload, thread_ts=thread_ts)
    services.store.update(job_id, notes_ts=notes_ts)
    items = services.ledger.for_conversation(TEAM_ID, conversation_id)
    return Meeting(conversation_id, channel, thread_ts, notes_ts, tuple(items[key].id for key in sorted(items)))


@pytest.fixture
def meeting(bolt) -> Meeting:
    return add_meeting(bolt)
