"""The training loop and its callbacks (early stopping with best-weights restore, reduce-LR-on-plateau)."""

from musicgenre.training.callbacks import EarlyStopping, ReduceLROnPlateau
from musicgenre.training.config import TrainConfig
from musicgenre.training.loop import HISTORY_COLUMNS, History, l2_penalty, train

__all__ = ["HISTORY_COLUMNS", "EarlyStopping", "History", "ReduceLROnPlateau", "TrainConfig", "l2_penalty", "train"]
