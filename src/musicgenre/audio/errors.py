"""The one error type every audio reader raises, and the one result a batch gives for a file it could not use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class AudioError(Exception):
    """A file could not be read as audio; ``str(err)`` is one line naming the file and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = " ".join(str(reason).split())  # always one line
        super().__init__(f"{self.path}: {self.reason}")


@dataclass(frozen=True)
class FileFailure:
    """A file a batch (features, embeddings) could not use, and the one-line reason: a result, not an exception,
    so the batch goes on and reports it."""

    path: Path | str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"
