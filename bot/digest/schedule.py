"""When a channel's digest runs: the ``/symbl digest`` schedule grammar and pure time maths over it.

A schedule is a wall-clock time in an IANA zone, daily or on one weekday. Every instant here comes from the
APScheduler trigger that :func:`cron_trigger` builds, so what :func:`next_run` and :func:`previous_run` report is
exactly what the scheduler fires.

Daylight-saving time (APScheduler 3.11 ``CronTrigger`` with a ``zoneinfo`` zone, checked in
``tests/digest/test_schedule.py``):

- A time that does not exist on the spring-forward day (02:30 in Paris on 2026-03-29): APScheduler builds the
  wall time with ``fold=0``, which PEP 495 maps with the offset from *before* the jump, so it fires one hour later
  on the wall clock (03:30 local) that same day. We keep that: a digest an hour late beats a missing day.
- A time that happens twice on the fall-back day (01:30 in New York on 2026-11-01): APScheduler fires on *both*
  occurrences. :class:`OncePerDayCronTrigger` drops the second one (``fold=1``), so each local day has exactly one
  run, at the first time the clock shows it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from apscheduler.triggers.cron import CronTrigger

DAILY = "daily"
WEEKLY = "weekly"
ALWAYS = "always"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_USAGE = "`/symbl digest daily 09:00 [Europe/Paris] [always]` or `weekly mon 09:00 [Europe/Paris] [always]`"
# The longest gap between two runs is a week plus a DST hour; looking back this far always finds a run.
_LOOKBACK = {DAILY: timedelta(days=2), WEEKLY: timedelta(days=8)}
_TICK = timedelta(microseconds=1)


class ScheduleError(ValueError):
    """A schedule that could not be understood; the message is one user-facing sentence saying what to type."""


@dataclass(frozen=True)
class DigestSchedule:
    """When a channel's digest is posted: ``cadence`` "daily" or "weekly" (on ``weekday``, 0 = Monday)."""

    cadence: str
    hour: int
    minute: int
    weekday: int | None
    tz: str
    always: bool = False  # post even when no meeting happened in the period


class OncePerDayCronTrigger(CronTrigger):
    """A ``CronTrigger`` that fires once on a fall-back day instead of on both occurrences of a repeated time.

    Only the second occurrence (``fold=1``) of an ambiguous wall time is dropped; the first was already a fire
    time of the same cron fields. Pickles like its parent, so a persistent job store can keep it.
    """

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        fire = super().get_next_fire_time(previous_fire_time, now)
        while fire is not None and _is_repeated_wall_time(fire, self.timezone):
            fire = super().get_next_fire_time(fire, fire)
        return fire


def _is_repeated_wall_time(when: datetime, tz: ZoneInfo) -> bool:
    # Normalise through UTC: APScheduler may hand back a wall time that zoneinfo has not resolved yet.
    local = when.astimezone(UTC).astimezone(tz)
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


@lru_cache(maxsize=1)
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def _valid_zone(name: str | None) -> str | None:
    """The canonical IANA name for ``name`` (matched without regard to case), or None when it is not one.

    Only names the zone database lists are accepted, so a word such as ``zone.tab`` or a path never reaches
    ``ZoneInfo``'s file lookup.
    """
    canonical = _zones_by_lower_name().get(name.strip().lower()) if name else None
    if canonical is None:
        return None
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return canonical


def _parse_time(word: str) -> tuple[int, int]:
    match = _TIME.match(word)
    hour, minute = (int(match.group(1)), int(match.group(2))) if match else (-1, -1)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ScheduleError("Give the time as 24-hour HH:MM, like `/symbl digest daily 09:00` or `weekly mon 17:30`.")
    return hour, minute


def _parse_weekday(word: str) -> int:
    lowered = word.lower()
    for index, name in enumerate(WEEKDAYS):
        # "mon", "tues", "thurs" and "monday" all work: any start of the name from three letters on.
        if len(lowered) >= 3 and name.lower().startswith(lowered):
            return index
    raise ScheduleError("Give the day as a weekday, like `weekly mon 09:00` or `weekly friday 16:00`.")


