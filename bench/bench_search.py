"""Search over 1,000 meetings of 500 messages each (500,000 lines), on SQLite and on PostgreSQL.

Figures: the p95 latency of ``SearchIndex.search`` (the database's full-text match, the access and filter
conditions, and the ranking in Python) over a mix of queries, and the size the index adds on disk against the
transcript's own size. The corpus is bulk-inserted straight into the tables (no app, no Slack): the sentences are
drawn from a Zipf-distributed vocabulary (common English words first, then made-up rarer ones), 6-24 words long.

A last row loads the same number of lines taken from real meetings (the real-meetings data set's AMI and ICSI
transcripts, 500 consecutive turns a meeting from a random place, with their speakers): real turns are mostly
short ("Yeah.", "Okay.") with a few long ones, so the size search adds is checked on them too.

Queries: one common word, one mid-frequency word, a rare word, two words, a two-word phrase taken from a stored
line, a prefix, and a word with ``from:`` - each with the asker seeing 10 of the 20 channels.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench import Row, real_meetings_dir
from bench.stack import database_url
from bot.search_query import parse
from bot.store.db import Database
from bot.store.schema import prepare
from bot.store.search import Entry, SearchIndex, passage_rows
from bot.store.tables import ConversationRecord, SearchPassage

MEETINGS = int(os.environ.get("BENCH_SEARCH_MEETINGS", "1000"))
MESSAGES = 500
CHANNELS = [f"C{n:04d}" for n in range(20)]
VISIBLE = CHANNELS[::2]
SPEAKERS = ["Priya Raman", "Marco Rossi", "Dana Lee", "Grace Hopper", "Alan Kay", "Ada Byrne"]
P95_TARGET_MS = 100.0
SIZE_TARGET = 2.0
QUERIES_PER_KIND = 15

_COMMON = """the we to and that it is of a i you this so for on in be have will with can just think yeah okay
what not do but at about like our they if are was then there need should go get some one would"""
_DOMAIN = """budget launch design customer release vendor legal review roadmap metrics onboarding pricing contract
deadline hiring security privacy analytics dashboard migration database backup invoice support feedback
marketing campaign sprint demo prototype research interview partner quarter forecast revenue churn"""
COMMON, DOMAIN = _COMMON.split(), _DOMAIN.split()
START = datetime(2025, 1, 1, tzinfo=UTC)


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    rare = {"".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(8000)}
    words = COMMON + DOMAIN + sorted(rare)
    weights = [1.0 / (rank + 1) for rank in range(len(words))]  # Zipf
    return words, weights


def _sentence(rng: random.Random, words: list[str], cumulative: list[float]) -> str:
    chosen = rng.choices(words, cum_weights=cumulative, k=rng.randint(6, 24))
    return chosen[0].capitalize() + " " + " ".join(chosen[1:]) + rng.choice([".", ".", "?", "!"])


def _load(database: Database, rng: random.Random) -> tuple[int, list[str]]:
    """Write the corpus; returns the transcript's size in bytes and a few stored lines (for phrase queries)."""
    words, weights = _vocabulary(rng)
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    transcript_bytes, samples = 0, []
    with database.engine.begin() as conn:
        conn.execute(
            sa.insert(ConversationRecord),
            [
                {
                    "team_id": "T1",
                    "conversation_id": f"conv-{m}",
                    "channel_id": CHANNELS[m % len(CHANNELS)],
                    "thread_ts": f"17000{m:05d}.000100",
                    "name": f"Meeting {m}",
                    "engine": "symbl",
                    "permalink": f"https://example.slack.com/archives/{CHANNELS[m % len(CHANNELS)]}/p{m}",
                    "created_at": START + timedelta(hours=m),
                }
                for m in range(MEETINGS)
            ],
        )

    def meetings():
        nonlocal transcript_bytes
        for m in range(MEETINGS):
            lines = []
            for i in range(MESSAGES):
                text = _sentence(rng, words, cumulative)
                transcript_bytes += len(text.encode())
                if rng.random() < 0.0005:
                    samples.append(text)
                lines.append(Entry("message", text, SPEAKERS[(m + i) % len(SPEAKERS)], i * 7.5))
            yield lines

    _index_meetings(database, meetings())
    return transcript_bytes, samples


def _index_meetings(database: Database, meetings) -> None:
    """Write each meeting's lines (meeting m: channel m mod 20, m hours after START) as the app does, 20 at a time."""
    rows: list[dict] = []
    for m, lines in enumerate(meetings):
        rows += passage_rows(
            team_id="T1",
            channel_id=CHANNELS[m % len(CHANNELS)],
            conversation_id=f"conv-{m}",
            meeting_at=START + timedelta(hours=m),
            entries=lines,
        )
        if m % 20 == 19:
            with database.engine.begin() as conn:
                conn.execute(sa.insert(SearchPassage), rows)
            rows = []
    if rows:
        with database.engine.begin() as conn:
            conn.execute(sa.insert(SearchPassage), rows)


@contextlib.contextmanager
def _bench_database(kind: str):
    """A new, migrated database of ``kind`` in a temporary folder: (database, folder)."""
    with tempfile.TemporaryDirectory(prefix="symbl-search-") as tmp, database_url(kind, Path(tmp)) as given:
        database = Database(given.replace("bot.sqlite3", "bench.sqlite3"))
        try:
            prepare(database)
            yield database, Path(tmp)
        finally:
            database.dispose()


