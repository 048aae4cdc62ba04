"""Per-channel settings on SQLite and PostgreSQL: defaults, per-channel scope, digest schedules."""

from __future__ import annotations

from bot.digest.schedule import DigestSchedule
from bot.store.channels import ChannelStore


def test_auto_processing_is_per_channel_and_on_by_default(database):
    channels = ChannelStore(database)
    assert channels.auto_process("T1", "C1")
    channels.set_auto_process("T1", "C1", False)
    assert not channels.auto_process("T1", "C1")
    assert channels.auto_process("T1", "C2")
    assert channels.auto_process("T2", "C1")
    channels.set_auto_process("T1", "C1", True)
    assert channels.auto_process("T1", "C1")


def test_a_digest_schedule_is_stored_listed_and_turned_off(database):
    channels = ChannelStore(database)
    weekly = DigestSchedule("weekly", 9, 30, 0, "Europe/Paris", always=True)
    channels.set_digest("T1", "C1", weekly)
    channels.set_auto_process("T1", "C1", False)  # changing one setting keeps the other
    assert channels.config("T1", "C1").digest == weekly
    assert not channels.config("T1", "C1").auto_process
    assert [(c.team_id, c.channel_id, c.schedule) for c in channels.digest_schedules()] == [("T1", "C1", weekly)]
    channels.set_digest("T1", "C1", None)
    assert channels.config("T1", "C1").digest is None
    assert channels.digest_schedules() == []
    assert channels.config("T2", "C9").digest is None  # a channel never configured has the defaults
