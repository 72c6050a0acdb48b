"""Where musicnn's per-file outputs are cached, without torch: the embed command writes the entries
(:mod:`musicgenre.backbones.musicnn.embed`), the library report reads their taggrams
(:func:`musicgenre.inference.library.tags_from_cache`) on a machine that may not have torch.

Layout (:class:`musicgenre.audio.cache.ContentCache`):
``<cache_dir>/<network>-v<EMBED_VERSION>/<hash[:2]>/<sha256>.npz`` holding every per-patch output
(:data:`ARRAYS`), so any layer, per track or per patch, comes from one entry.
"""

from __future__ import annotations

from pathlib import Path

from musicgenre.audio.cache import ContentCache

__all__ = ["ARRAYS", "EMBED_VERSION", "output_cache"]

#: Bump when the model outputs for the same file change (weights, input pipeline, which files are refused).
EMBED_VERSION = 2
#: The arrays of one file's entry: (patches, width) per layer, and each patch's start in seconds.
ARRAYS = ("taggram", "max_pool", "mean_pool", "penultimate", "patch_starts_s")


def output_cache(cache_dir: Path, network: str) -> ContentCache:
    """The entries of ``network`` (``MSD_musicnn``, ``MTT_musicnn``: :func:`~.config.model_config`'s ``name``) in
    ``cache_dir``."""
    return ContentCache(Path(cache_dir), f"{network}-v{EMBED_VERSION}", ARRAYS)
