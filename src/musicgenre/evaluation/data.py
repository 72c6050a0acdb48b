"""The study's inputs as per-track labels plus named *views* (the arrays each model family eats).

Two sources:

* a feature table in the layout of ``features_30_sec.csv`` (:func:`load_table_study`): views ``kaggle57``
  (the 57 statistics) and ``mfcc40`` (the table has no 40 MFCC means, so the seed's 40 inputs are
  the 20 MFCC means and 20 MFCC variances, ``mfcc1_mean, mfcc1_var, ...``);
* an audio dataset found by :func:`musicgenre.datasets.find_dataset` (:func:`load_audio_study`): per-track
  views ``mfcc40`` (true means of 40 MFCCs over the clip) and ``kaggle57`` (the kaggle30 recipe), and
  per-segment views ``logmel`` ``(1, n_mels, frames)`` and ``mfcc_frames`` ``(20, frames)`` of
  fixed-length segments, each segment tagged with its track.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from musicgenre.genres import GENRES

KAGGLE57 = "kaggle57"
MFCC40 = "mfcc40"


@dataclass(frozen=True)
class View:
    """One input array. Rows are tracks (``track is None``) or segments (``track[i]`` = track index)."""

    name: str
    x: np.ndarray
    feature_names: tuple[str, ...]
    recipe: str
    clip_seconds: float
    sample_rate: int = 22050
    track: np.ndarray | None = None

    @property
    def per_segment(self) -> bool:
        return self.track is not None

    def rows(self, tracks: np.ndarray) -> np.ndarray:
        """Row indices of the given track indices (all segments of each track, in row order)."""
        tracks = np.asarray(tracks, dtype=np.int64)
        if self.track is None:
            return tracks
        return np.flatnonzero(np.isin(self.track, tracks))

    def row_tracks(self, rows: np.ndarray) -> np.ndarray:
        """The track index of each of the given rows."""
        return rows if self.track is None else self.track[rows]


@dataclass(frozen=True)
class StudyData:
    """Tracks (``clip_ids``, genre indices ``y`` in :data:`GENRES` order) and their views."""

    source: str
    kind: Literal["table", "audio", "taggram"]
    clip_ids: np.ndarray
    y: np.ndarray
    views: dict[str, View] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.y)


def _genre_indices(labels, where: str) -> np.ndarray:
    unknown = sorted(set(labels) - set(GENRES))
    if unknown:
        raise ValueError(f"{where}: labels outside the ten GTZAN genres: {', '.join(map(str, unknown[:5]))}")
    return np.array([GENRES.index(label) for label in labels], dtype=np.int64)


def mfcc40_table_columns() -> tuple[str, ...]:
    """The 40 table columns that feed ``mlp-mfcc`` in table mode: 20 MFCC means and 20 variances."""
    return tuple(f"mfcc{i}_{stat}" for i in range(1, 21) for stat in ("mean", "var"))


def load_table_study(path: str | Path) -> StudyData:
    """Read a kaggle30-layout CSV (``filename, length, <57 statistics>, label``)."""
    from musicgenre.datasets.splits import clip_id
    from musicgenre.features.kaggle30 import KAGGLE30_COLUMNS

    path = Path(path)
    table = pd.read_csv(path)
    missing = [c for c in ("filename", "label", *KAGGLE30_COLUMNS) if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: not a kaggle30 feature table (missing {', '.join(missing[:5])})")
    ids = np.array([clip_id(name) for name in table["filename"]], dtype=str)
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: repeated clip ids")
    y = _genre_indices(table["label"].tolist(), str(path))
    views = {}
    # each view names the feature recipe that computes its columns from audio (what an exported model runs)
    for name, columns, recipe in (
        (KAGGLE57, tuple(KAGGLE30_COLUMNS), "kaggle30"),
        (MFCC40, mfcc40_table_columns(), "mfcc20stats"),
    ):
        x = table[list(columns)].to_numpy(np.float64).astype(np.float32)
        views[name] = View(name, x, columns, recipe, 30.0)
    return StudyData(str(path), "table", ids, y, views)


@dataclass(frozen=True)
class AudioConfig:
    """How audio becomes views: segment length, spectrogram shape, which per-track views to compute."""

    sample_rate: int = 22050
    segment_seconds: float = 3.0
    n_mels: int = 64
    n_mfcc_frames: int = 20
    n_fft: int = 2048
    hop_length: int = 512
    kaggle57: bool = True

    @property
    def frames_per_segment(self) -> int:
        return int(round(self.segment_seconds * self.sample_rate / self.hop_length))


def track_views(y: np.ndarray, config: AudioConfig) -> dict[str, np.ndarray]:
    """Arrays of one decoded track ``y`` (mono float32 at ``config.sample_rate``).

    ``mfcc40`` ``(40,)``; ``kaggle57`` ``(57,)`` when asked; ``logmel`` ``(n_seg, 1, n_mels, F)`` and
    ``mfcc_frames`` ``(n_seg, 20, F)`` for the ``n_seg`` whole segments (at least one: a short track
    is zero-padded to one segment).
    """
    import librosa

    sr, frames = config.sample_rate, config.frames_per_segment
    y = np.asarray(y, np.float32)
    minimum = int(config.segment_seconds * sr)
    if y.size < minimum:
        y = np.pad(y, (0, minimum - y.size))
    out = {MFCC40: librosa.feature.mfcc(y=y, sr=sr, n_mfcc=40).mean(axis=1).astype(np.float32)}
    if config.kaggle57:
        from musicgenre.features.kaggle30 import kaggle30_features

        out[KAGGLE57] = np.asarray(kaggle30_features(y, sr), np.float32)
    mel = librosa.feature.melspectrogram(
        y=y, sr=sr, n_fft=config.n_fft, hop_length=config.hop_length, n_mels=config.n_mels
    )
    logmel = librosa.power_to_db(mel, ref=1.0, top_db=80.0).astype(np.float32)
    mfcc = librosa.feature.mfcc(S=logmel, n_mfcc=config.n_mfcc_frames).astype(np.float32)
    n_seg = max(1, logmel.shape[1] // frames)
    out["logmel"] = np.stack([logmel[None, :, i * frames : (i + 1) * frames] for i in range(n_seg)])
    out["mfcc_frames"] = np.stack([mfcc[:, i * frames : (i + 1) * frames] for i in range(n_seg)])
    return out


def load_audio_study(
    path: str | Path, config: AudioConfig = AudioConfig(), *, progress: Callable[[int, int, str], None] | None = None
) -> StudyData:
    """Decode every track of the dataset at ``path`` and compute its views (labels must be genres)."""
    from musicgenre.audio import load
    from musicgenre.datasets import find_dataset

    dataset = find_dataset(path)
    y = _genre_indices([t.label for t in dataset], str(path))
    per_track: list[dict[str, np.ndarray]] = []
    for i, track in enumerate(dataset):
        if progress:
            progress(i + 1, len(dataset), track.clip_id)
        per_track.append(track_views(load(track.path, sr=config.sample_rate), config))
    views: dict[str, View] = {}
    views[MFCC40] = View(
        MFCC40,
        np.stack([t[MFCC40] for t in per_track]),
        tuple(f"mfcc{i}_mean" for i in range(1, 41)),
        "mfcc40-mean",
        30.0,
        config.sample_rate,
    )
    if config.kaggle57:
        from musicgenre.features.kaggle30 import KAGGLE30_COLUMNS

        views[KAGGLE57] = View(
            KAGGLE57,
            np.stack([t[KAGGLE57] for t in per_track]),
            tuple(KAGGLE30_COLUMNS),
            "kaggle30",
            30.0,
            config.sample_rate,
        )
    for name in ("logmel", "mfcc_frames"):
        blocks = [t[name] for t in per_track]
        owner = np.concatenate([np.full(len(b), i, dtype=np.int64) for i, b in enumerate(blocks)])
        x = np.concatenate(blocks)
        names = tuple(f"{name}[{r},{c}]" for r in range(x.shape[-2]) for c in range(x.shape[-1]))
        recipe = f"{name}-{config.segment_seconds:g}s-{config.n_mels if name == 'logmel' else config.n_mfcc_frames}"
        views[name] = View(name, x, names, recipe, config.segment_seconds, config.sample_rate, owner)
    return StudyData(str(path), "audio", dataset.clip_ids, y, views)
