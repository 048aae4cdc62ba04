"""The default install stays lean: no deep-learning framework or CUDA library rides along with a dependency."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from bench.bench_install_size import HEAVY, heavy_packages


def test_no_torch_or_cuda_in_the_default_install():
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    assert heavy_packages(site) == []
    assert all(importlib.util.find_spec(name) is None for name in ("torch", "torchaudio", "tensorflow"))


def test_the_check_would_see_torch(tmp_path):
    for name in ("torch", "nvidia_cublas_cu12-12.1.dist-info", "numpy"):
        (tmp_path / name).mkdir()
    assert heavy_packages(tmp_path) == ["nvidia_cublas_cu12-12.1.dist-info", "torch"]
    assert "torch" in HEAVY
