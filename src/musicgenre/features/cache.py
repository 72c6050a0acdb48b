"""Per-file feature cache: one small ``.npz`` per (file content, recipe, feature version).

The entries are those of :class:`musicgenre.audio.cache.ContentCache` (keyed by the SHA-256 of the file's bytes,
:func:`musicgenre.audio.file_hash`, so a renamed or moved file is still found and an edited file is recomputed;
written atomically, so an interrupted run resumes where it stopped; read as plain arrays, never unpickled).
Layout: ``<cache_dir>/<recipe>-v<FEATURE_VERSION>/<hash[:2]>/<hash>.npz`` holding ``values``
(``(n_features,)`` float64) and ``length`` (samples at the recipe's rate).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musicgenre.audio.cache import ContentCache
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

    @property
    def entries(self) -> ContentCache:
        """The recipe's entries: ``values`` and ``length`` per file content."""
        return ContentCache(Path(self.root), f"{self.recipe}-v{FEATURE_VERSION}", ("values", "length"))

    def get(self, key: str, n_features: int) -> CachedRow | None:
        """The cached row for content hash ``key``, or ``None`` (missing, unreadable or wrong size)."""
        arrays = self.entries.get(key)
        if arrays is None:
            return None
        try:
            values = np.asarray(arrays["values"], dtype=np.float64)
            length = int(arrays["length"])
        except (TypeError, ValueError):
            return None
        return CachedRow(values, length) if values.shape == (n_features,) else None

    def put(self, key: str, values: np.ndarray, length: int) -> None:
        """Store a row atomically; a failure to write (read-only disk, full) is not an error for the run."""
        self.entries.put(key, {"values": np.asarray(values, dtype=np.float64), "length": np.int64(length)})
