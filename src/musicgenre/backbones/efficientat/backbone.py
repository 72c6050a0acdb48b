"""EfficientAT's ``mn04_as`` as a :class:`~musicgenre.backbones.interface.Backbone` (``efficientat-as``), each
method handing over to the modules of this folder. Importing this module loads neither torch nor onnx nor
onnxruntime; the methods that run the network import them.

    AS.patches(y)                          # parts.patches_from_signal: (n, 1000, 128) float32, 10 s parts
    AS.embed_tracks(paths, "embedding")    # embed.embed_tracks (onnxruntime, the shipped graph): (n_files, 384)
    AS.network()                           # graph.network_from_graph: the torch module
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from musicgenre.backbones.efficientat.config import InputConfig
from musicgenre.backbones.interface import DEFAULT_CACHE_DIR, InputSpec, NoPublishedFeatures

if TYPE_CHECKING:
    from musicgenre.backbones.efficientat.network import EfficientAT
    from musicgenre.backbones.embedding import EmbedRun
    from musicgenre.datasets.taggrams import Taggrams
    from musicgenre.models.linear_head import LinearHead


@functools.cache
def _classes() -> tuple[str, ...]:
    from musicgenre.backbones.efficientat.graph import read_classes

    return read_classes()


@functools.cache
def _network() -> EfficientAT:
    from musicgenre.backbones.efficientat.graph import network_from_graph

    return network_from_graph()


@dataclass(frozen=True)
class EfficientATBackbone:
    """EfficientAT ``mn04_as`` under its public ``name``: 32 kHz, hop 320 (10 ms), 128 mel bands, consecutive
    1000-frame (10 s) parts; outputs the 527 AudioSet classes and a 384-wide embedding."""

    name: str = "efficientat-as"
    input: InputConfig = field(default_factory=InputConfig)

    @property
    def input_spec(self) -> InputSpec:
        cfg = self.input
        return InputSpec(cfg.sample_rate, cfg.hop_length, cfg.n_mels, cfg.part_frames, cfg.part_frames)

    @property
    def tags(self) -> tuple[str, ...]:
        """The 527 AudioSet class names in output order (``weights/audioset_classes.txt``)."""
        return _classes()

    @property
    def layers(self) -> Mapping[str, int]:
        """``embedding`` (384): the last convolution's mean over frequency and time, what the classifier reads."""
        from musicgenre.backbones.efficientat.embed import LAYERS

        return LAYERS

    def feature_names(self, layer: str) -> tuple[str, ...]:
        """``efficientat_mn04.embedding[i]``; for ``taggram`` the class names, each ``,`` written ``;`` (a Model
        file lists its feature names comma-separated, and 75 AudioSet names hold a comma)."""
        from musicgenre.backbones.efficientat.embed import NETWORK

        if layer == "taggram":
            return tuple(tag.replace(",", ";") for tag in self.tags)
        if layer not in self.layers:
            raise ValueError(f"unknown layer {layer!r}: choose one of {', '.join(self.layers)}")
        return tuple(f"{NETWORK}.{layer}[{i}]" for i in range(self.layers[layer]))

    def patches(self, y: np.ndarray) -> np.ndarray:
        """Consecutive 10 s parts of the log-mel ``(n, 1000, 128)`` float32; a last part of 1 s or more (or the
        whole of a shorter track) is kept and filled by repeating its own frames (:mod:`.parts`)."""
        from musicgenre.backbones.efficientat.parts import patches_from_signal

        return patches_from_signal(y, self.input)[0]

    def network(self) -> EfficientAT:
        """The torch module rebuilt from the shipped graph's parameters (eval mode; once per process)."""
        return _network()

    def embed_files(
        self,
        paths: Iterable[str | Path],
        *,
        cache_dir: Path | None = DEFAULT_CACHE_DIR,
        jobs: int = 1,
        progress: Callable[[int], object] | None = None,
    ) -> EmbedRun:
        """Per-part ``embedding`` and ``taggram`` of every file through the shipped graph (:mod:`.embed`)."""
        from musicgenre.backbones.efficientat.embed import embed_files

        return embed_files(paths, cache_dir=cache_dir, jobs=jobs, progress=progress)

    def embed_tracks(
        self,
        paths: Sequence[str | Path],
        layer: str,
        *,
        cache_dir: Path | None = DEFAULT_CACHE_DIR,
        jobs: int = 1,
        progress: Callable[[int], object] | None = None,
    ) -> np.ndarray:
        from musicgenre.backbones.efficientat.embed import embed_tracks

        return embed_tracks(paths, layer, cache_dir=cache_dir, jobs=jobs, progress=progress)

    def export_genre_graph(
        self, path: str | Path, head: LinearHead, *, name: str, extra: Mapping[str, str] | None = None
    ) -> Path:
        raise ValueError(
            f"{self.name}: no genre graph with a trained head; its genre models are the shipped efficientat / "
            "audioset-genres"
        )

    def load_published(self, folder: str | Path) -> Taggrams:
        raise NoPublishedFeatures(f"{self.name}: no published features (musicnn-msd has the GTZAN taggrams)")


AS = EfficientATBackbone()

__all__ = ["AS", "EfficientATBackbone"]