def _parse_options(words: Sequence[str], default_tz: str | None) -> tuple[str, bool]:
    """The zone and the ``always`` flag from the words after the time, in either order."""
    tz: str | None = None
    always = False
    for word in words:
        if word.lower() == ALWAYS:
            always = True
        elif tz is None and (zone := _valid_zone(word)):
            tz = zone
        else:
            raise ScheduleError(
                f"I don't know the time zone `{word[:40]}`: use an IANA name such as `Europe/Paris` or `UTC`."
            )
    return tz or _valid_zone(default_tz) or "UTC", always


def parse_schedule(args: Sequence[str], default_tz: str | None) -> DigestSchedule:
    """Parse the words after ``/symbl digest``: ``daily HH:MM [TZ] [always]`` or ``weekly DAY HH:MM [TZ] [always]``.

    ``default_tz`` (the invoking user's Slack zone) applies when no zone is given; UTC when it is missing or unknown.
    Raises :class:`ScheduleError` with a sentence for the user when the words do not fit.
    """
    words = [w for w in args if w.strip()]
    cadence = words[0].lower() if words else ""
    if cadence == DAILY and len(words) >= 2:
        hour, minute = _parse_time(words[1])
        tz, always = _parse_options(words[2:], default_tz)
        return DigestSchedule(DAILY, hour, minute, None, tz, always)
    if cadence == WEEKLY and len(words) >= 3:
        weekday = _parse_weekday(words[1])
        hour, minute = _parse_time(words[2])
        tz, always = _parse_options(words[3:], default_tz)
        return DigestSchedule(WEEKLY, hour, minute, weekday, tz, always)
    if cadence == WEEKLY:
        raise ScheduleError("Say the day and the time for a weekly digest, like `/symbl digest weekly mon 09:00`.")
    raise ScheduleError(f"Say when to post the digest: {_USAGE}.")


def names_a_zone(args: Sequence[str]) -> bool:
    """Whether the words of a schedule (one :func:`parse_schedule` accepts) name its zone.

    When they do not, the schedule takes the user's own zone, which only Slack knows (``users.info``): the
    command is then answered after the acknowledgement, so no Slack call holds it up.
    """
    words = [w for w in args if w.strip()]
    first_option = 2 if words and words[0].lower() == DAILY else 3
    return any(word.lower() != ALWAYS for word in words[first_option:])


def cron_trigger(schedule: DigestSchedule) -> CronTrigger:
    """The APScheduler trigger that fires this schedule (once per local day, see the module docstring)."""
    day_of_week = _CRON_DAYS[schedule.weekday] if schedule.cadence == WEEKLY and schedule.weekday is not None else "*"
    return OncePerDayCronTrigger(
        day_of_week=day_of_week,
        hour=schedule.hour,
        minute=schedule.minute,
        second=0,
        timezone=ZoneInfo(schedule.tz),
    )


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("schedule maths needs a time-zone-aware datetime")
    return when.astimezone(UTC)


def next_run(schedule: DigestSchedule, after: datetime) -> datetime:
    """The first run strictly after ``after`` (aware), as an aware UTC datetime."""
    fire = cron_trigger(schedule).get_next_fire_time(None, _utc(after) + _TICK)
    if fire is None:  # cannot happen: the trigger has no end date
        raise RuntimeError(f"no run after {after.isoformat()} for {schedule}")
    return fire.astimezone(UTC)


def previous_run(schedule: DigestSchedule, before: datetime) -> datetime:
    """The last run strictly before ``before`` (aware), as an aware UTC datetime: the start of a digest's period.

    The trigger only searches forwards, so this walks forwards from a point far enough back to hold a run.
    """
    end = _utc(before)
    run = next_run(schedule, end - _LOOKBACK[schedule.cadence])
    last = run
    while run < end:
        last, run = run, next_run(schedule, run)
    return last


def _time_text(schedule: DigestSchedule) -> str:
    return f"{schedule.hour:02d}:{schedule.minute:02d}"


def describe(schedule: DigestSchedule) -> str:
    """The schedule in words, e.g. "every Monday at 09:00 (UTC)"."""
    if schedule.cadence == WEEKLY and schedule.weekday is not None:
        when = f"every {WEEKDAYS[schedule.weekday]}"
    else:
        when = "every day"
    text = f"{when} at {_time_text(schedule)} ({schedule.tz})"
    return f"{text}, even when no meeting happened" if schedule.always else text
