"""The one collection type every finder returns: tracks with a label and a clip id.

``Dataset`` is frozen and holds nothing but paths and names, so it is cheap to build, compare and
subset; decoding audio is the job of :mod:`musicgenre.audio` and the feature code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

DatasetKind = Literal["gtzan", "folders"]

#: Which file wins when one clip id exists in several formats (first wins).
#: Lossless before lossy. ``.wav`` before ``.au``: the Kaggle release (what most users have, and what the
#: public feature table names) is ``.wav``; where the shared copies exist in both, their samples are
#: identical, so the choice changes no number. The losing files are kept in ``Dataset.set_aside`` so the
#: integrity report can compare them.
FORMAT_PREFERENCE: tuple[str, ...] = (
    ".wav",
    ".au",
    ".snd",
    ".flac",
    ".aif",
    ".aiff",
    ".ogg",
    ".oga",
    ".opus",
    ".mp3",
    ".m4a",
    ".aac",
    ".mp4",
    ".wma",
    ".webm",
)


class DatasetError(Exception):
    """A folder could not be read as a dataset; ``str(err)`` is one line naming the folder and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{self.path}: {self.reason}")


@dataclass(frozen=True)
class Track:
    """One audio file of a dataset.

    ``clip_id`` is unique within a dataset: ``"blues.00012"`` for GTZAN, the path below the
    root without extension (``"rock/album/song"``) for labelled folders.
    """

    path: Path
    label: str
    clip_id: str


@dataclass(frozen=True)
class Dataset:
    """Tracks found under ``root``, one per clip id, in a stable order (label, then clip id).

    ``classes`` is the label vocabulary in output order: the ten GTZAN genres (always all ten, so
    indices match every model's outputs) or the sorted folder names. ``set_aside`` holds the files
    that lost the de-duplication (same clip id in a less preferred format); ``ignored`` the audio
    files that do not fit the layout (badly named, outside any label folder, hidden).
    """

    root: Path
    kind: DatasetKind
    tracks: tuple[Track, ...]
    classes: tuple[str, ...]
    set_aside: tuple[Track, ...] = ()
    ignored: tuple[Path, ...] = ()
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)  # set in __post_init__

    def __post_init__(self) -> None:
        index = {track.clip_id: i for i, track in enumerate(self.tracks)}
        if len(index) != len(self.tracks):
            repeated = sorted(c for c, n in Counter(t.clip_id for t in self.tracks).items() if n > 1)
            raise ValueError(f"clip ids must be unique within a dataset; repeated: {', '.join(repeated[:5])}")
        unknown = sorted({t.label for t in self.tracks} - set(self.classes))
        if unknown:
            raise ValueError(f"labels not in classes: {', '.join(unknown)}")
        object.__setattr__(self, "_index", index)

    def __len__(self) -> int:
        return len(self.tracks)

    def __iter__(self) -> Iterator[Track]:
        return iter(self.tracks)

    def __getitem__(self, i: int) -> Track:
        return self.tracks[i]

    def __contains__(self, clip: object) -> bool:
        return clip in self._index

    @property
    def labels(self) -> np.ndarray:
        """Label names, shape ``(n_tracks,)``, dtype str."""
        return np.array([t.label for t in self.tracks], dtype=str)

    @property
    def label_indices(self) -> np.ndarray:
        """Positions of the labels in :attr:`classes`, shape ``(n_tracks,)``, int64."""
        position = {name: i for i, name in enumerate(self.classes)}
        return np.array([position[t.label] for t in self.tracks], dtype=np.int64)

    @property
    def clip_ids(self) -> np.ndarray:
        """Clip ids, shape ``(n_tracks,)``, dtype str."""
        return np.array([t.clip_id for t in self.tracks], dtype=str)

    @property
    def paths(self) -> list[Path]:
        """File paths in track order."""
        return [t.path for t in self.tracks]

    def counts(self) -> dict[str, int]:
        """Tracks per label, in :attr:`classes` order (labels without tracks count 0)."""
        counter = Counter(t.label for t in self.tracks)
        return {name: counter.get(name, 0) for name in self.classes}

    def by_clip_id(self, clip: str) -> Track:
        """The track with this clip id (KeyError naming it when absent)."""
        try:
            return self.tracks[self._index[clip]]
        except KeyError:
            raise KeyError(f"{clip!r} is not in the dataset at {self.root}") from None

    def missing(self, clip_ids: Iterable[str]) -> list[str]:
        """Those of ``clip_ids`` the dataset does not hold, in the order given."""
        return [c for c in clip_ids if c not in self._index]

    def subset(self, clip_ids: Sequence[str]) -> Dataset:
        """The tracks whose ids are in ``clip_ids``, in the order of ``clip_ids``.

        Ids the dataset lacks are skipped here; ask :meth:`missing` for them (the split helpers in
        :mod:`musicgenre.datasets.splits` report them).
        """
        tracks = tuple(self.tracks[self._index[c]] for c in dict.fromkeys(clip_ids) if c in self._index)
        return replace(self, tracks=tracks, set_aside=(), ignored=())

    def take(self, indices: np.ndarray | Sequence[int]) -> Dataset:
        """The tracks at ``indices`` (e.g. one fold of :func:`~musicgenre.datasets.kfold.stratified_kfold`)."""
        return replace(
            self,
            tracks=tuple(self.tracks[int(i)] for i in np.asarray(indices, dtype=np.int64)),
            set_aside=(),
            ignored=(),
        )


def preference_rank(path: Path) -> int:
    """Position of the file's extension in :data:`FORMAT_PREFERENCE` (unknown extensions last)."""
    suffix = path.suffix.lower()
    return FORMAT_PREFERENCE.index(suffix) if suffix in FORMAT_PREFERENCE else len(FORMAT_PREFERENCE)


def deduplicate(tracks: Iterable[Track]) -> tuple[tuple[Track, ...], tuple[Track, ...]]:
    """One track per clip id, chosen by :data:`FORMAT_PREFERENCE`; returns ``(kept, set_aside)``.

    Both come sorted by (label, clip id, path) so every run on the same folder gives the same order.
    """
    by_id: dict[str, list[Track]] = {}
    for track in tracks:
        by_id.setdefault(track.clip_id, []).append(track)
    kept: list[Track] = []
    aside: list[Track] = []
    for group in by_id.values():
        group.sort(key=lambda t: (preference_rank(t.path), str(t.path)))
        kept.append(group[0])
        aside.extend(group[1:])
    order = lambda t: (t.label, t.clip_id, str(t.path))  # noqa: E731
    return tuple(sorted(kept, key=order)), tuple(sorted(aside, key=order))


def is_hidden(path: Path) -> bool:
    """Dot-files such as macOS ``._blues.00000.au`` resource forks (never audio)."""
    return path.name.startswith(".")
