"""The one error type every audio reader raises."""

from __future__ import annotations

from pathlib import Path


class AudioError(Exception):
    """A file could not be read as audio; ``str(err)`` is one line naming the file and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = " ".join(str(reason).split())  # always one line
        super().__init__(f"{self.path}: {self.reason}")
