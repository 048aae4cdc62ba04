"""How long a channel's meetings are kept: the channel's own setting, else the workspace's (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetentionInForce:
    """How long a channel's meetings are kept (0: until someone forgets them) and whose setting that is."""

    days: int
    from_channel: bool

    @classmethod
    def of(cls, channel_days: int | None, default_days: int) -> RetentionInForce:
        if channel_days is None:
            return cls(days=default_days, from_channel=False)
        return cls(days=channel_days, from_channel=True)

    def expired(self, created_at: datetime, now: datetime) -> bool:
        """Whether a meeting made at ``created_at`` is older than this retention allows (never, when 0)."""
        return self.days > 0 and created_at < now - timedelta(days=self.days)
