"""Offline speech-to-text on the synthesized eval meetings: word error rate, speed, memory, speaker turns.

The transcription runs in a child process (``python -m bench.bench_local_stt --worker``) so its peak RSS
(``ru_maxrss``) is the transcriber's alone. Figures:

- WER over all of ``tests/data/meetings/*.mp3`` against their scripts, normalised (lower case, no
  punctuation, numbers spelled out as words on both sides), target <= 15 %;
- real-time factor (transcription + diarization time / audio duration) with the model ``WHISPER_MODEL``
  names (default base) on this box's cores, target <= 0.2;
- peak RSS of the transcribing process, target < 1 GiB;
- diarization: turn-level speaker accuracy (each gold turn takes the label of the recognised turn that
  overlaps it most; each label is mapped to the gold speaker it most often covers), and how many meetings
  got the right number of speakers.

``python -m bench.bench_local_stt --worker --beam 1`` prints the raw per-meeting JSON (for experiments).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench import Row

ROOT = Path(__file__).resolve().parent.parent
MEETINGS = ROOT / "tests" / "data" / "meetings"
# One voice at a different pitch in every sentence: diarization should find one speaker, not several.
MONOLOGUE = ROOT / "examples" / "monologue.mp3"


def tuned_on(name: str) -> bool:
    """Whether this meeting is in the ``tune`` split, which the insight rules were written from.

    ``holdout`` meetings are reported apart. (The diarizer's one constant was chosen on the real-meetings clips,
    not on these synthetic meetings.)
    """
    return json.loads((MEETINGS / f"{name}.json").read_text()).get("split", "tune") == "tune"


_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth"}
_ORDINAL |= {"twelve": "twelfth"}


def number_words(n: int) -> str:
    """An integer below a billion in words ("one hundred twenty three")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    for size, name in ((1_000_000, "million"), (1000, "thousand"), (100, "hundred")):
        if n >= size:
            rest = n % size
            return f"{number_words(n // size)} {name}" + (f" {number_words(rest)}" if rest else "")
    raise ValueError(n)


