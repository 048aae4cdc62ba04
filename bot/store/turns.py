"""Whose recording goes next: work-conserving, and fair between people and channels when some must wait.

A recording leaves the queue (``queued`` -> ``fetching``) when it is its turn:

- **Capacity.** At most ``capacity`` recordings are past the queue at once, in all workspaces (the engine's own
  capacity; None: no bound of ours, and nobody waits). While there is room, nobody waits: one person's burst
  of 20 runs as fast as the engine can take it when nobody else is waiting.
- **Turns.** When recordings wait for room, the next free place goes to the waiting recording whose person has
  fewest in progress, then whose person was served least recently (finished last the longest ago), then the
  same for its channel, then the oldest. Two people waiting therefore alternate, whoever shared first.
- **Shares.** A person at ``per_user`` recordings in progress (a channel at ``per_channel``) gives the free place
  to anyone waiting who is within their shares, so a burst never crowds out a newcomer; when nobody else is
  waiting (or everyone waiting is past their share too) it is no cap: places never stand empty.

Every replica decides from the database alone, so the rule holds across replicas; it is soft (two workers
deciding at the same moment may both go ahead), and a waiting recording is looked at again whenever a
recording in progress ends (``Turns.wake_waiting``) and every ``SLOT_RETRY_SECONDS`` of the pipeline otherwise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bot.store.db import Database
from bot.store.tables import Job, Stage, utcnow

RUNNING = (Stage.FETCHING, Stage.SUBMITTING, Stage.PROCESSING, Stage.COLLECTING, Stage.POSTING)
# How far back "served least recently" looks; a person or channel served before that counts as never served.
SERVED_WINDOW = timedelta(hours=6)
_NEVER = datetime.min.replace(tzinfo=UTC)

_jobs = Job.__table__.c
_SLOT_COLUMNS = (_jobs.id, _jobs.team_id, _jobs.user_id, _jobs.channel_id, _jobs.created_at)
_IN_PROGRESS = sa.select(*_SLOT_COLUMNS).where(_jobs.stage.in_(RUNNING))
# Announced (its status message says it is queued) and not being retried after a failed announcement
_WAITING = sa.select(*_SLOT_COLUMNS).where(_jobs.stage == Stage.QUEUED, _jobs.status_ts.is_not(None))
_LAST_SERVED = (
    sa.select(_jobs.team_id, _jobs.user_id, _jobs.channel_id, sa.func.max(_jobs.finished_at).label("finished_at"))
    .where(_jobs.stage.in_(Stage.TERMINAL), _jobs.finished_at > sa.bindparam("since"))
    .group_by(_jobs.team_id, _jobs.user_id, _jobs.channel_id)
)


@dataclass(frozen=True)
class Limits:
    capacity: int | None  # recordings past the queue at once, all workspaces; None: the engine's own bound only
    per_user: int
    per_channel: int


@dataclass(frozen=True)
class Slot:
    """A recording as scheduling sees it."""

    id: str
    team_id: str
    user_id: str | None
    channel_id: str
    created_at: datetime

    @property
    def person(self) -> tuple[str, str, str]:
        return "person", self.team_id, self.user_id or ""

    @property
    def channel(self) -> tuple[str, str, str]:
        return "channel", self.team_id, self.channel_id


@dataclass(frozen=True)
class Turn:
    """Whether a recording may leave the queue now; if not, how many in progress it waits for, and whose."""

    go: bool
    ahead: int = 0
    whose: str = ""  # "" (everyone's), "of yours", "in this channel"


def decide(
    job: Slot,
    in_progress: Sequence[Slot],
    waiting: Iterable[Slot],
    last_served: dict[tuple[str, str, str], datetime],
    limits: Limits,
) -> Turn:
    """The turn of ``job`` (itself waiting) given what is in progress, what else waits and who was served when.

    The free places are handed out one at a time, as they would be if every waiting recording asked at once;
    ``job`` goes if it gets one. Every worker deciding from the same rows hands them to the same recordings.
    """
    if limits.capacity is None:  # no bound of ours: nobody has to wait for anybody
        return Turn(True)
    running = [r for r in in_progress if r.id != job.id]
    queue = [w for w in waiting if w.id != job.id] + [job]
    by_person = Counter(r.person for r in running)
    by_channel = Counter(r.channel for r in running)
    before = by_person[job.person], by_channel[job.channel]

    def order(slot: Slot) -> tuple:
        return (
            by_person[slot.person],
            last_served.get(slot.person, _NEVER),
            by_channel[slot.channel],
            last_served.get(slot.channel, _NEVER),
            slot.created_at,
            slot.id,
        )

    def within_shares(slot: Slot) -> bool:
        person_ok = not slot.user_id or by_person[slot.person] < limits.per_user
        return person_ok and by_channel[slot.channel] < limits.per_channel

    for _ in range(limits.capacity - len(running)):
        # Those within their shares first; when everyone waiting is past theirs, the place still goes round
        deserving = [w for w in queue if within_shares(w)]
        chosen = min(deserving or queue, key=order)
        if chosen is job:
            return Turn(True)
        queue.remove(chosen)
        by_person[chosen.person] += 1
        by_channel[chosen.channel] += 1
    if job.user_id and before[0] >= limits.per_user:
        return Turn(False, before[0], "of yours")
    if before[1] >= limits.per_channel:
        return Turn(False, before[1], "in this channel")
    return Turn(False, len(running))


class Turns:
    """The queries behind :func:`decide`, and waking the waiting recordings when a place frees up."""

    def __init__(self, database: Database):
        self.db = database

    def turn(self, job: Job, limits: Limits, now: datetime | None = None) -> Turn:
        me = Slot(job.id, job.team_id, job.user_id, job.channel_id, job.created_at)
        with self.db.statement() as conn:
            in_progress = [Slot(*row) for row in conn.execute(_IN_PROGRESS)]
            waiting = [Slot(*row) for row in conn.execute(_WAITING)]
            served: dict[tuple[str, str, str], datetime] = {}
            if any(w.id != job.id for w in waiting):  # the order only matters when someone else waits
                since = (now or utcnow()) - SERVED_WINDOW
                for team, user, channel, finished in conn.execute(_LAST_SERVED, {"since": since}):
                    for key in (("person", team, user or ""), ("channel", team, channel)):
                        served[key] = max(served.get(key, _NEVER), finished)
        return decide(me, in_progress, waiting, served, limits)

    def wake_waiting(self, now: datetime | None = None) -> list[str]:
        """Make every waiting recording due now (a place has freed up); their ids, to run them at once."""
        with self.db.statement(writes=True) as conn:
            return list(
                conn.scalars(
                    sa.update(Job.__table__)
                    .where(_jobs.stage == Stage.QUEUED, _jobs.status_ts.is_not(None))
                    .values(next_run_at=now or utcnow())
                    .returning(_jobs.id)
                )
            )
