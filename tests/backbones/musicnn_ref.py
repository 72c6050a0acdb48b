"""Where the musicnn reference fixtures lie and how to read them (see tools/musicnn_reference.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = json.loads((FIXTURES / "musicnn_reference.json").read_text())


def reference(clip: str, model: str) -> dict[str, np.ndarray]:
    """Outputs of the original musicnn under TensorFlow for one clip and model."""
    with np.load(FIXTURES / f"musicnn_{clip}_{model}.npz") as data:
        return {k: data[k] for k in data.files}
