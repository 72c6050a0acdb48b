"""Per-file feature cache: one small ``.npz`` per (file content, recipe, feature version).

The key is the SHA-256 of the file's bytes (:func:`musicgenre.audio.file_hash`), so a renamed or moved
file is still found and an edited file is recomputed. Entries are written atomically (temporary file,
then rename), so an interrupted run leaves no half-written entry and the next run resumes where it stopped.
Layout: ``<cache_dir>/<recipe>-v<FEATURE_VERSION>/<hash[:2]>/<hash>.npz`` holding ``values``
(``(n_features,)`` float64) and ``length`` (samples at the recipe's rate).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musicgenre.features.recipes import FEATURE_VERSION

#: Where features are cached unless ``--cache-dir`` says otherwise.
DEFAULT_CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "musicgenre" / "features"


@dataclass(frozen=True)
class CachedRow:
    values: np.ndarray  # (n_features,) float64
    length: int  # samples at the recipe's sample rate


@dataclass(frozen=True)
class FeatureCache:
    """Cached rows of one recipe under ``root``."""

    root: Path
    recipe: str

    def _path(self, key: str) -> Path:
        return Path(self.root) / f"{self.recipe}-v{FEATURE_VERSION}" / key[:2] / f"{key}.npz"

    def get(self, key: str, n_features: int) -> CachedRow | None:
        """The cached row for content hash ``key``, or ``None`` (missing, unreadable or wrong size)."""
        path = self._path(key)
        try:
            with np.load(path) as data:
                values = np.asarray(data["values"], dtype=np.float64)
                length = int(data["length"])
        except (OSError, KeyError, ValueError):
            return None
        return CachedRow(values, length) if values.shape == (n_features,) else None

    def put(self, key: str, values: np.ndarray, length: int) -> None:
        """Store a row atomically; a failure to write (read-only disk, full) is not an error for the run."""
        path = self._path(key)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                np.savez(f, values=np.asarray(values, dtype=np.float64), length=np.int64(length))
            os.replace(tmp, path)
        except OSError:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
