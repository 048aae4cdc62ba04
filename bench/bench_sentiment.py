"""The offline engine's sentiment on real meeting talk (AMI and ICSI transcripts in shared/data/real-meetings).

Figures: the share of turns (each turn's ``text_clean``, empty ones skipped) labelled positive, neutral and
negative, for all ten excerpts and for each half (even / odd files in name order), so a threshold tuned on one half
can be checked on the other. Then the hand check in ``bench/data/sentiment_handcheck.tsv``: 50 turns drawn with a
fixed seed, every turn labelled negative and the rest positives and neutrals in equal numbers (``handcheck_turns``),
each read by a person and given a verdict; the bench counts the
verdicts that disagree and checks that the labels in the file are still the ones the code gives.

``python -m bench.bench_sentiment --print`` prints those turns with their labels (transcript text, for the person
doing the check; the app itself never logs it). The data is found through ``REAL_MEETINGS_DIR``, else
``<repo>/../shared/data/real-meetings``.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench import Row, real_meetings_dir
from bot.engines.local.sentiment import message_sentiment
from bot.models import NEGATIVE, NEUTRAL, POSITIVE

HANDCHECK = Path(__file__).resolve().parent / "data" / "sentiment_handcheck.tsv"
SAMPLE_SIZE = 50
SAMPLE_SEED = 20261206
MIN_NEUTRAL_SHARE = 0.75  # "most meeting talk is neutral"
MAX_NEGATIVE_SHARE = 0.05


@dataclass(frozen=True)
class Turn:
    id: str  # "<excerpt id>#<turn index>"
    text: str


def load_turns(directory: Path) -> list[list[Turn]]:
    """Each excerpt's non-empty turns, excerpts in file-name order."""
    excerpts = []
    for path in sorted((directory / "transcripts").glob("*.json")):
        data = json.loads(path.read_text())
        excerpts.append(
            [Turn(f"{data['id']}#{t['turn']}", t["text_clean"]) for t in data["turns"] if t["text_clean"].strip()]
        )
    return excerpts


def shares(turns: list[Turn]) -> Counter[str]:
    counts = Counter(message_sentiment(t.text).suggested for t in turns)
    return Counter({k: counts[k] / len(turns) for k in (POSITIVE, NEUTRAL, NEGATIVE)})


def handcheck_turns(excerpts: list[list[Turn]]) -> list[tuple[str, Turn]]:
    """50 turns drawn with a fixed seed, stratified by the label the code gives them.

    Every turn labelled negative (the rare label, and the costly mistake) is in, then positives and neutrals
    drawn in equal numbers up to 50: a plain random draw would be about nine tenths neutral and hold no negative.
    """
    everything = [t for excerpt in excerpts for t in excerpt]
    by_label: dict[str, list[Turn]] = {POSITIVE: [], NEUTRAL: [], NEGATIVE: []}
    for turn in everything:
        by_label[message_sentiment(turn.text).suggested].append(turn)
    draw = random.Random(SAMPLE_SEED)  # noqa: S311 (a reproducible draw)
    negatives = by_label[NEGATIVE][:SAMPLE_SIZE]
    positives = draw.sample(by_label[POSITIVE], min(len(by_label[POSITIVE]), (SAMPLE_SIZE - len(negatives)) // 2))
    neutrals = draw.sample(by_label[NEUTRAL], SAMPLE_SIZE - len(negatives) - len(positives))
    return [
        (label, t)
        for label, turns in ((NEGATIVE, negatives), (POSITIVE, positives), (NEUTRAL, neutrals))
        for t in turns
    ]


def _share_row(name: str, turns: list[Turn]) -> Row:
    s = shares(turns)
    measured = f"{s[POSITIVE]:.1%} pos / {s[NEUTRAL]:.1%} neu / {s[NEGATIVE]:.1%} neg ({len(turns)} turns)"
    ok = s[NEUTRAL] >= MIN_NEUTRAL_SHARE and s[NEGATIVE] <= MAX_NEGATIVE_SHARE
    target = f"neutral >= {MIN_NEUTRAL_SHARE:.0%}, negative <= {MAX_NEGATIVE_SHARE:.0%}"
    return Row(f"sentiment labels, {name}", target, measured, ok)


def _handcheck_rows(excerpts: list[list[Turn]]) -> list[Row]:
    if not HANDCHECK.exists():
        return [Row("sentiment hand check", "file present", f"missing {HANDCHECK.name}", ok=False)]
    with HANDCHECK.open() as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        checked = {r["turn"]: r for r in rows}
    current = {t.id: message_sentiment(t.text).suggested for _, t in handcheck_turns(excerpts)}
    stale = sorted(i for i in current.keys() | checked.keys() if current.get(i) != checked.get(i, {}).get("label"))
    disagreements = [r for r in checked.values() if r["verdict"] != r["label"]]
    neutral_called_negative = [r for r in disagreements if r["label"] == NEGATIVE and r["verdict"] == NEUTRAL]
    return [
        Row(
            "sentiment hand check: labels in the file = labels the code gives",
            "0 stale",
            f"{len(stale)} stale of {len(current)}" + (f" (first: {stale[0]})" if stale else ""),
            ok=not stale,
        ),
        Row(
            "sentiment hand check: turns a reader calls neutral, labelled negative",
            "0",
            f"{len(neutral_called_negative)} of {len(checked)} checked",
            ok=not neutral_called_negative,
        ),
        Row(
            "sentiment hand check: any label a reader disagrees with",
            "report",
            f"{len(disagreements)} of {len(checked)} ("
            + ", ".join(f"{r['turn']} {r['label']}→{r['verdict']}" for r in disagreements[:3])
            + (", …" if len(disagreements) > 3 else "")
            + ")",
            ok=True,
        ),
    ]


def run() -> list[Row]:
    directory = real_meetings_dir()
    if directory is None:
        return [Row("sentiment labels", "real-meetings data", "not found (set REAL_MEETINGS_DIR)", ok=False)]
    excerpts = load_turns(directory)
    first_half = [t for excerpt in excerpts[::2] for t in excerpt]
    second_half = [t for excerpt in excerpts[1::2] for t in excerpt]
    rows = [
        _share_row("all 10 excerpts", first_half + second_half),
        _share_row("even half", first_half),
        _share_row("odd half", second_half),
    ]
    return rows + _handcheck_rows(excerpts)


def print_handcheck() -> None:
    """The turns to check, as TSV lines to fill in: set, turn, label, polarity, text."""
    directory = real_meetings_dir()
    if directory is None:
        raise SystemExit("real-meetings data not found (set REAL_MEETINGS_DIR)")
    for which, turn in handcheck_turns(load_turns(directory)):
        sentiment = message_sentiment(turn.text)
        print(f"{which}\t{turn.id}\t{sentiment.suggested}\t{sentiment.polarity:+.3f}\t{turn.text}")


if __name__ == "__main__":
    if "--print" in sys.argv:
        print_handcheck()
    else:
        for row in run():
            print(row)
