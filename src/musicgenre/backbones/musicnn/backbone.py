"""musicnn as a :class:`~musicgenre.backbones.interface.Backbone`: MSD_musicnn and MTT_musicnn, each method handing
over to the modules of this folder. Importing this module loads neither torch nor librosa; the methods that need
them import them.

    MSD.patches(y)                         # preprocess.patches_from_signal: (n, 187, 96) float32
    MSD.embed_tracks(paths, "max_pool")    # embed.embed_dataset: (n_files, 753)
    MSD.export_genre_graph(path, head, name="my-genres")   # genre_graph.export_onnx
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from musicgenre.backbones.interface import DEFAULT_CACHE_DIR, InputSpec, NoPublishedFeatures
from musicgenre.backbones.musicnn.config import InputConfig, MusicnnConfig, model_config

if TYPE_CHECKING:
    from musicgenre.backbones.musicnn.embed import EmbedRun
    from musicgenre.backbones.musicnn.model import Musicnn
    from musicgenre.datasets.taggrams import Taggrams
    from musicgenre.models.linear_head import LinearHead


@dataclass(frozen=True)
class MusicnnBackbone:
    """One musicnn network (``model``: ``"msd"`` or ``"mtt"``) under its public ``name``, with the default input
    (16 kHz, hop 256, 96 mel bands, non-overlapping 187-frame patches)."""

    name: str
    model: str
    input: InputConfig = field(default_factory=InputConfig)

    @property
    def config(self) -> MusicnnConfig:
        """Layer sizes and tags of the network."""
        return model_config(self.model)

    @property
    def input_spec(self) -> InputSpec:
        cfg = self.input
        return InputSpec(cfg.sample_rate, cfg.hop_length, cfg.n_mels, cfg.patch_frames, cfg.patch_hop)

    @property
    def tags(self) -> tuple[str, ...]:
        return self.config.tags

    @property
    def layers(self) -> Mapping[str, int]:
        """``max_pool``, ``mean_pool`` (753) and ``penultimate`` (200), as :data:`~.extract.LAYERS`."""
        cfg = self.config
        return MappingProxyType({"max_pool": cfg.pool_dim, "mean_pool": cfg.pool_dim, "penultimate": cfg.backend_units})

    def feature_names(self, layer: str) -> tuple[str, ...]:
        width = self._width(layer)
        return tuple(f"{self.config.name}.{layer}[{i}]" for i in range(width))

    def patches(self, y: np.ndarray) -> np.ndarray:
        from musicgenre.backbones.musicnn.preprocess import patches_from_signal

        return patches_from_signal(y, self.input)

    def network(self) -> Musicnn:
        from musicgenre.backbones.musicnn.extract import load_network

        return load_network(self.model)

    def embed_files(
        self,
        paths: Iterable[str | Path],
        *,
        cache_dir: Path | None = DEFAULT_CACHE_DIR,
        jobs: int = 1,
        progress: Callable[[int], object] | None = None,
    ) -> EmbedRun:
        from musicgenre.backbones.musicnn.embed import EmbedConfig, embed_files

        return embed_files(paths, EmbedConfig(model=self.model, cache_dir=cache_dir, jobs=jobs), progress=progress)

    def embed_tracks(
        self,
        paths: Sequence[str | Path],
        layer: str,
        *,
        cache_dir: Path | None = DEFAULT_CACHE_DIR,
        jobs: int = 1,
        progress: Callable[[int], object] | None = None,
    ) -> np.ndarray:
        from musicgenre.backbones.musicnn.embed import embed_dataset

        return embed_dataset(paths, layer=layer, model=self.model, jobs=jobs, cache_dir=cache_dir, progress=progress)

    def export_genre_graph(
        self, path: str | Path, head: LinearHead, *, name: str, extra: Mapping[str, str] | None = None
    ) -> Path:
        """:func:`~.genre_graph.export_onnx`; the graph is MSD_musicnn's, so only ``musicnn-msd`` has one."""
        if self.model != "msd":
            raise ValueError(f"{self.name}: no genre graph (only musicnn-msd exports one)")
        from musicgenre.backbones.musicnn.genre_graph import export_onnx

        return export_onnx(path, head, name, extra, cfg=self.input)

    def load_published(self, folder: str | Path) -> Taggrams:
        """The MSD_musicnn taggrams of GTZAN published with sklearn-audio-transfer-learning
        (:func:`~musicgenre.datasets.taggrams.load_taggram_dir`); MTT_musicnn has none."""
        if self.model != "msd":
            raise NoPublishedFeatures(f"{self.name}: no published features (musicnn-msd has the GTZAN taggrams)")
        from musicgenre.datasets.taggrams import load_taggram_dir

        return load_taggram_dir(folder)

    def _width(self, layer: str) -> int:
        if layer == "taggram":
            return len(self.tags)
        if layer not in self.layers:
            raise ValueError(f"unknown layer {layer!r}: choose one of {', '.join(self.layers)}")
        return self.layers[layer]


MSD = MusicnnBackbone("musicnn-msd", "msd")
MTT = MusicnnBackbone("musicnn-mtt", "mtt")

__all__ = ["MSD", "MTT", "MusicnnBackbone"]
