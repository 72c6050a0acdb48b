"""Published musicnn taggrams of GTZAN: read the ``.npz`` files of ``../shared/gtzan/musicnn/``.

Each file holds ``X`` float32 ``(frames, 50)`` (sigmoid probabilities of the 50 MSD tags, one frame per 3 s
patch), ``Y`` int64 ``(frames,)`` (genre index, 0 = blues ... 9 = rock) and ``IDS`` ``(frames,)``
(``blues/blues.00012.au``), the frames of one clip in time order. Read with ``allow_pickle=False`` (no pickles, ever).

    tg = load_taggram_dir("../shared/gtzan/musicnn")    # train + test files: 733 clips, 20542 frames
    tg.frames.shape, tg.clip.shape, tg.clip_ids.shape    # (20542, 50), (20542,), (733,)
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musicgenre.datasets.splits import clip_id
from musicgenre.genres import GENRES

#: The published files in a taggram folder, by the fault-filtered part they cover.
TAGGRAM_FILES = {
    "train": "training_data_GTZAN_MSDmusicnn_taggram.npz",
    "test": "evaluation_data_GTZAN_MSDmusicnn_taggram.npz",
}


@dataclass(frozen=True)
class Taggrams:
    """Frames of several clips.

    ``clip_ids`` ``(n_clips,)`` str (``blues.00012``, first-appearance order), ``y`` ``(n_clips,)`` int64 genre
    index in :data:`GENRES` order, ``frames`` ``(n_frames, n_tags)`` float32, ``clip`` ``(n_frames,)`` int64
    index into ``clip_ids`` (a clip's frames keep their time order).
    """

    clip_ids: np.ndarray
    y: np.ndarray
    frames: np.ndarray
    clip: np.ndarray
    source: str

    def __len__(self) -> int:
        return len(self.clip_ids)


def read_taggram_file(path: str | Path) -> Taggrams:
    """One ``.npz`` taggram file. Raises ValueError (one line naming the file) on a malformed file."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in ("X", "Y", "IDS") if k in npz.files}
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path}: cannot read as a taggram file ({error})") from None
    missing = [k for k in ("X", "Y", "IDS") if k not in arrays]
    if missing:
        raise ValueError(f"{path}: not a taggram file (missing {', '.join(missing)})")
    x, labels, ids = arrays["X"], arrays["Y"], arrays["IDS"]
    if x.ndim != 2 or labels.shape != (len(x),) or ids.shape != (len(x),) or not len(x):
        raise ValueError(f"{path}: X {x.shape}, Y {labels.shape}, IDS {ids.shape} do not describe frames")
    ids = np.array([clip_id(str(i)) for i in ids])
    clip_ids, first, clip = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # clips in first-appearance order
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    clip = rank[clip.ravel()].astype(np.int64)
    clip_ids = clip_ids[order]
    y = np.full(len(clip_ids), -1, np.int64)
    y[clip] = labels
    if (y[clip] != labels).any():
        raise ValueError(f"{path}: a clip's frames carry different genres")
    if (y < 0).any() or (y >= len(GENRES)).any():
        raise ValueError(f"{path}: genre indices outside 0..{len(GENRES) - 1}")
    named = np.array([c.split(".", 1)[0] for c in clip_ids])
    wrong = np.flatnonzero(named != np.array(GENRES)[y])
    if len(wrong):
        raise ValueError(
            f"{path}: Y disagrees with the genre in IDS for {len(wrong)} clips (e.g. {clip_ids[wrong[0]]})"
        )
    frame_order = np.argsort(clip, kind="stable")  # group each clip's frames, time order kept
    return Taggrams(clip_ids, y, np.asarray(x, np.float32)[frame_order], clip[frame_order], str(path))


def load_taggram_dir(folder: str | Path) -> Taggrams:
    """Both published files of ``folder`` (train first, then test) as one :class:`Taggrams`.

    Raises ValueError naming the missing file, or a clip found in both files.
    """
    folder = Path(folder)
    parts = []
    for name in TAGGRAM_FILES.values():
        if not (folder / name).is_file():
            raise ValueError(
                f"{folder}: no {name} (a folder of musicnn taggrams holds {' and '.join(TAGGRAM_FILES.values())})"
            )
        parts.append(read_taggram_file(folder / name))
    ids = np.concatenate([p.clip_ids for p in parts])
    if len(set(ids.tolist())) != len(ids):
        raise ValueError(f"{folder}: a clip is in both taggram files")
    offsets = np.cumsum([0] + [len(p) for p in parts[:-1]])
    return Taggrams(
        ids,
        np.concatenate([p.y for p in parts]),
        np.concatenate([p.frames for p in parts]),
        np.concatenate([p.clip + o for p, o in zip(parts, offsets, strict=True)]),
        str(folder),
    )


__all__ = ["TAGGRAM_FILES", "Taggrams", "load_taggram_dir", "read_taggram_file"]
