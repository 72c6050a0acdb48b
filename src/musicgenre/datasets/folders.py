"""A collection of one's own: one folder per label, audio files anywhere inside it.

``PATH/<label>/…/<file>.<audio extension>``: the label is the name of the first folder below PATH,
the clip id is the file's path below PATH without its extension (``"rock/live/song"``), so the same
song in two formats counts once (see :data:`~musicgenre.datasets.dataset.FORMAT_PREFERENCE`).
Audio is recognised by extension (:data:`musicgenre.audio.AUDIO_EXTENSIONS`); whether it decodes is
the integrity report's business.
"""

from __future__ import annotations

import os
from pathlib import Path

from musicgenre.audio import AUDIO_EXTENSIONS
from musicgenre.datasets.dataset import Dataset, DatasetError, Track, deduplicate, is_hidden
from musicgenre.datasets.gtzan import load_gtzan, locate_gtzan


def load_folders(root: str | Path) -> Dataset:
    """The labelled folders under ``root`` as a :class:`Dataset` (``kind="folders"``).

    ``classes`` are the sorted names of the label folders that hold at least one audio file.
    Audio files directly in ``root`` (no label) and hidden files go to ``ignored``.
    Raises :class:`DatasetError` when ``root`` is not a folder or holds no labelled audio.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(root, "no such folder" if not root.exists() else "is a file, not a folder")
    tracks: list[Track] = []
    ignored: list[Path] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        here = Path(directory)
        relative = here.relative_to(root)
        for name in sorted(files):
            path = here / name
            if path.suffix.lower() not in AUDIO_EXTENSIONS:
                continue
            if not relative.parts or is_hidden(path):
                ignored.append(path)
                continue
            clip = (relative / path.stem).as_posix()
            tracks.append(Track(path=path, label=relative.parts[0], clip_id=clip))
    if not tracks:
        hint = (
            f"; {len(ignored)} audio files lie directly in it: point at the folder that holds the label folders"
            if ignored
            else ""
        )
        raise DatasetError(root, f"no audio files in label folders (expected PATH/<label>/<file>.wav|mp3|…){hint}")
    kept, aside = deduplicate(tracks)
    classes = tuple(sorted({t.label for t in kept}))
    return Dataset(root=root, kind="folders", tracks=kept, classes=classes, set_aside=aside, ignored=tuple(ignored))


def find_dataset(path: str | Path) -> Dataset:
    """GTZAN when ``path`` holds it in a known layout (:func:`~musicgenre.datasets.gtzan.locate_gtzan`),
    else labelled folders. Raises :class:`DatasetError` (one line naming the path) when neither fits."""
    path = Path(path)
    if not path.exists():
        raise DatasetError(path, "no such folder")
    if not path.is_dir():
        raise DatasetError(path, "is a file, not a folder of audio")
    if locate_gtzan(path) is not None:
        return load_gtzan(path)
    return load_folders(path)