def _ordinal_words(n: int) -> str:
    words = number_words(n).split()
    last = words[-1]
    if last in _ORDINAL:
        words[-1] = _ORDINAL[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def normalise(text: str) -> str:
    """Lower case, numbers and symbols as words, no punctuation: both sides of the WER go through this."""
    text = text.lower().replace("%", " percent ").replace("&", " and ")
    text = re.sub(r"\$(\d+)", r"\1 dollars", text)
    text = re.sub(r"(\d+):00\b", r"\1", text)
    text = re.sub(r"(\d+):(\d\d)", r"\1 \2", text)
    text = re.sub(r"(\d),(\d{3})", r"\1\2", text)
    text = re.sub(r"\b(\d+)(st|nd|rd|th)\b", lambda m: _ordinal_words(int(m[1])), text)
    text = re.sub(r"\d+", lambda m: f" {number_words(int(m[0]))} ", text)
    text = re.sub(r"[-–—/]", " ", text)
    text = re.sub(r"[^a-z' ]", " ", text)
    text = text.replace("'", "")
    return " ".join(text.split())


def work(beam: int, files: list[Path], roster: tuple[str, ...] = (), model: str = "", *, hotwords: bool = True) -> dict:
    """Child-process side: transcribe and diarize each meeting, report texts, turns, times and peak RSS."""
    from bot.engines.local.diarize import diarize
    from bot.engines.local.transcribe import SAMPLE_RATE, Transcriber, load_audio

    transcriber = Transcriber(model, beam_size=beam, names_as_hotwords=hotwords)
    transcriber.warm_up()
    meetings = []
    for path in files:
        started = time.perf_counter()
        audio = load_audio(path)
        turns = diarize(audio, transcriber.transcribe(audio, roster=roster))
        meetings.append(
            {
                "name": path.stem,
                "seconds": time.perf_counter() - started,
                "duration": len(audio) / SAMPLE_RATE,
                "turns": [{"start": t.start, "end": t.end, "speaker": t.speaker, "text": t.text} for t in turns],
            }
        )
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_rss_mib": peak_kib / 1024, "meetings": meetings}


def speaker_accuracy(hyp_turns: list[dict], gold_turns: list[dict]) -> tuple[int, int]:
    """(correctly attributed gold turns, gold turns), labels mapped to gold speakers by majority."""

    def overlap(a: dict, b: dict) -> float:
        return max(0.0, min(a["end"], b["end"]) - max(a["start"], b["start"]))

    labels = []
    for gold in gold_turns:
        best = max(hyp_turns, key=lambda h: overlap(h, gold), default=None)
        labels.append(best["speaker"] if best and overlap(best, gold) > 0 else None)
    votes: dict[str, Counter] = {}
    for label, gold in zip(labels, gold_turns, strict=True):
        if label:
            votes.setdefault(label, Counter())[gold["speaker"]] += 1
    mapping = {label: counter.most_common(1)[0][0] for label, counter in votes.items()}
    correct = sum(1 for label, gold in zip(labels, gold_turns, strict=True) if mapping.get(label) == gold["speaker"])
    return correct, len(gold_turns)


def measure(beam: int | None = None, *, roster: bool = False, model: str = "", hotwords: bool = True) -> dict:
    """Run the worker in a child process and score its output against the scripts and timings.

    With ``roster``, names are put back from ``EVAL_ROSTER`` as the app does with a channel's members (and, unless
    ``hotwords`` is false, handed to Whisper as hotwords).
    """
    import jiwer

    from bot.engines.local.transcribe import DEFAULT_BEAM_SIZE

    files = [*sorted(MEETINGS.glob("*.mp3")), MONOLOGUE]
    command = [sys.executable, "-m", "bench.bench_local_stt", "--worker", "--beam", str(beam or DEFAULT_BEAM_SIZE)]
    command += ["--roster"] if roster else []
    command += ["--model", model] if model else []
    command += [] if hotwords else ["--no-hotwords"]
    done = subprocess.run([*command, *map(str, files)], cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    refs, hyps = [], []
    correct = total = right_count = 0
    unseen_correct = unseen_total = 0
    per_meeting = {}
    monologue = result["meetings"].pop()
    for meeting in result["meetings"]:
        script = json.loads((MEETINGS / f"{meeting['name']}.json").read_text())
        timing = json.loads((MEETINGS / f"{meeting['name']}.timing.json").read_text())
        ref = normalise(" ".join(t["text"] for t in script["turns"]))
        hyp = normalise(" ".join(t["text"] for t in meeting["turns"]))
        refs.append(ref)
        hyps.append(hyp)
        ok, n = speaker_accuracy(meeting["turns"], timing["turns"])
        correct += ok
        total += n
        if not tuned_on(meeting["name"]):
            unseen_correct += ok
            unseen_total += n
        found = len({t["speaker"] for t in meeting["turns"]})
        expected = len({t["speaker"] for t in timing["turns"]})
        right_count += found == expected
        per_meeting[meeting["name"]] = {
            "wer": jiwer.wer(ref, hyp),
            "speakers": f"{found}/{expected}",
            "turn_accuracy": ok / n,
            "turns": f"{len(meeting['turns'])}/{len(timing['turns'])}",
        }
    seconds = sum(m["seconds"] for m in result["meetings"])
    duration = sum(m["duration"] for m in result["meetings"])
    return {
        "wer": jiwer.wer(refs, hyps),
        "rtf": seconds / duration,
        "audio_seconds": duration,
        "peak_rss_mib": result["peak_rss_mib"],
        "turn_accuracy": correct / total,
        "unseen_turn_accuracy": unseen_correct / unseen_total if unseen_total else None,
        "speaker_count_right": right_count,
        "meetings": len(result["meetings"]),
        "monologue_speakers": len({t["speaker"] for t in monologue["turns"]}),
        "per_meeting": per_meeting,
    }


def run() -> list[Row]:
    """The benchmark rows for ``python -m bench`` (the model ``WHISPER_MODEL`` names, else the default)."""
    import os

    from bench.insights_eval import EVAL_ROSTER
    from bot.engines.local.whisper_models import canonical

    model = canonical(os.environ.get("WHISPER_MODEL", ""))
    m = measure(model=model)
    r = measure(roster=True, model=model)
    label = f"with a {len(EVAL_ROSTER)}-name roster, {model}"
    with_roster = [
        Row(f"local STT word error rate, {label}", "<= 15%", f"{r['wer']:.1%}", r["wer"] <= 0.15),
        Row(
            f"local STT real-time factor, {label}",
            "<= 0.2",
            f"{r['rtf']:.3f} ({r['audio_seconds']:.0f}s of audio)",
            r["rtf"] <= 0.2,
        ),
        Row(
            f"local STT peak RSS, {label}",
            "< 1024 MiB",
            f"{r['peak_rss_mib']:.0f} MiB",
            r["peak_rss_mib"] < 1024,
        ),
    ]
    return [*_rows(m, model), *with_roster]


def _rows(m: dict, model: str) -> list[Row]:
    return [
        Row(f"local STT word error rate (eval meetings, {model})", "<= 15%", f"{m['wer']:.1%}", m["wer"] <= 0.15),
        Row(
            f"local STT real-time factor ({model}, int8, this box)",
            "<= 0.2",
            f"{m['rtf']:.3f} ({m['audio_seconds']:.0f}s of audio)",
            m["rtf"] <= 0.2,
        ),
        Row(
            "local STT peak RSS (transcribing process)",
            "< 1024 MiB",
            f"{m['peak_rss_mib']:.0f} MiB",
            m["peak_rss_mib"] < 1024,
        ),
        Row("local diarization turn accuracy", ">= 90%", f"{m['turn_accuracy']:.1%}", m["turn_accuracy"] >= 0.9),
        *(
            [
                Row(
                    "local diarization turn accuracy, holdout meetings (not tuned on)",
                    ">= 90%",
                    f"{m['unseen_turn_accuracy']:.1%}",
                    m["unseen_turn_accuracy"] >= 0.9,
                )
            ]
            if m["unseen_turn_accuracy"] is not None
            else []
        ),
        Row(
            "local diarization: one voice with wandering pitch",
            "1 speaker",
            f"{m['monologue_speakers']} speaker(s)",
            m["monologue_speakers"] == 1,
        ),
        Row(
            "local diarization: meetings with the right speaker count",
            "all",
            f"{m['speaker_count_right']}/{m['meetings']}",
            m["speaker_count_right"] == m["meetings"],
        ),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="offline STT benchmark")
    parser.add_argument("--worker", action="store_true", help="transcribe the files and print JSON (child side)")
    parser.add_argument("--beam", type=int, default=None)
    parser.add_argument("--roster", action="store_true", help="put misheard names back from the eval roster")
    parser.add_argument("--model", default="", help="WHISPER_MODEL value (default: the default model)")
    parser.add_argument("--no-hotwords", action="store_true", help="do not hand the roster to Whisper as hotwords")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.worker:
        from bench.insights_eval import EVAL_ROSTER

        roster = EVAL_ROSTER if args.roster else ()
        print(json.dumps(work(args.beam or 5, args.files, roster, args.model, hotwords=not args.no_hotwords)))
        return 0
    result = measure(args.beam, roster=args.roster, model=args.model, hotwords=not args.no_hotwords)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
