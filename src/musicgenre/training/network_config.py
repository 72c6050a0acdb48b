"""Declarative network configs: one TOML file per zoo entry in ``training/zoo/``.

A config names the architecture (``kind``), the input view it consumes (``inputs``), its layers and
regularisation, and a ``[train]`` table for :class:`musicgenre.training.TrainConfig`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from importlib import resources
from typing import Any, Literal

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

from musicgenre.training.config import TrainConfig

Kind = Literal["mlp", "cnn1d", "cnn2d"]
#: input views: per-track vectors (table or audio) and per-segment matrices (audio only)
InputView = Literal["mfcc40", "kaggle57", "mfcc_frames", "logmel"]
TABLE_VIEWS = ("mfcc40", "kaggle57")
SEGMENT_VIEWS = ("mfcc_frames", "logmel")


@dataclass(frozen=True)
class NetworkConfig:
    """One network of the zoo.

    For ``mlp`` ``hidden`` are the Dense widths; for CNNs they are the conv channels of each block
    (conv -> [BN] -> ReLU -> max-pool 2) and ``dense`` the widths of the head after ``pooling``
    (``flatten`` keeps every position, ``gap`` averages them away).
    """

    name: str
    kind: Kind
    inputs: InputView
    hidden: tuple[int, ...]
    description: str = ""
    dense: tuple[int, ...] = ()
    batchnorm: bool = True
    dropout: float = 0.0
    l2: float = 0.0
    pooling: Literal["flatten", "gap"] = "gap"
    kernel_size: int = 3
    #: input scaling fitted on train: ``standard`` (z-score) or ``power`` (Yeo-Johnson, then z-score; vectors only)
    scaler: Literal["standard", "power"] = "standard"
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        if self.kind not in ("mlp", "cnn1d", "cnn2d"):
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        if self.inputs not in TABLE_VIEWS + SEGMENT_VIEWS:
            raise ValueError(f"{self.name}: unknown inputs {self.inputs!r}")
        if self.kind != "mlp" and self.inputs not in SEGMENT_VIEWS:
            raise ValueError(f"{self.name}: a CNN needs frames or a spectrogram, not {self.inputs!r}")
        if self.scaler not in ("standard", "power") or (self.scaler == "power" and self.kind != "mlp"):
            raise ValueError(f"{self.name}: scaler must be standard, or power for an mlp")
        if self.pooling not in ("flatten", "gap"):
            raise ValueError(f"{self.name}: pooling must be flatten or gap")

    @property
    def needs_audio(self) -> bool:
        """True for models over frames/spectrograms: they only run on an audio dataset."""
        return self.inputs in SEGMENT_VIEWS

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> NetworkConfig:
        values = dict(values)
        train = TrainConfig.from_dict(values.pop("train", {}))
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"{values.get('name')}: unknown keys {sorted(unknown)}")
        for key in ("hidden", "dense"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(train=train, **values)


def load_zoo_configs() -> dict[str, NetworkConfig]:
    """Every ``training/zoo/*.toml`` shipped in the package, by name (file order is alphabetical)."""
    folder = resources.files("musicgenre.training").joinpath("zoo")
    configs: dict[str, NetworkConfig] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            config = NetworkConfig.from_dict(tomllib.loads(entry.read_text()))
            configs[config.name] = config
    return configs
