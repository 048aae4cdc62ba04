"""The default install's size, and proof that it holds no torch or CUDA libraries (they weigh gigabytes).

Measures the ``.venv`` that ``make install`` made, as a fresh machine gets it: the README states this figure.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench import Row

# Packages that would mean a deep-learning framework slipped into the default install.
HEAVY = ("torch", "torchaudio", "torchvision", "nvidia", "triton", "tensorflow", "jax")


def _size_mib(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def _site_packages() -> Path:
    return Path(next(p for p in sys.path if p.endswith("site-packages")))


def _distribution(entry: str) -> str:
    """The leading name of a site-packages entry: "nvidia_cublas_cu12-12.1.dist-info" -> "nvidia"."""
    return entry.lower().replace("-", "_").split("_")[0].split(".")[0]


def heavy_packages(site_packages: Path) -> list[str]:
    """Top-level names in ``site_packages`` that belong to a deep-learning framework or CUDA."""
    return sorted(p.name for p in site_packages.iterdir() if _distribution(p.name) in HEAVY)


def run() -> list[Row]:
    site = _site_packages()
    venv = Path(sys.prefix)
    size = _size_mib(venv)
    heavy = heavy_packages(site)
    return [
        Row("installed size of .venv (make install)", "reported", f"{size:,.0f} MiB at {venv}", ok=True),
        Row("torch / CUDA libraries in .venv", "none", ", ".join(heavy) or "none", ok=not heavy),
    ]
