"""The offline engine: speech-to-text, speaker turns and insights computed on this machine (``ENGINE=local``).

Importing this package is cheap: faster-whisper and the model load on the first job.
"""

from bot.engines.local.engine import LocalEngine

__all__ = ["LocalEngine"]
