"""Time–frequency pictures of a clip: log-mel spectrogram and the four feature images, as arrays.

These are the figure builders' inputs, computed with :mod:`musicgenre.features` (librosa's defaults:
n_fft 2048, hop 512) from one shared STFT per clip.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import librosa
import numpy as np

from musicgenre.audio import AudioError, is_silent
from musicgenre.features import families
from musicgenre.features.spectrum import magnitude
from musicgenre.visualization.clips import Clip

N_FFT = families.N_FFT
HOP = families.HOP_LENGTH
N_MELS = 128
N_MFCC = 20


@dataclass(frozen=True)
class MelImage:
    """A log-mel spectrogram.

    ``db``: shape ``(n_mels, n_frames)`` in dB relative to the clip's peak power (max 0 dB);
    frame ``t`` is centred at ``offset_s + t * hop / sr`` seconds; mel bands span ``fmin``..``fmax`` Hz.
    """

    db: np.ndarray
    sr: int
    hop: int
    fmin: float
    fmax: float
    name: str = ""
    genre: str | None = None
    offset_s: float = 0.0
    silent: bool = False  # the clip holds no audible signal (then ``db`` is -80 everywhere)
    end_s: float | None = None  # where the clip ends (s): the last column is drawn up to it

    @property
    def times(self) -> np.ndarray:
        """Frame centres in seconds, shape ``(n_frames,)``."""
        return self.offset_s + np.arange(self.db.shape[1]) * self.hop / self.sr

    @property
    def band_hz(self) -> np.ndarray:
        """Centre frequency of each mel band in Hz, shape ``(n_mels,)``."""
        return librosa.mel_frequencies(n_mels=self.db.shape[0] + 2, fmin=self.fmin, fmax=self.fmax)[1:-1]


@dataclass(frozen=True)
class ClipFeatures:
    """The four feature images of one clip, each ``(n_rows, n_frames)`` on the same frames (hop / sr seconds apart).

    ``mfcc`` (20 coefficients), ``chroma`` (12 pitch classes C..B, 0–1), ``contrast`` (7 rows: 6 octave
    sub-bands from 200 Hz plus the top band, dB), ``tonnetz`` (6 rows: fifths x/y, minor thirds x/y,
    major thirds x/y, each in -1..1).
    """

    mfcc: np.ndarray
    chroma: np.ndarray
    contrast: np.ndarray
    tonnetz: np.ndarray
    sr: int
    hop: int
    name: str = ""
    genre: str | None = None
    offset_s: float = 0.0
    silent: bool = False

    @property
    def times(self) -> np.ndarray:
        """Frame centres in seconds, shape ``(n_frames,)``."""
        return self.offset_s + np.arange(self.mfcc.shape[1]) * self.hop / self.sr


def check_drawable(clip: Clip) -> None:
    """Raise :class:`AudioError` (one line naming the file) when ``clip`` is shorter than one analysis frame."""
    if clip.y.size < N_FFT:
        raise AudioError(
            clip.source or clip.name,
            f"too short to draw: {clip.duration_s:.3f} s (at least {N_FFT / clip.sr:.3f} s needed)",
        )


def mel_image(clip: Clip, n_mels: int = N_MELS, fmax: float | None = None) -> MelImage:
    """Log-mel spectrogram of ``clip`` in dB re. the clip's peak (0 dB at the loudest cell, floored at -80 dB)."""
    check_drawable(clip)
    fmax = fmax or clip.sr / 2
    db = families.log_mel(clip.y, sr=clip.sr, n_fft=N_FFT, hop_length=HOP, n_mels=n_mels, fmax=fmax, top_db=80.0)
    silent = is_silent(clip.y)
    db = np.full_like(db, -80.0) if silent else db - db.max()  # silence is the floor, not "0 dB re. its own peak"
    return MelImage(
        db=db.astype(np.float32),
        sr=clip.sr,
        hop=HOP,
        fmin=0.0,
        fmax=float(fmax),
        name=clip.name,
        genre=clip.genre,
        offset_s=clip.offset_s,
        silent=silent,
        end_s=clip.offset_s + clip.duration_s,
    )


def clip_features(clip: Clip) -> ClipFeatures:
    """MFCC (20), chroma (STFT), spectral contrast and tonnetz of ``clip`` via :mod:`musicgenre.features`,
    trimmed to their common frames."""
    check_drawable(clip)
    y, sr = clip.y, clip.sr
    with warnings.catch_warnings():
        # the CQT's lowest octaves warn on clips under a few seconds, tuning estimation on silence: harmless for a
        # picture
        warnings.filterwarnings("ignore", message="n_fft=.* is too large for input signal", category=UserWarning)
        warnings.filterwarnings(
            "ignore", message="Trying to estimate tuning from empty frequency set", category=UserWarning
        )
        power = magnitude(y, n_fft=N_FFT, hop_length=HOP, power=2.0)
        mfcc = families.mfcc(sr=sr, S=families.log_mel(sr=sr, S=power, n_fft=N_FFT), n_mfcc=N_MFCC)
        chroma = families.chroma_stft(sr=sr, S=power, n_fft=N_FFT)
        contrast = families.spectral_contrast(sr=sr, S=np.sqrt(power), n_fft=N_FFT)
        tonnetz = families.tonnetz(y, sr=sr, hop_length=HOP)
    n = min(a.shape[1] for a in (mfcc, chroma, contrast, tonnetz))
    return ClipFeatures(
        mfcc=mfcc[:, :n],
        chroma=chroma[:, :n],
        contrast=contrast[:, :n],
        tonnetz=tonnetz[:, :n],
        sr=sr,
        hop=HOP,
        name=clip.name,
        genre=clip.genre,
        offset_s=clip.offset_s,
        silent=is_silent(y),
    )
