"""Remembered voices on real speech: are enrolled people named right, and are strangers left unnamed?

Data (real speech only, never synthetic voices):

- the real-meetings clips (``bench.real_meetings_dir()``): 4 AMI meeting excerpts (EN2005a, EN2006a, EN2006b,
  EN2009b; FEE083 speaks in two meetings, EN2006a and b are the same four people) and 3 round tables of
  LibriSpeech test-other utterances (LS2414 and LS367 speak in two of them, with different utterances);
- fetched by ``scripts/fetch_voice_bench_data.py`` (run by ``run`` when absent) into ``bench/results/voice-data``:
  the 14 AMI excerpts of 30 s that PyPI's pyannote.audio 3.1.1 sdist ships in ``tests/data`` (MIT; AMI Meeting
  Corpus, CC BY 4.0), which add people heard in two or more meetings (``dev00``/``dev01``, ``tst00``/``tst01``,
  ``trn00``-``trn03``).
  ``trn06``-``trn09`` are the real-meetings AMI clips again and are read once;
- fetched by the same script into ``bench/results/voice-data/speakerbox-1.2.0``: the hand-labelled speech of 9
  Seattle City Council members in 5 public council meetings that PyPI's speakerbox 1.2.0 wheel ships (MIT; public
  records), each meeting's segments joined into one recording (``speakerbox_<meeting>``); every member speaks in
  3 to 5 of the meetings, so they are enrolled from one meeting and recognised in another.

Every (recording, speaker) becomes one voice exactly as the app makes it: the reference turns (RTTM) go through
the diarizer's own ``speaker_profiles`` (CAM++ centroid of the speaker's turns, L2-normalised), and the speaker's
speech seconds are summed from the same turns. The reference turns are first cut where another person speaks at
the same time (``solo``): the app's diarized turns never overlap (each word goes to one speaker), and a profile
that mixes in a second voice makes strangers look alike (with the overlaps kept, different people scored up to
0.86 against each other, and no threshold met both bars). Voices under ``MIN_SPEECH_SECONDS`` are never named by
the app, so they are not trials here (their count is reported).

Trials, one per recording R (a "meeting"): the gallery holds, for each person heard in some recording other than
R, their voices from those other recordings (at most ``MAX_PRINTS``, as the app keeps), and ``match_voices`` names
R's speakers at once, as the app does. A speaker of R with a voice in the gallery (enrolled) should be named as
themselves: identification = named right / enrolled speakers. A speaker of R never heard elsewhere is a stranger.
To get strangers among the people heard twice too, each R is also run with each enrolled speaker of R taken out
of the gallery alone (the others of R still enrolled), and once with all of R's speakers taken out. False
accepts = strangers named as anyone / strangers, plus enrolled speakers named as someone else.

The threshold: speakers are split in two halves (``halves``); on each half, the lowest threshold of a
0.01 grid whose false accepts stay within 1 % (half the 2 % bar) is chosen and the other half is scored with it.
``VOICE_THRESHOLD`` is the higher of the two choices plus 0.05: on these data strangers' false accepts go from none
to a third within 0.05 below the choice, and a wrong name costs more than a missed one (a click either way).
The rows report both held-out halves and everyone at ``VOICE_THRESHOLD``, and (a diagnostic) the same trials with
the voices the offline engine itself keeps for each recording (``heard_voices``: no reference turns at all; on the
real meetings and AMI excerpts only, since the council recordings are joined segments, not a meeting to hear).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bench import Row, real_meetings_dir
from bot.voice_match import MIN_SPEECH_SECONDS, VOICE_THRESHOLD, match_voices

ROOT = Path(__file__).resolve().parent.parent
EXTRA = ROOT / "bench" / "results" / "voice-data" / "pyannote-audio-3.1.1"
COUNCIL = ROOT / "bench" / "results" / "voice-data" / "speakerbox-1.2.0"
COUNCIL_PREFIX = "speakerbox_"
# The pyannote excerpts that are the real-meetings AMI clips (same audio, same speakers): read once
SAME_AS_REAL_MEETINGS = {"trn06", "trn07", "trn08", "trn09"}
MAX_PRINTS = 5
FALSE_ACCEPT_BAR = 0.02
IDENTIFICATION_BAR = 0.90
CHOOSING_MARGIN = 0.01  # thresholds are chosen for at most this false-accept rate on the choosing half
SAFETY_MARGIN = 0.05  # added to the higher half's choice (see the module's docstring)


@dataclass(frozen=True)
class Voice:
    recording: str
    person: str
    vector: list[float]
    seconds: float


@dataclass(frozen=True)
class Score:
    identified: int
    enrolled: int
    false_accepts: int
    strangers: int

    @property
    def identification(self) -> float:
        return self.identified / self.enrolled if self.enrolled else 0.0

    @property
    def false_accept_rate(self) -> float:
        return self.false_accepts / self.strangers if self.strangers else 0.0


def recordings(
    real: Path | None, extra: Path = EXTRA, council: Path = COUNCIL
) -> dict[str, tuple[Path, list[tuple[float, float, str]]]]:
    """recording name -> (audio file, reference turns (start, end, person))."""
    found: dict[str, tuple[Path, list[tuple[float, float, str]]]] = {}
    if real is not None:
        for wav in sorted((real / "audio").glob("*.wav")):
            found[wav.stem] = (wav, _rttm(wav.with_suffix(".rttm")).get(wav.stem, []))
    if (extra / "debug.train.rttm").is_file():
        turns: dict[str, list[tuple[float, float, str]]] = {}
        for rttm in sorted(extra.glob("*.rttm")):
            turns |= _rttm(rttm)
        for uri in sorted(turns):
            if uri not in SAME_AS_REAL_MEETINGS or real is None:
                found[f"pyannote_{uri}"] = (extra / f"{uri}.wav", turns[uri])
    if (council / "LICENSE").is_file():
        for rttm in sorted(council.glob("*.rttm")):
            found[f"{COUNCIL_PREFIX}{rttm.stem}"] = (rttm.with_suffix(".wav"), _rttm(rttm)[rttm.stem])
    return found


def _rttm(path: Path) -> dict[str, list[tuple[float, float, str]]]:
    turns: dict[str, list[tuple[float, float, str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[0] == "SPEAKER":
            start, duration = float(parts[3]), float(parts[4])
            turns.setdefault(parts[1], []).append((start, start + duration, parts[7]))
    return turns


def voices(found: dict[str, tuple[Path, list[tuple[float, float, str]]]]) -> list[Voice]:
    """One voice per (recording, person), made by the diarizer's own profile code from the reference turns."""
    from bot.engines.local.diarize import speaker_profiles
    from bot.engines.local.transcribe import Utterance, load_audio

    made = []
    for name, (wav, turns) in found.items():
        audio = load_audio(wav)
        alone = solo(turns)
        utterances = [Utterance(start, end, "", speaker=person) for start, end, person in alone]
        seconds: dict[str, float] = {}
        for start, end, person in alone:
            seconds[person] = seconds.get(person, 0.0) + (end - start)
        for person, vector in speaker_profiles(audio, utterances).items():
            made.append(Voice(name, person, vector, seconds[person]))
    return made


