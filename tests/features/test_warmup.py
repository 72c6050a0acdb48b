"""The numba warm-up compiles every cached kernel the feature pipeline uses, so pools only ever load them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXTRACT_ALL = """
import numpy as np, warnings
warnings.simplefilter("ignore")
from musicgenre.features.recipes import RECIPES
from musicgenre.features import families
y = np.random.default_rng(1).standard_normal(22050 * 5).astype(np.float32) * 0.1
for recipe in RECIPES.values():
    recipe(y, 22050)
for family in (families.log_mel, families.mfcc, families.chroma_stft, families.chroma_cqt,
               families.spectral_contrast, families.tonnetz):
    family(y=y, sr=22050)
"""


def _python(code: str, cache: Path) -> None:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=600)


@pytest.mark.slow
def test_warm_up_leaves_nothing_for_workers_to_compile(tmp_path):
    _python("from musicgenre.features.warmup import warm_numba_cache; assert warm_numba_cache()", tmp_path)
    after_warm_up = _compiled(tmp_path)
    assert any(p.name.startswith("guf-") for p in after_warm_up), "no gufunc kernel was cached"
    _python(EXTRACT_ALL, tmp_path)  # what a pool worker does, with another signal
    assert _compiled(tmp_path) == after_warm_up


def _compiled(cache: Path) -> set[Path]:
    """Every compiled signature in the cache (one ``.nbc`` each, listed in its kernel's ``.nbi``)."""
    return {p.relative_to(cache) for p in cache.rglob("*.nbc")}
