"""The streamed log-mel equals the whole track's, however the track is cut into pieces."""

from __future__ import annotations

import numpy as np
import pytest
from signals import music

from musicgenre.backbones.efficientat.frontend import log_mel, n_frames
from musicgenre.backbones.efficientat.stream import LogMelStream

SR = 32000
#: The streamed frames come from the same float32 STFT; only the mel product's summation order can change with
#: the number of frames per call: a few units in the last place of values up to ~3.
ATOL = 2e-6


def stream(y: np.ndarray, sizes: list[int]) -> np.ndarray:
    s, out, i = LogMelStream(), [], 0
    for size in sizes:
        out.append(s.push(y[i : i + size]))
        i += size
    out.append(s.push(y[i:]))
    out.append(s.finish())
    return np.concatenate(out, axis=1)


@pytest.mark.parametrize("seconds", [0.06, 0.1, 1.0, 10.0, 31.3])
def test_streamed_frames_equal_the_whole_tracks(seconds):
    y = music(seconds, SR)
    whole = log_mel(y)
    assert whole.shape == (128, n_frames(y.size))
    rng = np.random.default_rng(int(seconds * 10))
    for _ in range(3):
        sizes = list(rng.integers(1, 40000, size=60))
        got = stream(y, sizes)
        assert got.shape == whole.shape
        np.testing.assert_allclose(got, whole, rtol=0, atol=ATOL)


def test_ten_seconds_give_a_thousand_frames():
    assert n_frames(10 * SR) == 1000 and n_frames(30 * SR) == 3000


def test_empty_pieces_and_an_empty_track():
    s = LogMelStream()
    assert s.push(np.zeros(0, np.float32)).shape == (128, 0)
    assert s.finish().shape == (128, 0)
