"""Compile librosa's cached numba kernels once, in one process, before parallel workers start.

numba writes each ``@guvectorize(cache=True)`` kernel as two cache files; when two processes compile the
same kernel for the first time at once they can leave a mismatched pair that segfaults every later process
that loads it (numba issue #10128, seen here with ``pytest -n 2`` on a fresh install). Running every kernel
our features use once, serially, fills the cache before any pool exists; later workers only load it.

    python -m musicgenre.features.warmup     # what warm_numba_cache() runs
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np

WARMUP_SECONDS = 3.0  # long enough for every family (CQT octaves, beat tracking) to run its kernels


def compile_kernels(sr: int = 22050) -> None:
    """Run every feature recipe and family on a short synthetic chord with clicks, in this process."""
    from musicgenre.features import families
    from musicgenre.features.recipes import RECIPES

    t = np.arange(int(WARMUP_SECONDS * sr)) / sr
    y = np.sum([np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)], axis=0).astype(np.float32) / 3
    y[:: sr // 2] += 1.0  # clicks twice a second give onsets for the tempo estimate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for recipe in RECIPES.values():
            if recipe.sample_rate == sr:
                recipe(y, sr)
        for family in (
            families.log_mel,
            families.mfcc,
            families.chroma_stft,
            families.chroma_cqt,
            families.spectral_contrast,
            families.tonnetz,
        ):
            family(y=y, sr=sr)


def warm_numba_cache(timeout_s: float = 600.0) -> bool:
    """Fill numba's cache from a short-lived child process (the caller never loads librosa for it).

    About 4 s once the cache is warm, 30 s on a fresh install. Returns whether the child succeeded; on failure
    workers still compile for themselves, as they would without the warm-up.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-m", "musicgenre.features.warmup"],
            timeout=timeout_s,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def warm_numba_cache_once(timeout_s: float = 600.0) -> bool:
    """:func:`warm_numba_cache` once per machine and installation: processes starting together (cluster
    workers) take turns under a file lock, and a marker in the temporary folder says it was done (delete it
    when numba's cache is cleared)."""
    import hashlib
    import importlib.metadata
    import os
    import tempfile
    from pathlib import Path

    try:
        import fcntl
    except ImportError:  # not on a POSIX system: warm every time
        return warm_numba_cache(timeout_s)
    versions = []
    for package in ("numba", "librosa"):
        try:
            versions.append(importlib.metadata.version(package))
        except importlib.metadata.PackageNotFoundError:
            versions.append("-")
    tag = "|".join([sys.executable, os.environ.get("NUMBA_CACHE_DIR", ""), *versions])
    marker = Path(tempfile.gettempdir()) / f"musicgenre-numba-warm-{hashlib.sha256(tag.encode()).hexdigest()[:16]}"
    with open(marker.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return True
        ok = warm_numba_cache(timeout_s)
        if ok:
            marker.touch()
        return ok


if __name__ == "__main__":
    compile_kernels()
