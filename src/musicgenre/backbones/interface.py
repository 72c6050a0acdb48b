"""What every pretrained backbone offers, so callers use any backbone the same way and never name its folder.

A backbone offers its front end, its network, its embeddings, its ONNX export and its published features.
A new backbone is a folder beside ``musicnn/`` with one class satisfying :class:`Backbone`. It is registered by
name in :mod:`musicgenre.backbones.registry`. Callers (studies, ``learn``, the command line) reach it through
:func:`~musicgenre.backbones.registry.get_backbone` and never name its folder.

Numpy at the boundary: signals, patches and embeddings are numpy arrays. Only :meth:`Backbone.network` hands out
a torch module, and nothing here imports torch before a method that runs the network is called.

In use:

    backbone = get_backbone("musicnn-msd")
    backbone.input_spec.sample_rate                        # 16000 Hz: what patches() expects
    p = backbone.patches(y)                                # (n, patch_frames, n_bins) float32
    backbone.input_spec.patch_centres(len(p))              # (n,) seconds
    x = backbone.embed_tracks(paths, "max_pool")           # (n_files, 753) float32, cached per file content
    backbone.export_genre_graph("model.onnx", head, name="my-genres")
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from musicgenre.datasets.taggrams import Taggrams
    from musicgenre.models.linear_head import LinearHead

#: The folder under which backbones cache per-file outputs unless told otherwise; each backbone keeps its entries
#: in a subfolder named after its network and cache version, so several backbones can share it. (Its name is
#: historical: musicnn was the first backbone, and keeping the path keeps the caches users already have.)
DEFAULT_CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "musicgenre" / "musicnn"


class NoPublishedFeatures(ValueError):
    """A backbone has no published per-clip features to load; ``str()`` is one line naming the backbone."""


@dataclass(frozen=True)
class InputSpec:
    """How a backbone cuts a mono signal into the patches its network reads.

    Frames are centred: frame ``f`` is centred on sample ``f * hop_length``. Patch ``i`` covers frames
    ``[i * patch_hop, i * patch_hop + patch_frames)``; a signal shorter than one patch gives one (filled by the
    backbone's own rule, e.g. repetition).
    """

    sample_rate: int  # Hz of the mono signal patches() takes
    hop_length: int  # samples between frames
    n_bins: int  # frequency bins per frame (mel bands for a log-mel front end)
    patch_frames: int  # frames per patch
    patch_hop: int  # frames between patch starts

    def __post_init__(self) -> None:
        values = (self.sample_rate, self.hop_length, self.n_bins, self.patch_frames, self.patch_hop)
        if min(values) <= 0:
            raise ValueError(f"input spec numbers must be positive, got {self}")

    @property
    def patch_seconds(self) -> float:
        """Seconds one patch spans (``patch_frames`` frames)."""
        return self.patch_frames * self.hop_length / self.sample_rate

    @property
    def hop_seconds(self) -> float:
        """Seconds between patch starts."""
        return self.patch_hop * self.hop_length / self.sample_rate

    def patch_starts(self, n_patches: int) -> np.ndarray:
        """Start of each of ``n_patches`` patches in seconds ``(n_patches,)`` float64: its first frame's centre."""
        return np.arange(n_patches) * self.patch_hop * self.hop_length / self.sample_rate

    def patch_centres(self, n_patches: int) -> np.ndarray:
        """Centre of each of ``n_patches`` patches in seconds ``(n_patches,)`` float64, as the inference windows
        count them (:func:`musicgenre.models.windows.patch_centres`)."""
        from musicgenre.models.windows import patch_centres

        return patch_centres(n_patches, self.patch_hop, self.patch_frames, self.hop_length, self.sample_rate)


class TrackEmbedding(Protocol):
    """One file's per-patch outputs from :meth:`Backbone.embed_files` (``path``: local path or URL)."""

    @property
    def path(self) -> Path | str: ...

    def patches(self, layer: str) -> np.ndarray:
        """``(n_patches, width)`` float32 of ``layer`` (an embedding layer or ``"taggram"``)."""
        ...

    def track(self, layer: str) -> np.ndarray:
        """``(width,)``: the mean of ``layer`` over the file's patches."""
        ...


class EmbeddingFailure(Protocol):
    """A file that could not be embedded; ``str()`` is ``"<path>: <one-line reason>"``."""

    @property
    def path(self) -> Path | str: ...

    @property
    def reason(self) -> str: ...


class EmbeddingRun(Protocol):
    """What :meth:`Backbone.embed_files` returns: the embedded files in input order, and those that failed."""

    @property
    def tracks(self) -> Sequence[TrackEmbedding]: ...

    @property
    def failures(self) -> Sequence[EmbeddingFailure]: ...


@runtime_checkable
class Backbone(Protocol):
    """A pretrained network over audio patches, with everything the package needs from it.

    ``name`` is the public name (``"musicnn-msd"``: the command line's ``--backbone`` and the study's view name);
    ``tags`` the names of the network's outputs, in order (its ``taggram`` columns); ``layers`` the embedding
    layers, name -> width, the first being the default.
    """

    @property
    def name(self) -> str: ...

    @property
    def input_spec(self) -> InputSpec: ...

    @property
    def tags(self) -> tuple[str, ...]: ...

    @property
    def layers(self) -> Mapping[str, int]: ...

    def feature_names(self, layer: str) -> tuple[str, ...]:
        """Column names of a track embedding of ``layer``, ``(width,)`` (e.g. ``"MSD_musicnn.max_pool[0]"``)."""
        ...

    def patches(self, y: np.ndarray) -> np.ndarray:
        """Mono signal ``(samples,)`` at ``input_spec.sample_rate`` Hz -> the network's input patches
        ``(n_patches, patch_frames, n_bins)`` float32."""
        ...

    def network(self) -> Any:
        """The pretrained torch module in eval mode (imports torch; loaded once per process)."""
        ...

    def embed_files(
        self,
        paths: Iterable[str | Path],
        *,
        cache_dir: Path | None = DEFAULT_CACHE_DIR,
        jobs: int = 1,
        progress: Callable[[int], object] | None = None,
    ) -> EmbeddingRun:
        """Per-patch outputs of every audio file named by ``paths`` (files, folders, glob patterns, URLs), cached
        by file content in ``cache_dir`` (``None``: no cache), on ``jobs`` processes; ``progress(1)`` after each
        file. A file that cannot be embedded is a failure of the run, not an exception."""
        ...

    def embed_tracks(
        self,
        paths: Sequence[str | Path],
        layer: str,
        *,
        cache_dir: Path | None = DEFAULT_CACHE_DIR,
        jobs: int = 1,
        progress: Callable[[int], object] | None = None,
    ) -> np.ndarray:
        """Track embeddings ``(len(paths), layers[layer])`` float32 (mean over patches), rows in the order of
        ``paths`` (audio files). Raises :class:`~musicgenre.audio.AudioError` naming the first file that failed."""
        ...

    def export_genre_graph(
        self, path: str | Path, head: LinearHead, *, name: str, extra: Mapping[str, str] | None = None
    ) -> Path:
        """Write one ONNX Model file (DEVELOPING.md, Model file) holding the network and ``head`` over its tag
        statistics, named ``name``, ``extra`` added to its metadata; parents created; returns ``path``."""
        ...

    def load_published(self, folder: str | Path) -> Taggrams:
        """Published per-frame outputs of labelled clips in ``folder`` (frames ``(n_frames, len(tags))``).
        Raises :class:`NoPublishedFeatures` for a backbone that has none, ValueError for a bad folder."""
        ...


__all__ = [
    "DEFAULT_CACHE_DIR",
    "Backbone",
    "EmbeddingFailure",
    "EmbeddingRun",
    "InputSpec",
    "NoPublishedFeatures",
    "TrackEmbedding",
]
