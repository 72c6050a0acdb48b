"""How a network is trained: one typed configuration for the seed's knobs."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

Optimizer = Literal["adam", "adamw", "sgd"]


@dataclass(frozen=True)
class TrainConfig:
    """Knobs of :func:`musicgenre.training.train`.

    ``weight_decay`` is the optimizer's decoupled/coupled decay; the Keras-style L2 penalty on
    kernels lives in the network config (``l2``) because it is part of the model, not the optimizer.
    ``early_stopping_patience``/``reduce_lr_patience`` of ``None`` switch the callback off.
    """

    epochs: int = 100
    batch_size: int = 32
    optimizer: Optimizer = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    early_stopping_patience: int | None = 10
    restore_best: bool = True
    reduce_lr_patience: int | None = None
    reduce_lr_factor: float = 0.5
    min_lr: float = 1e-5
    seed: int = 0

    def __post_init__(self) -> None:
        if self.optimizer not in ("adam", "adamw", "sgd"):
            raise ValueError(f"unknown optimizer {self.optimizer!r} (adam, adamw, sgd)")
        if self.epochs < 1 or self.batch_size < 1 or self.lr <= 0:
            raise ValueError("epochs, batch_size and lr must be positive")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Build from a TOML table, rejecting unknown keys (a typo must not pass silently)."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown training keys: {sorted(unknown)}")
        return cls(**values)

    def with_(self, **changes: Any) -> TrainConfig:
        return replace(self, **changes)
