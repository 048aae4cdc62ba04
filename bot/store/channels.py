"""Per-channel settings: auto-processing of shared recordings and the digest schedule, stored as data.

A channel without a row has the defaults (auto-processing on, no digest). Every read and write is scoped by team,
so one workspace never sees another's settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.digest.schedule import DigestSchedule
from bot.retention_policy import RetentionInForce
from bot.store.db import Database
from bot.store.tables import ChannelSettings

_settings = ChannelSettings.__table__.c
# Read on Slack's request path (every shared recording), so built once.
_AUTO_PROCESS = sa.select(_settings.auto_process).where(
    _settings.team_id == sa.bindparam("team_id"), _settings.channel_id == sa.bindparam("channel_id")
)


_DEFAULTS = {"auto_process": True, "digest_always": False}


@dataclass(frozen=True)
class ChannelConfig:
    """A channel's settings as ``/symbl settings`` shows them."""

    auto_process: bool = True
    digest: DigestSchedule | None = None
    retention_days: int | None = None  # None: the workspace's RETENTION_DAYS; 0: kept until forgotten


@dataclass(frozen=True)
class ScheduledChannel:
    """A channel's digest schedule, and when its settings last changed (no catching up on runs before that)."""

    team_id: str
    channel_id: str
    schedule: DigestSchedule
    set_at: datetime


def _schedule(row: ChannelSettings) -> DigestSchedule | None:
    if not row.digest_cadence:
        return None
    return DigestSchedule(
        cadence=row.digest_cadence,
        hour=row.digest_hour or 0,
        minute=row.digest_minute or 0,
        weekday=row.digest_weekday,
        tz=row.digest_tz or "UTC",
        always=bool(row.digest_always),
    )


class ChannelStore:
    """Reads and writes of ``channel_settings``."""

    def __init__(self, database: Database):
        self.db = database

    def auto_process(self, team_id: str, channel_id: str) -> bool:
        """Whether recordings shared in this channel are processed (on unless the channel turned it off)."""
        with self.db.statement() as conn:
            enabled = conn.execute(_AUTO_PROCESS, {"team_id": team_id, "channel_id": channel_id}).scalar()
        return True if enabled is None else enabled

    def set_auto_process(self, team_id: str, channel_id: str, enabled: bool) -> None:
        self._change(team_id, channel_id, auto_process=enabled)

    def config(self, team_id: str, channel_id: str) -> ChannelConfig:
        with self.db.session(writes=False) as s:
            row = s.get(ChannelSettings, (team_id, channel_id))
            if row is None:
                return ChannelConfig()
            return ChannelConfig(
                auto_process=row.auto_process, digest=_schedule(row), retention_days=row.retention_days
            )

    def set_retention(self, team_id: str, channel_id: str, days: int | None) -> None:
        """Keep this channel's meetings ``days`` days (0: until forgotten; None: the workspace's default)."""
        self._change(team_id, channel_id, retention_days=days)

    def retention(self, team_id: str, channel_id: str, default_days: int) -> RetentionInForce:
        return RetentionInForce.of(self.config(team_id, channel_id).retention_days, default_days)

    def set_digest(self, team_id: str, channel_id: str, schedule: DigestSchedule | None) -> None:
        """Store the channel's digest schedule; None turns digests off."""
        self._change(
            team_id,
            channel_id,
            digest_cadence=schedule.cadence if schedule else None,
            digest_hour=schedule.hour if schedule else None,
            digest_minute=schedule.minute if schedule else None,
            digest_weekday=schedule.weekday if schedule else None,
            digest_tz=schedule.tz if schedule else None,
            digest_always=schedule.always if schedule else False,
        )

    def digest_schedules(self) -> list[ScheduledChannel]:
        """Every channel with a digest on: what the scheduler's cron jobs are derived from."""
        with self.db.session(writes=False) as s:
            rows = s.scalars(sa.select(ChannelSettings).where(ChannelSettings.digest_cadence.is_not(None))).all()
            return [
                ScheduledChannel(r.team_id, r.channel_id, schedule, r.updated_at)
                for r in rows
                if (schedule := _schedule(r))
            ]

    def _change(self, team_id: str, channel_id: str, **fields) -> None:
        """Set fields of the channel's row, creating it with the defaults first if needed."""
        for attempt in range(2):  # two first writes to one channel at once: the loser updates the winner's row
            try:
                with self.db.session() as s:
                    row = s.get(ChannelSettings, (team_id, channel_id))
                    if row is None:
                        s.add(ChannelSettings(team_id=team_id, channel_id=channel_id, **{**_DEFAULTS, **fields}))
                    else:
                        for name, value in fields.items():
                            setattr(row, name, value)
                return
            except IntegrityError:
                if attempt:
                    raise
