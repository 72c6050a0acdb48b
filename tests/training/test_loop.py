"""The training loop: early stopping restores the best epoch, reduce-LR fires, runs are deterministic."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from musicgenre.training import EarlyStopping, ReduceLROnPlateau, TrainConfig, l2_penalty, train
from musicgenre.training.loop import _evaluate

torch.set_num_threads(1)


def _blobs(n: int, seed: int, d: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Ten Gaussian blobs in ``d`` dimensions: ``x (n, d)`` float32, ``y (n,)``."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(99).normal(0, 2.0, size=(10, d))
    y = rng.integers(0, 10, n)
    return (centres[y] + rng.normal(0, 1.5, size=(n, d))).astype(np.float32), y


def _net(d: int = 8) -> nn.Module:
    return nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 10))


def test_early_stopping_callback_keeps_weights_of_the_best_epoch():
    model = nn.Linear(2, 2)
    stopper = EarlyStopping(patience=2)
    losses = [1.0, 0.5, 0.7, 0.9]
    stopped = []
    for epoch, loss in enumerate(losses, 1):
        with torch.no_grad():
            model.weight.fill_(float(epoch))
        stopped.append(stopper.step(epoch, loss, model))
    assert stopped == [False, False, False, True]
    assert stopper.best_epoch == 2
    stopper.restore(model)
    assert torch.all(model.weight == 2.0)


def test_train_restores_the_epoch_with_the_lowest_validation_loss():
    # noisy labels on few samples: a wide net overfits and the validation loss turns up
    x, y = _blobs(60, 0)
    y = np.where(np.random.default_rng(1).random(60) < 0.5, np.random.default_rng(2).integers(0, 10, 60), y)
    xv, yv = _blobs(200, 3)
    torch.manual_seed(0)
    model = _net()
    history = train(model, x, y, xv, yv, TrainConfig(epochs=300, batch_size=16, lr=3e-3, early_stopping_patience=5))
    val = history.column("val_loss")
    assert history.stopped_early and len(val) < 300
    assert history.best_epoch == int(np.argmin(val)) + 1
    assert len(val) - history.best_epoch == 5  # stopped exactly `patience` epochs after the best
    restored_loss, _ = _evaluate(model, torch.from_numpy(xv), torch.from_numpy(yv).long())
    assert restored_loss == pytest.approx(val.min(), rel=1e-5)


def test_reduce_lr_callback_fires_after_patience_epochs_without_improvement():
    optimizer = torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)
    reducer = ReduceLROnPlateau(optimizer, patience=2, factor=0.5, min_lr=0.02)
    fired = [reducer.step(loss) for loss in [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6, 0.6]]
    assert fired == [False, False, True, False, True, False, False, True, False, False]
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.02)  # 0.1 -> 0.05 -> 0.025 -> floor 0.02


def test_train_reduces_the_learning_rate_on_a_plateau():
    x, y = _blobs(60, 0)
    xv, yv = _blobs(100, 3)
    yv = np.random.default_rng(4).integers(0, 10, 100)  # unlearnable validation: loss plateaus/rises
    history = train(
        _net(),
        x,
        y,
        xv,
        yv,
        TrainConfig(epochs=25, lr=1e-2, early_stopping_patience=None, reduce_lr_patience=2, reduce_lr_factor=0.5),
    )
    lrs = history.column("lr")
    assert history.lr_reductions >= 1
    assert lrs[-1] < lrs[0] and np.all(np.diff(lrs) <= 0)


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd"])
def test_same_seed_same_run(optimizer):
    x, y = _blobs(80, 0)
    xv, yv = _blobs(40, 1)
    config = TrainConfig(epochs=5, optimizer=optimizer, lr=1e-2, seed=7)
    runs = []
    for _ in range(2):
        torch.manual_seed(7)
        model = _net()
        history = train(model, x, y, xv, yv, config)
        runs.append((history.column("train_loss"), torch.cat([p.flatten() for p in model.parameters()])))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert torch.equal(runs[0][1], runs[1][1])
    assert runs[0][0][-1] < runs[0][0][0]  # it learns


def test_l2_penalty_shrinks_the_weights():
    x, y = _blobs(100, 0)
    norms = []
    for l2 in (0.0, 0.01):
        torch.manual_seed(0)
        model = _net()
        train(model, x, y, None, None, TrainConfig(epochs=20, lr=1e-2), l2=l2)
        norms.append(float(l2_penalty(model).detach()))
    assert norms[1] < 0.5 * norms[0]


def test_history_without_validation_runs_every_epoch():
    x, y = _blobs(40, 0)
    history = train(_net(), x, y, None, None, TrainConfig(epochs=4))
    assert [r["epoch"] for r in history.rows] == [1, 2, 3, 4]
    assert history.best_epoch == 4 and np.isnan(history.column("val_loss")).all()


def test_config_rejects_unknown_keys_and_optimizers():
    with pytest.raises(ValueError, match="unknown training keys"):
        TrainConfig.from_dict({"epochz": 3})
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="rmsprop")  # type: ignore[arg-type]
