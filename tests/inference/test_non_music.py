"""Steady tones and steady noise are told from music; real music is never flagged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soxr

from musicgenre.audio import load
from musicgenre.backbones.musicnn.preprocess import log_mel
from musicgenre.inference.examples import example_clips
from musicgenre.inference.non_music import STEADY_NOISE, STEADY_TONE, SteadinessMeter, steadiness

SR = 16000  # the musicnn log-mel's rate


def seconds(n: float) -> np.ndarray:
    return np.arange(int(n * SR)) / SR


def test_tones_and_hums_are_steady_tones():
    t = seconds(20)
    rng = np.random.default_rng(0)
    for y in (
        0.5 * np.sin(2 * np.pi * 440 * t),
        0.5 * np.sin(2 * np.pi * 55 * t),
        0.3 * np.sign(np.sin(2 * np.pi * 220 * t)),  # a square wave: harmonics, still one steady sound
        0.5 * np.sin(2 * np.pi * 1000 * t) + 0.01 * rng.standard_normal(t.size),
    ):
        assert steadiness(log_mel(y.astype(np.float32))) == STEADY_TONE


def test_white_and_uniform_noise_are_steady_noise():
    rng = np.random.default_rng(1)
    for y in (0.3 * rng.standard_normal(20 * SR), rng.uniform(-0.5, 0.5, 20 * SR)):
        assert steadiness(log_mel(y.astype(np.float32))) == STEADY_NOISE


def test_signals_that_change_are_not_flagged():
    t = seconds(20)
    rng = np.random.default_rng(2)
    bursts = rng.standard_normal(t.size) * (np.sin(2 * np.pi * 0.7 * t) > 0)  # noise switched on and off
    melody = np.sin(2 * np.pi * np.array([262, 330, 392, 523])[(t * 2).astype(int) % 4] * t)
    for y in (bursts, melody):
        assert steadiness(log_mel((0.3 * y).astype(np.float32))) is None


def test_the_package_example_clips_are_not_flagged():
    for clip in example_clips(seconds=20.0):
        assert steadiness(log_mel(soxr.resample(clip.signal, 22050, SR))) is None, clip.name


def test_no_real_clip_is_flagged(shared_audio: Path):
    flagged = [p.name for p in sorted(shared_audio.rglob("*.*")) if steadiness(log_mel(load(p, sr=SR)))]
    assert flagged == []


def test_blocks_give_the_whole_track_verdict():
    rng = np.random.default_rng(3)
    for y in (0.3 * rng.standard_normal(12 * SR), 0.5 * np.sin(2 * np.pi * 440 * seconds(12))):
        spec = log_mel(y.astype(np.float32))
        meter = SteadinessMeter()
        cuts = np.sort(rng.choice(np.arange(1, len(spec)), 7, replace=False))
        for part in np.split(spec, cuts):
            meter.add(part)
        assert meter.verdict() == steadiness(spec) is not None


def test_too_short_to_tell():
    assert steadiness(log_mel((0.5 * np.sin(2 * np.pi * 440 * seconds(1.5))).astype(np.float32))) is None


@pytest.mark.parametrize("level", [1e-3, 1.0])
def test_level_does_not_matter(level):
    y = (level * np.sin(2 * np.pi * 440 * seconds(10))).astype(np.float32)
    assert steadiness(log_mel(y)) == STEADY_TONE
