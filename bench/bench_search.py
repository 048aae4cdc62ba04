"""Search over 1,000 meetings of 500 messages each (500,000 lines), on SQLite and on PostgreSQL.

Figures: the p95 latency of ``SearchIndex.search`` (the database's full-text match, the access and filter
conditions, and the ranking in Python) over a mix of queries, and the size the index adds on disk against the
transcript's own size. The corpus is bulk-inserted straight into the tables (no app, no Slack): the sentences are
drawn from a Zipf-distributed vocabulary (common English words first, then made-up rarer ones), 6-24 words long.

Queries: one common word, one mid-frequency word, a rare word, two words, a two-word phrase taken from a stored
line, a prefix, and a word with ``from:`` - each with the asker seeing 10 of the 20 channels.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench import Row
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
    start = datetime(2025, 1, 1, tzinfo=UTC)
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
                    "created_at": start + timedelta(hours=m),
                }
                for m in range(MEETINGS)
            ],
        )
    for first in range(0, MEETINGS, 20):
        rows = []
        for m in range(first, min(first + 20, MEETINGS)):
            lines = []
            for i in range(MESSAGES):
                text = _sentence(rng, words, cumulative)
                transcript_bytes += len(text.encode())
                if rng.random() < 0.0005:
                    samples.append(text)
                lines.append(Entry("message", text, SPEAKERS[(m + i) % len(SPEAKERS)], i * 7.5))
            rows += passage_rows(
                team_id="T1",
                channel_id=CHANNELS[m % len(CHANNELS)],
                conversation_id=f"conv-{m}",
                meeting_at=start + timedelta(hours=m),
                entries=lines,
            )
        with database.engine.begin() as conn:
            conn.execute(sa.insert(SearchPassage), rows)
    return transcript_bytes, samples


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
    with tempfile.TemporaryDirectory(prefix="symbl-search-") as tmp:
        data_dir = Path(tmp)
        with database_url(kind, data_dir) as given:
            database = Database(given.replace("bot.sqlite3", "bench.sqlite3"))
            try:
                prepare(database)
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
            finally:
                database.dispose()
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


def run() -> list[Row]:
    return [*measure("sqlite"), *measure("postgres")]