def heard_voices(found: dict[str, tuple[Path, list[tuple[float, float, str]]]]) -> list[Voice]:
    """The voices exactly as the app keeps them, with no reference at all: each recording heard by the offline
    engine's own ``hear`` (Whisper tiny.en words, the diarizer's speakers, their profiles, overlaps and all).

    A found speaker is credited to the reference person its turns overlap most, and left out when less than half
    of its speech is that person's (a mixed cluster is nobody).
    """
    from bot.engines.local.hearing import hear
    from bot.engines.local.transcribe import Transcriber

    transcriber = Transcriber("tiny.en", cpu_threads=1)
    made = []
    for name, (wav, reference) in found.items():
        if name.startswith(COUNCIL_PREFIX):
            continue
        heard = hear(wav, transcriber)
        overlap: dict[str, dict[str, float]] = {}
        seconds: dict[str, float] = {}
        for turn in heard.turns:
            seconds[turn.speaker] = seconds.get(turn.speaker, 0.0) + (turn.end - turn.start)
            for ref_start, ref_end, person in reference:
                shared = min(turn.end, ref_end) - max(turn.start, ref_start)
                if shared > 0:
                    overlap.setdefault(turn.speaker, {}).setdefault(person, 0.0)
                    overlap[turn.speaker][person] += shared
        for label, vector in heard.profiles.items():
            if label not in overlap:
                continue
            person = max(sorted(overlap[label]), key=overlap[label].__getitem__)
            if overlap[label][person] >= 0.5 * seconds[label]:
                made.append(Voice(name, person, vector, seconds[label]))
    return made


