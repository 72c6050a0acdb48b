"""The one training loop every network of the zoo goes through.

Mini-batch training with cross-entropy, optional Keras-style L2 penalty, early stopping on
validation loss (best weights restored) and reduce-LR-on-plateau; deterministic for a seed on CPU.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from musicgenre.training.callbacks import EarlyStopping, ReduceLROnPlateau
from musicgenre.training.config import TrainConfig

#: one row per epoch: epoch, train_loss, val_loss, train_accuracy, val_accuracy, lr
HISTORY_COLUMNS = ("epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr")


@dataclass
class History:
    """Per-epoch record of a training run; ``best_epoch`` is the one whose weights were kept."""

    rows: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False
    lr_reductions: int = 0

    def column(self, name: str) -> np.ndarray:
        return np.array([row[name] for row in self.rows], dtype=float)


def make_optimizer(params, config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(params, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


def l2_penalty(model: nn.Module) -> torch.Tensor:
    """Sum of squared kernel weights (Linear/Conv ``weight``s, not biases or BN), as Keras' ``l2``."""
    terms = [m.weight.pow(2).sum() for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d))]
    return torch.stack(terms).sum() if terms else torch.zeros(())


def _evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 512) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` in eval mode on ``(x, y)``."""
    model.eval()
    losses, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(x), batch):
            logits = model(x[start : start + batch])
            target = y[start : start + batch]
            losses += nn.functional.cross_entropy(logits, target, reduction="sum").item()
            correct += int((logits.argmax(1) == target).sum())
    return losses / len(x), correct / len(x)


def train(
    model: nn.Module,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray | None,
    y_val: np.ndarray | None,
    config: TrainConfig,
    *,
    l2: float = 0.0,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
) -> History:
    """Train ``model`` (returns logits ``(n, 10)``) in place; return its :class:`History`.

    ``x_*`` are float32 arrays whose first axis is the sample, ``y_*`` int class indices ``(n,)``.
    Without a validation set the callbacks are off and all ``config.epochs`` run.
    """
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    xt, yt = torch.as_tensor(x_train, dtype=torch.float32), torch.as_tensor(y_train, dtype=torch.long)
    has_val = x_val is not None and y_val is not None and len(x_val) > 0
    if has_val:
        xv, yv = torch.as_tensor(x_val, dtype=torch.float32), torch.as_tensor(y_val, dtype=torch.long)
    optimizer = make_optimizer(model.parameters(), config)
    stopper = EarlyStopping(config.early_stopping_patience) if has_val and config.early_stopping_patience else None
    reducer = (
        ReduceLROnPlateau(optimizer, config.reduce_lr_patience, config.reduce_lr_factor, config.min_lr)
        if has_val and config.reduce_lr_patience
        else None
    )
    history = History()
    n = len(xt)
    n_batches = math.ceil(n / config.batch_size)
    for epoch in range(1, config.epochs + 1):
        model.train()
        order = torch.randperm(n, generator=generator)
        total, correct = 0.0, 0
        for b in range(n_batches):
            idx = order[b * config.batch_size : (b + 1) * config.batch_size]
            if len(idx) < 2 and n > 1:  # BatchNorm cannot train on a single sample
                continue
            logits = model(xt[idx])
            loss = nn.functional.cross_entropy(logits, yt[idx])
            total += loss.item() * len(idx)
            correct += int((logits.argmax(1) == yt[idx]).sum())
            if l2:
                loss = loss + l2 * l2_penalty(model)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        lr = optimizer.param_groups[0]["lr"]
        val_loss, val_acc = _evaluate(model, xv, yv) if has_val else (float("nan"), float("nan"))
        row = {
            "epoch": epoch,
            "train_loss": total / n,
            "val_loss": val_loss,
            "train_accuracy": correct / n,
            "val_accuracy": val_acc,
            "lr": lr,
        }
        history.rows.append(row)
        if on_epoch:
            on_epoch(row)
        if reducer is not None and reducer.step(val_loss):
            history.lr_reductions += 1
        if stopper is not None and stopper.step(epoch, val_loss, model):
            history.stopped_early = True
            break
    if stopper is not None and config.restore_best:
        stopper.restore(model)
        history.best_epoch = stopper.best_epoch
    else:
        history.best_epoch = len(history.rows)
    model.eval()
    return history
