"""Callbacks of the training loop: early stopping with best-weights restore, reduce-LR-on-plateau.

Both watch the validation loss once per epoch; they are plain objects so a test can drive them
with a scripted loss sequence.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch


@dataclass
class EarlyStopping:
    """Stop after ``patience`` epochs without a val-loss improvement; remember the best weights."""

    patience: int
    min_delta: float = 0.0
    best_loss: float = float("inf")
    best_epoch: int = 0
    best_state: dict | None = field(default=None, repr=False)
    _wait: int = 0

    def step(self, epoch: int, val_loss: float, model: torch.nn.Module) -> bool:
        """Record epoch ``epoch`` (1-based); return True when training should stop."""
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self._wait = val_loss, epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
            return False
        self._wait += 1
        return self._wait >= self.patience

    def restore(self, model: torch.nn.Module) -> None:
        if self.best_state is not None:
            model.load_state_dict(self.best_state)


@dataclass
class ReduceLROnPlateau:
    """Multiply every param group's lr by ``factor`` after ``patience`` epochs without improvement."""

    optimizer: torch.optim.Optimizer
    patience: int
    factor: float = 0.5
    min_lr: float = 1e-5
    best_loss: float = float("inf")
    reductions: int = 0
    _wait: int = 0

    def step(self, val_loss: float) -> bool:
        """Return True when the learning rate was reduced at this epoch."""
        if val_loss < self.best_loss:
            self.best_loss, self._wait = val_loss, 0
            return False
        self._wait += 1
        if self._wait < self.patience:
            return False
        self._wait = 0
        reduced = False
        for group in self.optimizer.param_groups:
            new = max(group["lr"] * self.factor, self.min_lr)
            if new < group["lr"]:
                group["lr"], reduced = new, True
        self.reductions += int(reduced)
        return reduced