def solo(turns: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """The turns with every stretch where someone else speaks too cut out (pieces under 0.3 s dropped)."""
    kept = []
    for start, end, person in turns:
        pieces = [(start, end)]
        for other_start, other_end, other in turns:
            if other == person:
                continue
            pieces = [
                piece
                for a, b in pieces
                for piece in (
                    [(a, b)]
                    if other_end <= a or other_start >= b
                    else [(a, min(b, other_start)), (max(a, other_end), b)]
                )
            ]
        kept += [(a, b, person) for a, b in pieces if b - a > 0.3]
    return kept


def score(all_voices: Iterable[Voice], people: set[str], threshold: float) -> Score:
    """Identification and false accepts over ``people``'s voices (see the module's docstring)."""
    kept = [v for v in all_voices if v.person in people and v.seconds >= MIN_SPEECH_SECONDS]
    identified = enrolled = false_accepts = strangers = 0
    for recording in sorted({v.recording for v in kept}):
        here = [v for v in kept if v.recording == recording]
        gallery: dict[str, list[list[float]]] = {}
        for v in kept:
            if v.recording != recording and len(gallery.get(v.person, [])) < MAX_PRINTS:
                gallery.setdefault(v.person, []).append(v.vector)
        speakers = {v.person: v.vector for v in here}
        named = match_voices(speakers, gallery, threshold)
        for person in speakers:
            if person in gallery:
                enrolled += 1
                identified += named.get(person) == person
                false_accepts += named.get(person) not in (None, person)
                strangers += named.get(person) not in (None, person)  # a wrong name counts among the trials too
            else:
                strangers += 1
                false_accepts += person in named
        # Each enrolled speaker taken out alone, the others of the meeting still enrolled: a newcomer among known
        # colleagues must not take one of their names (nor a name from elsewhere)
        for person in speakers:
            if person in gallery:
                without = {p: g for p, g in gallery.items() if p != person}
                strangers += 1
                false_accepts += person in match_voices(speakers, without, threshold)
        # The same meeting with none of its speakers enrolled: each of them is a stranger now
        others = {p: g for p, g in gallery.items() if p not in speakers}
        named = match_voices(speakers, others, threshold)
        strangers += len(speakers)
        false_accepts += len(named)
    return Score(identified, enrolled, false_accepts, strangers)


def choose_threshold(all_voices: list[Voice], people: set[str]) -> float:
    """The lowest threshold (0.01 grid) at which ``people``'s false accepts stay within ``CHOOSING_MARGIN``."""
    for step in range(30, 100):
        threshold = step / 100
        if score(all_voices, people, threshold).false_accept_rate <= CHOOSING_MARGIN:
            return threshold
    return 1.0


def halves(all_voices: list[Voice]) -> tuple[set[str], set[str]]:
    """People split alternately in id order, those heard long enough in two recordings apart from the others,
    so that both halves have people to recognise as well as strangers."""
    long_enough = [v.person for v in all_voices if v.seconds >= MIN_SPEECH_SECONDS]
    recurring = sorted({p for p in long_enough if long_enough.count(p) > 1})
    others = sorted({v.person for v in all_voices} - set(recurring))
    return set(recurring[0::2] + others[0::2]), set(recurring[1::2] + others[1::2])


def measure(real: Path | None, extra: Path = EXTRA, council: Path = COUNCIL) -> dict:
    found = recordings(real, extra, council)
    made = voices(found)
    first, second = halves(made)
    everyone = first | second
    chosen = {"first": choose_threshold(made, first), "second": choose_threshold(made, second)}
    recurring = {v.person for v in made if sum(w.person == v.person for w in made) > 1}
    long_enough = [v.person for v in made if v.seconds >= MIN_SPEECH_SECONDS]
    # the people the bar counts: enrolled from one recording and tested in another, both long enough to be named
    tested = {p for p in long_enough if long_enough.count(p) > 1}
    return {
        "voices": len(made),
        "short": sum(v.seconds < MIN_SPEECH_SECONDS for v in made),
        "people": len(everyone),
        "recurring": len(recurring),
        "tested": len(tested),
        "recordings": len({v.recording for v in made}),
        "chosen": chosen,
        "recommended": round(max(chosen.values()) + SAFETY_MARGIN, 2),
        # each half scored with the threshold chosen on the other
        "first_with_second": score(made, first, chosen["second"]),
        "second_with_first": score(made, second, chosen["first"]),
        "all": score(made, everyone, VOICE_THRESHOLD),
        "heard": score(heard_voices(found), everyone, VOICE_THRESHOLD),
    }


def _show(s: Score) -> str:
    return (
        f"identified {s.identified}/{s.enrolled} ({s.identification:.0%}), "
        f"false accepts {s.false_accepts}/{s.strangers} ({s.false_accept_rate:.1%})"
    )


def run() -> list[Row]:
    """The benchmark rows for ``python -m bench``."""
    real = real_meetings_dir()
    if not (EXTRA / "debug.train.rttm").is_file() or not (COUNCIL / "LICENSE").is_file():
        # fetched once (pip, PyPI only); without it, fewer people
        subprocess.run([sys.executable, str(ROOT / "scripts" / "fetch_voice_bench_data.py")], check=False)
    if real is None and not (EXTRA / "debug.train.rttm").is_file():
        return [Row("voice recognition", "data present", "data absent (set REAL_MEETINGS_DIR)", ok=True)]
    m = measure(real)
    total = m["all"]
    return [
        Row(
            "voice recognition: VOICE_THRESHOLD against the halves' higher choice + 0.05",
            f">= {m['recommended']}",
            f"{VOICE_THRESHOLD}",
            m["recommended"] <= VOICE_THRESHOLD,
        ),
        Row(
            "voice recognition data: real people enrolled and tested in another recording; people (heard in >= 2 "
            "recordings), recordings, voices (< min speech)",
            ">= 10 tested",
            f"{m['tested']}; {m['people']} ({m['recurring']}), {m['recordings']}, {m['voices']} ({m['short']} short)",
            m["tested"] >= 10,
        ),
        Row(
            f"voice recognition: enrolled named right, all, at VOICE_THRESHOLD {VOICE_THRESHOLD}",
            f">= {IDENTIFICATION_BAR:.0%}",
            _show(total),
            total.identification >= IDENTIFICATION_BAR,
        ),
        Row(
            f"voice recognition: false accepts, all, at VOICE_THRESHOLD {VOICE_THRESHOLD}",
            f"<= {FALSE_ACCEPT_BAR:.0%}",
            f"{total.false_accept_rate:.1%}",
            total.false_accept_rate <= FALSE_ACCEPT_BAR,
        ),
        Row(
            f"voice recognition with the voices the engine keeps (hear: Whisper + diarizer), at {VOICE_THRESHOLD}",
            "(diagnostic)",
            _show(m["heard"]),
            ok=True,
        ),
        Row(
            f"voice recognition, half 1 at the threshold chosen on half 2 ({m['chosen']['second']})",
            "(held out)",
            _show(m["first_with_second"]),
            ok=True,
        ),
        Row(
            f"voice recognition, half 2 at the threshold chosen on half 1 ({m['chosen']['first']})",
            "(held out)",
            _show(m["second_with_first"]),
            ok=True,
        ),
    ]


if __name__ == "__main__":
    print(json.dumps({k: str(v) for k, v in measure(real_meetings_dir()).items()}, indent=1))
