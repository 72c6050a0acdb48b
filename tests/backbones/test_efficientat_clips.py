"""The 23 real GTZAN clips through OUR decoder, front end and shipped graph against upstream's probabilities.

Upstream decoded each clip with ``librosa.load(path, sr=32000)``, cut it into three 10 s windows (the last
zero-padded) and averaged the windows' sigmoid outputs (``../shared/efficientat/reference_outputs.npz``). We
decode with our own reader (libsndfile or FFmpeg, then soxr, as librosa resamples) and compute the rest with our
numpy front end and the ONNX graph. Measured (2026-12, x86-64): largest gap 2.3e-6 in probability, median 3.9e-7;
the top class and the ten-genre answer agree on all 23 clips. The bound below allows the decoders' float32
resampling to differ too: a probability moves by at most a quarter of its logit's move.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from musicgenre.audio import load
from musicgenre.backbones.efficientat.frontend import log_mel
from musicgenre.backbones.efficientat.graph import GRAPH_PATH, run_graph
from musicgenre.backbones.efficientat.vocabulary import genre_scores
from musicgenre.models.sessions import ort_session

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
REFERENCE = SHARED / "efficientat" / "reference_outputs.npz"
PROBABILITY_ATOL = 1e-4


@pytest.fixture(scope="module")
def reference():
    if not REFERENCE.is_file():
        pytest.skip(f"EfficientAT's reference outputs not found at {REFERENCE}")
    return np.load(REFERENCE, allow_pickle=False)


def upstream_windows(y: np.ndarray, seconds: int = 10, sr: int = 32000, count: int = 3) -> np.ndarray:
    """Three 10 s windows of a clip, the last zero-padded, as upstream's reference cut them: ``(3, 320000)``."""
    n = seconds * sr
    return np.stack([np.pad(y[i * n : (i + 1) * n], (0, n - y[i * n : (i + 1) * n].size)) for i in range(count)])


def test_23_clips_agree_with_upstream(reference, shared_audio):
    session = ort_session(GRAPH_PATH)
    labels = [str(x) for x in reference["labels"]]
    worst = 0.0
    for name, expected in zip(reference["clip_files"], reference["clip_probabilities"], strict=True):
        y = load(shared_audio / str(name), sr=32000)
        mel = np.stack([log_mel(w) for w in upstream_windows(y)])
        logits, _ = run_graph(session, mel)
        ours = (1 / (1 + np.exp(-logits.astype(np.float64)))).mean(axis=0)
        gap = float(np.abs(ours - expected).max())
        worst = max(worst, gap)
        assert gap <= PROBABILITY_ATOL, f"{name}: probabilities differ by {gap:.3g}"
        assert ours.argmax() == expected.argmax(), name
        assert genre_scores(ours[None], labels).argmax() == genre_scores(expected[None], labels).argmax(), name
    print(f"largest probability gap over 23 clips: {worst:.3g}")