def _queries(rng: random.Random, samples: list[str]) -> list[str]:
    words, _ = _vocabulary(random.Random(1))  # noqa: S311 - the same made-up words as the corpus
    rare = words[len(COMMON) + len(DOMAIN) + 2000 :]
    queries = []
    for _ in range(QUERIES_PER_KIND):
        phrase_from = rng.choice(samples).rstrip(".?!").split()
        at = rng.randrange(0, max(1, len(phrase_from) - 2))
        queries += [
            rng.choice(COMMON[:10]),
            rng.choice(DOMAIN),
            rng.choice(rare),
            f"{rng.choice(DOMAIN)} {rng.choice(DOMAIN)}",
            '"' + " ".join(phrase_from[at : at + 2]) + '"',
            rng.choice(DOMAIN)[:4] + "*",
            f"{rng.choice(DOMAIN)} from:@{rng.choice(SPEAKERS).split()[0].lower()}",
        ]
    return queries


def _vacuum(database: Database) -> None:
    """Settle PostgreSQL's statistics and visibility map, as autovacuum would on a database loaded long ago."""
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE search_passages"))


def _sizes(database: Database, data_dir: Path) -> tuple[int, int | None]:
    """Bytes search adds (the lines' table, its indexes and the full-text index) and the full-text index alone."""
    with database.engine.connect() as conn:
        if database.is_postgres:
            total = conn.execute(sa.text("SELECT pg_total_relation_size('search_passages')")).scalar()
            fts = conn.execute(sa.text("SELECT pg_relation_size('ix_search_passages_fts')")).scalar()
            return int(total), int(fts)
        conn.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        try:
            rows = conn.execute(sa.text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).all()
        except sa.exc.OperationalError:
            return (data_dir / "bench.sqlite3").stat().st_size, None
        sizes = dict(rows)
        fts = sum(v for k, v in sizes.items() if k.startswith("search_passages_fts"))
        return sum(v for k, v in sizes.items() if k.startswith(("search_passages", "ix_search_passages"))), fts


def measure(kind: str) -> list[Row]:
    rng = random.Random(13)  # noqa: S311 - a reproducible corpus, not security
    with _bench_database(kind) as (database, data_dir):
        started = time.monotonic()
        transcript_bytes, samples = _load(database, rng)
        load_seconds = time.monotonic() - started
        if database.is_postgres:
            _vacuum(database)
        index = SearchIndex(database)
        queries = _queries(rng, samples)
        for text in queries[:10]:  # warm the caches, as a running app's would be
            index.search("T1", parse(text), VISIBLE)
        timings, found = [], 0
        for text in queries:
            query = parse(text)
            speakers = (query.speaker,) if query.speaker else ()
            began = time.perf_counter()
            hits = index.search("T1", query, VISIBLE, speakers)
            timings.append((time.perf_counter() - began) * 1000)
            found += bool(hits)
        added, fts = _sizes(database, data_dir)
    p95 = statistics.quantiles(timings, n=20)[-1]
    ratio = added / transcript_bytes
    label = f"search, {MEETINGS} meetings x {MESSAGES} messages, {kind}"
    fts_text = f"; full-text index alone {fts / transcript_bytes:.2f}x" if fts is not None else ""
    return [
        Row(
            f"{label}: p95 query latency ({len(timings)} queries, {found} with hits)",
            f"<= {P95_TARGET_MS:.0f} ms",
            f"{p95:.1f} ms (p50 {statistics.median(timings):.1f} ms, max {max(timings):.1f} ms)",
            p95 <= P95_TARGET_MS,
        ),
        Row(
            f"{label}: size search adds / transcript size ({transcript_bytes / 1e6:.0f} MB)",
            f"<= {SIZE_TARGET:.0f}x",
            f"{ratio:.2f}x ({added / 1e6:.0f} MB){fts_text}; corpus loaded in {load_seconds:.0f} s",
            ratio <= SIZE_TARGET,
        ),
    ]


def _real_turns() -> list[tuple[str, str]] | None:
    directory = real_meetings_dir()
    if directory is None:
        return None
    turns = []
    for path in sorted((directory / "transcripts").glob("*.json")):
        turns += [(t["speaker"], t["text"]) for t in json.loads(path.read_text())["turns"]]
    return turns


def measure_real_lines(kind: str, turns: list[tuple[str, str]]) -> Row:
    """The size search adds for 1,000 meetings of real meeting turns (no queries: their words are few)."""
    rng = random.Random(5)  # noqa: S311 - a reproducible corpus, not security
    transcript_bytes = 0

    def meetings():
        nonlocal transcript_bytes
        for _ in range(MEETINGS):
            at = rng.randrange(max(1, len(turns) - MESSAGES))
            said = turns[at : at + MESSAGES]
            transcript_bytes += sum(len(text.encode()) for _, text in said)
            yield [Entry("message", text, f"Person {who}", i * 4.0) for i, (who, text) in enumerate(said)]

    with _bench_database(kind) as (database, data_dir):
        _index_meetings(database, meetings())
        if database.is_postgres:
            _vacuum(database)
        added, fts = _sizes(database, data_dir)
    ratio = added / transcript_bytes
    fts_text = f"; full-text index alone {fts / transcript_bytes:.2f}x" if fts is not None else ""
    return Row(
        f"search, {MEETINGS} meetings of real meeting turns, {kind}: size search adds / transcript size "
        f"({transcript_bytes / 1e6:.0f} MB)",
        f"<= {SIZE_TARGET:.0f}x",
        f"{ratio:.2f}x ({added / 1e6:.0f} MB){fts_text}",
        ratio <= SIZE_TARGET,
    )


def run() -> list[Row]:
    rows = [*measure("sqlite"), *measure("postgres")]
    turns = _real_turns()
    if turns is None:
        return [
            *rows,
            Row("search on real meeting turns", "runs", "skipped: no data (set REAL_MEETINGS_DIR)", ok=False),
        ]
    return [*rows, measure_real_lines("sqlite", turns), measure_real_lines("postgres", turns)]
