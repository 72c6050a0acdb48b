"""Fixtures that build tiny GTZAN-shaped and labelled-folder trees from synthesized audio."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from signals import SR, tone, write


def _clip(path: Path, seconds: float = 0.1, freq: float = 440.0, sr: int = SR) -> Path:
    """A short tone written to ``path`` (format from the extension), folders created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write(path, tone(freq, seconds, sr), sr)


def _gtzan_tree(base: Path, ids: list[str], extension: str = ".wav", seconds: float = 0.1) -> Path:
    """``base/<genre>/<id><extension>`` for each id; a different pitch per clip so no two are identical."""
    for i, clip_id in enumerate(ids):
        _clip(base / clip_id.split(".")[0] / f"{clip_id}{extension}", seconds, 200.0 + 10 * i)
    return base


@pytest.fixture()
def clip() -> Callable[..., Path]:
    return _clip


@pytest.fixture()
def gtzan_tree() -> Callable[..., Path]:
    return _gtzan_tree
