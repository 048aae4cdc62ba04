"""Digest schedules: the /symbl digest grammar, and run times checked against fixed, time-zone-aware clocks."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.digest.schedule import (
    DigestSchedule,
    ScheduleError,
    cron_trigger,
    describe,
    names_a_zone,
    next_run,
    parse_schedule,
    previous_run,
)

PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def daily(hour: int, minute: int, tz: str) -> DigestSchedule:
    return DigestSchedule("daily", hour, minute, None, tz)


def fired(trigger: CronTrigger, start: datetime, end: datetime) -> list[datetime]:
    """What APScheduler's scheduler fires between two instants: each next time asked from the previous run.

    ``now`` lags each run by a few seconds, as it does for a scheduler that ran the job a little late. It is
    reckoned in UTC, like the scheduler's clock: wall-clock arithmetic on a repeated local time would step back.
    """
    runs: list[datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire < end:
        runs.append(fire.astimezone(UTC))
        fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + timedelta(seconds=3))
    return runs


def local_days(runs: list[datetime], tz: str) -> list[str]:
    return [run.astimezone(ZoneInfo(tz)).date().isoformat() for run in runs]


# --- the grammar ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "default_tz", "expected"),
    [
        (["daily", "09:00"], PARIS, DigestSchedule("daily", 9, 0, None, PARIS)),
        (["DAILY", "9:05", "utc"], PARIS, DigestSchedule("daily", 9, 5, None, "UTC")),
        (["daily", "23:59", "america/new_york", "always"], None, DigestSchedule("daily", 23, 59, None, NEW_YORK, True)),
        (["daily", "00:00", "Always", "Asia/Tokyo"], None, DigestSchedule("daily", 0, 0, None, "Asia/Tokyo", True)),
        (["weekly", "mon", "09:00"], None, DigestSchedule("weekly", 9, 0, 0, "UTC")),
        (["weekly", "Sunday", "18:30", PARIS], NEW_YORK, DigestSchedule("weekly", 18, 30, 6, PARIS)),
        (["weekly", "THURS", "7:15", "always"], NEW_YORK, DigestSchedule("weekly", 7, 15, 3, NEW_YORK, True)),
        (["weekly", "tue", "12:00"], "Not/AZone", DigestSchedule("weekly", 12, 0, 1, "UTC")),
    ],
)
def test_parse_accepts_both_forms_any_case_with_zone_and_always(args, default_tz, expected):
    assert parse_schedule(args, default_tz) == expected


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "Say when to post the digest: `/symbl digest daily 09:00"),
        (["daily"], "Say when to post the digest"),
        (["hourly", "09:00"], "Say when to post the digest"),
        (["daily", "24:00"], "Give the time as 24-hour HH:MM, like `/symbl digest daily 09:00`"),
        (["daily", "9am"], "Give the time as 24-hour HH:MM"),
        (["daily", "09:60"], "Give the time as 24-hour HH:MM"),
        (["weekly", "09:00"], "Say the day and the time for a weekly digest, like `/symbl digest weekly mon 09:00`."),
        (["weekly", "mo", "09:00"], "Give the day as a weekday, like `weekly mon 09:00`"),
        (["weekly", "funday", "09:00"], "Give the day as a weekday"),
        (["daily", "09:00", "Mars/Olympus"], "I don't know the time zone `Mars/Olympus`: use an IANA name"),
        (["daily", "09:00", "../../etc/passwd"], "I don't know the time zone `../../etc/passwd`"),
        (["daily", "09:00", "zone.tab"], "I don't know the time zone `zone.tab`"),
        (["daily", "09:00", PARIS, NEW_YORK], f"I don't know the time zone `{NEW_YORK}`"),
    ],
)
def test_parse_errors_are_one_sentence_saying_what_to_type(args, says):
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(args, None)
    message = str(caught.value)
    assert message.startswith(says)
    assert message.endswith(".")
    assert message.count(". ") == 0  # one sentence


def test_describe_reads_as_a_sentence_part():
    assert describe(daily(9, 0, PARIS)) == "every day at 09:00 (Europe/Paris)"
    assert describe(DigestSchedule("weekly", 9, 0, 0, "UTC")) == "every Monday at 09:00 (UTC)"
    assert (
        describe(DigestSchedule("weekly", 17, 5, 4, NEW_YORK, always=True))
        == "every Friday at 17:05 (America/New_York), even when no meeting happened"
    )


# --- ordinary runs ---------------------------------------------------------------------------------------------


def test_daily_next_and_previous_run_are_strict_and_in_utc():
    schedule = daily(9, 0, PARIS)  # CET in January: 08:00 UTC
    run = utc(2026, 1, 15, 8, 0)
    assert next_run(schedule, utc(2026, 1, 15, 7, 59)) == run
    assert next_run(schedule, run) == utc(2026, 1, 16, 8, 0)  # strictly after
    assert previous_run(schedule, run) == utc(2026, 1, 14, 8, 0)  # strictly before
    assert previous_run(schedule, run + timedelta(microseconds=1)) == run
    # any aware clock is accepted; the answer is always UTC
    assert next_run(schedule, datetime(2026, 1, 15, 9, 30, tzinfo=ZoneInfo(PARIS))) == utc(2026, 1, 16, 8, 0)
    assert next_run(schedule, run).tzinfo is UTC


def test_weekly_runs_on_its_day_across_the_paris_spring_change():
    schedule = DigestSchedule("weekly", 9, 0, 0, PARIS)
    # Monday 2026-03-23 is CET (+1); Monday 2026-03-30 is the day after the change, CEST (+2).
    assert next_run(schedule, utc(2026, 3, 20)) == utc(2026, 3, 23, 8, 0)
    assert next_run(schedule, utc(2026, 3, 23, 8, 0)) == utc(2026, 3, 30, 7, 0)
    assert previous_run(schedule, utc(2026, 3, 30, 7, 0)) == utc(2026, 3, 23, 8, 0)
    assert previous_run(schedule, utc(2026, 4, 5)) == utc(2026, 3, 30, 7, 0)


def test_weekly_on_the_spring_forward_sunday_at_a_missing_time_still_runs_that_sunday():
    schedule = DigestSchedule("weekly", 2, 30, 6, PARIS)
    run = next_run(schedule, utc(2026, 3, 23))
    assert run == utc(2026, 3, 29, 1, 30)  # 03:30 CEST, an hour late on the wall clock
    assert next_run(schedule, run) == utc(2026, 4, 5, 0, 30)


def test_naive_clocks_are_refused():
    with pytest.raises(ValueError):
        next_run(daily(9, 0, "UTC"), datetime(2026, 1, 1))


# --- daylight-saving time --------------------------------------------------------------------------------------

# (zone, local time, days around the change, expected runs in UTC). Each list covers the day before, the day of
# the change and the day after: exactly one run per local day.
DST_CASES = [
    pytest.param(
        PARIS, (9, 0), (2026, 3, 28), [utc(2026, 3, 28, 8, 0), utc(2026, 3, 29, 7, 0), utc(2026, 3, 30, 7, 0)],
        id="paris-spring-09:00",
    ),
    pytest.param(
        # 02:30 does not exist on 2026-03-29 (02:00 CET jumps to 03:00 CEST): it runs at 03:30 CEST = 01:30 UTC.
        PARIS, (2, 30), (2026, 3, 28), [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)],
        id="paris-spring-02:30-missing",
    ),
    pytest.param(
        PARIS, (9, 0), (2026, 10, 24), [utc(2026, 10, 24, 7, 0), utc(2026, 10, 25, 8, 0), utc(2026, 10, 26, 8, 0)],
        id="paris-fall-09:00",
    ),
    pytest.param(
        # 02:30 happens twice on 2026-10-25 (03:00 CEST falls back to 02:00 CET): only the first, 02:30 CEST, runs.
        PARIS, (2, 30), (2026, 10, 24), [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)],
        id="paris-fall-02:30-twice",
    ),
    pytest.param(
        NEW_YORK, (9, 0), (2026, 3, 7), [utc(2026, 3, 7, 14, 0), utc(2026, 3, 8, 13, 0), utc(2026, 3, 9, 13, 0)],
        id="new-york-spring-09:00",
    ),
    pytest.param(
        # 02:30 does not exist on 2026-03-08 (02:00 EST jumps to 03:00 EDT): it runs at 03:30 EDT = 07:30 UTC.
        NEW_YORK, (2, 30), (2026, 3, 7), [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 9, 6, 30)],
        id="new-york-spring-02:30-missing",
    ),
    pytest.param(
        NEW_YORK, (9, 0), (2026, 10, 31), [utc(2026, 10, 31, 13, 0), utc(2026, 11, 1, 14, 0), utc(2026, 11, 2, 14, 0)],
        id="new-york-fall-09:00",
    ),
    pytest.param(
        # 01:30 happens twice on 2026-11-01 (02:00 EDT falls back to 01:00 EST): only the first, 01:30 EDT, runs.
        NEW_YORK, (1, 30), (2026, 10, 31), [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)],
        id="new-york-fall-01:30-twice",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("tz", "time", "first_day", "expected"), DST_CASES)
def test_daily_runs_once_per_local_day_across_dst_at_the_right_instant(tz, time, first_day, expected):
    schedule = daily(*time, tz)
    start = datetime(*first_day, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    end = start + timedelta(days=3)

    runs = fired(cron_trigger(schedule), start, end)

    assert runs == expected
    first = datetime(*first_day)
    assert local_days(runs, tz) == [(first + timedelta(days=n)).date().isoformat() for n in range(3)]


@pytest.mark.parametrize(("tz", "time", "first_day", "expected"), DST_CASES)
def test_next_and_previous_run_agree_with_what_the_trigger_fires(tz, time, first_day, expected):
    schedule = daily(*time, tz)
    before_first = expected[0] - timedelta(hours=1)
    assert next_run(schedule, before_first) == expected[0]
    for earlier, later in pairwise(expected):
        assert next_run(schedule, earlier) == later
        assert previous_run(schedule, later) == earlier
        # halfway between two runs, both directions still find them
        middle = earlier + (later - earlier) / 2
        assert (previous_run(schedule, middle), next_run(schedule, middle)) == (earlier, later)


def test_plain_cron_trigger_would_post_twice_on_the_fall_back_day():
    """Why cron_trigger is not a plain CronTrigger: APScheduler 3.11 fires on both occurrences of 01:30."""
    plain = CronTrigger(hour=1, minute=30, timezone=ZoneInfo(NEW_YORK))
    runs = fired(plain, utc(2026, 11, 1, 0, 0), utc(2026, 11, 2, 0, 0))
    assert runs == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)]


def test_a_month_of_runs_matches_the_trigger_in_both_zones():
    for tz in (PARIS, NEW_YORK):
        # local midnights, so the month holds exactly 31 local days whatever the offset
        start = datetime(2026, 10, 15, tzinfo=ZoneInfo(tz)).astimezone(UTC)
        end = datetime(2026, 11, 15, tzinfo=ZoneInfo(tz)).astimezone(UTC)
        for hour, minute in ((1, 30), (2, 30), (9, 0)):
            schedule = daily(hour, minute, tz)
            runs = fired(cron_trigger(schedule), start, end)
            assert len(runs) == len(set(local_days(runs, tz))) == 31
            chained = [next_run(schedule, start - timedelta(microseconds=1))]
            while (following := next_run(schedule, chained[-1])) < end:
                chained.append(following)
            assert chained == runs


# --- restarts ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "last_run", "restart_at", "expected_next"),
    [
        (daily(9, 0, PARIS), utc(2026, 3, 28, 8, 0), utc(2026, 3, 28, 20, 0), utc(2026, 3, 29, 7, 0)),
        (
            DigestSchedule("weekly", 9, 0, 0, NEW_YORK),
            utc(2026, 10, 26, 13, 0),
            utc(2026, 10, 30, 12, 0),
            utc(2026, 11, 2, 14, 0),
        ),
        # Restarted between the two 01:30s of the fall-back day: the day's digest is already out, next is tomorrow.
        (daily(1, 30, NEW_YORK), utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 0), utc(2026, 11, 2, 6, 30)),
        (daily(1, 30, NEW_YORK), utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30), utc(2026, 11, 2, 6, 30)),
    ],
)
def test_a_fresh_trigger_after_a_restart_gives_the_same_next_run(schedule, last_run, restart_at, expected_next):
    original = cron_trigger(schedule)
    last = original.get_next_fire_time(None, last_run)
    assert last.astimezone(UTC) == last_run  # last_run really is one of its runs
    from_original = original.get_next_fire_time(last, last_run + timedelta(seconds=2))

    fresh = cron_trigger(schedule)  # what the jobs process builds when it starts again
    from_fresh = fresh.get_next_fire_time(None, restart_at)
    # what a persistent job store would hand back (our own bytes, so unpickling is safe here)
    unpickled = pickle.loads(pickle.dumps(original))  # noqa: S301
    from_unpickled = unpickled.get_next_fire_time(None, restart_at)

    # Compared in UTC: Python never finds an ambiguous local time equal to a time in another zone (PEP 495).
    assert [t.astimezone(UTC) for t in (from_original, from_fresh, from_unpickled)] == [expected_next] * 3
    assert next_run(schedule, last_run) == expected_next
    assert previous_run(schedule, expected_next) == last_run


@pytest.mark.parametrize(
    ("words", "named"),
    [
        ("daily 09:00", False),
        ("daily 09:00 always", False),
        ("daily 09:00 Asia/Tokyo", True),
        ("daily 09:00 always utc", True),
        ("weekly mon 09:00", False),
        ("weekly mon 09:00 always", False),
        ("weekly fri 17:30 Europe/Paris always", True),
    ],
)
def test_names_a_zone_tells_when_the_users_own_zone_is_needed(words, named):
    assert names_a_zone(words.split()) is named
