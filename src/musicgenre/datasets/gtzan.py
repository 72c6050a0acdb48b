"""Find GTZAN on disk, in either common layout, and list its clips.

Layouts recognised under a root PATH (searched in this order, then up to three folders deep):

- PATH itself holds the genre folders (``PATH/<g>/<g>.000NN.<ext>``, e.g. ``../shared/gtzan/audio``);
- original release: ``PATH/genres/<g>/<g>.000NN.au``;
- Kaggle release: ``PATH/Data/genres_original/<g>/<g>.000NN.wav``.

A folder "holds the genre folders" when at least one sub-folder named after a GTZAN genre contains a
file named ``<genre>.<5 digits>.<audio extension>`` and no other sub-folder holds audio files.
When one clip id exists in several formats, one file is kept (see
:data:`musicgenre.datasets.dataset.FORMAT_PREFERENCE`: ``.wav`` first) and the others are set aside.
"""

from __future__ import annotations

import re
from pathlib import Path

from musicgenre.audio import AUDIO_EXTENSIONS
from musicgenre.datasets.dataset import Dataset, DatasetError, Track, deduplicate, is_hidden
from musicgenre.genres import GENRES

#: Clips per genre and in all of GTZAN.
CLIPS_PER_GENRE = 100
N_CLIPS = CLIPS_PER_GENRE * len(GENRES)

#: Every GTZAN clip id, genre by genre: ``("blues.00000", …, "rock.00099")`` (1000).
GTZAN_CLIP_IDS: tuple[str, ...] = tuple(f"{g}.{i:05d}" for g in GENRES for i in range(CLIPS_PER_GENRE))

#: Clips with a known fault in a widely used copy of GTZAN: clip id -> what is wrong and where.
KNOWN_FAULTS: dict[str, str] = {
    "jazz.00054": (
        "the Kaggle release's copy (Data/genres_original/jazz/jazz.00054.wav) is corrupt and fails to decode; "
        "take this clip from another copy, e.g. the original release's jazz.00054.au"
    ),
}

#: Where the genre folders lie below a root, in the order they are tried.
LAYOUTS: tuple[tuple[str, ...], ...] = ((), ("genres",), ("Data", "genres_original"), ("genres_original",))

_NAME = re.compile(r"^(?P<genre>[a-z]+)\.(?P<number>\d{5})$")
_SEARCH_DEPTH = 3  # bounded, so pointing at a home folder stays quick


def gtzan_name(path: Path) -> str | None:
    """The clip id when ``path`` is named like a GTZAN clip in its genre's folder, else None.

    ``…/blues/blues.00012.au`` -> ``"blues.00012"``; ``…/rock/blues.00012.au`` -> None.
    """
    if path.suffix.lower() not in AUDIO_EXTENSIONS:
        return None
    match = _NAME.match(path.stem)
    if not match or match["genre"] != path.parent.name or match["genre"] not in GENRES:
        return None
    return path.stem


def _audio_files(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS]
    except OSError:
        return []


def holds_genre_folders(folder: Path) -> bool:
    """True when ``folder`` is the folder of GTZAN genre folders (see the module docstring)."""
    try:
        subfolders = [p for p in folder.iterdir() if p.is_dir() and not is_hidden(p)]
    except OSError:
        return False
    named_like_gtzan = False
    for sub in subfolders:
        files = _audio_files(sub)
        if sub.name in GENRES:
            named_like_gtzan = named_like_gtzan or any(gtzan_name(f) for f in files)
        elif files:
            return False
    return named_like_gtzan


def locate_gtzan(root: str | Path) -> Path | None:
    """The folder holding the GTZAN genre folders at or below ``root``, or None.

    Tries :data:`LAYOUTS` first, then a breadth-first search up to three folders deep (so a
    Kaggle download unpacked into ``archive/Data/genres_original`` is found from ``archive/..``).
    """
    root = Path(root)
    for parts in LAYOUTS:
        candidate = root.joinpath(*parts)
        if candidate.is_dir() and holds_genre_folders(candidate):
            return candidate
    level = [root]
    for _ in range(_SEARCH_DEPTH):
        next_level: list[Path] = []
        for folder in level:
            try:
                children = sorted(p for p in folder.iterdir() if p.is_dir() and not is_hidden(p))
            except OSError:
                continue
            for child in children:
                if child.name in GENRES:
                    continue  # a genre folder itself is not the root of the genre folders
                if holds_genre_folders(child):
                    return child
                next_level.append(child)
        level = next_level
    return None


def load_gtzan(root: str | Path) -> Dataset:
    """The GTZAN clips at or below ``root`` as a :class:`Dataset` (``kind="gtzan"``).

    Labels are the genre folder names; ``classes`` is always the ten genres in model-output order.
    Files in the genre folders that are not named ``<genre>.NNNNN.<ext>`` go to ``ignored``.
    Raises :class:`DatasetError` when no GTZAN layout is found.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(root, "no such folder" if not root.exists() else "is a file, not a folder")
    base = locate_gtzan(root)
    if base is None:
        raise DatasetError(root, "no GTZAN genre folders (<genre>/<genre>.000NN.au|wav) found at or below it")
    tracks: list[Track] = []
    ignored: list[Path] = []
    for genre in GENRES:
        folder = base / genre
        for path in sorted(_audio_files(folder)) if folder.is_dir() else []:
            clip = None if is_hidden(path) else gtzan_name(path)
            if clip is None:
                ignored.append(path)
            else:
                tracks.append(Track(path=path, label=genre, clip_id=clip))
    kept, aside = deduplicate(tracks)
    return Dataset(root=base, kind="gtzan", tracks=kept, classes=GENRES, set_aside=aside, ignored=tuple(ignored))


def genre_of(clip: str) -> str:
    """``"jazz.00054"`` -> ``"jazz"``."""
    return clip.split(".", 1)[0]


def clip_number(clip: str) -> int:
    """``"jazz.00054"`` -> 54."""
    return int(clip.rsplit(".", 1)[1])


def compact_ids(clip_ids: list[str] | tuple[str, ...]) -> list[str]:
    """GTZAN ids as short ranges per genre, for reading: ``["blues 00003-00098", "jazz 00054"]``.

    Ids that are not GTZAN-shaped are passed through unchanged.
    """
    by_genre: dict[str, list[int]] = {}
    other: list[str] = []
    for clip in clip_ids:
        match = _NAME.match(clip)
        if match:
            by_genre.setdefault(match["genre"], []).append(int(match["number"]))
        else:
            other.append(clip)
    order = {g: i for i, g in enumerate(GENRES)}
    out: list[str] = []
    for genre in sorted(by_genre, key=lambda g: (order.get(g, len(order)), g)):
        numbers = sorted(set(by_genre[genre]))
        runs: list[str] = []
        start = previous = numbers[0]
        for n in numbers[1:] + [None]:
            if n is not None and n == previous + 1:
                previous = n
                continue
            runs.append(f"{start:05d}" if start == previous else f"{start:05d}-{previous:05d}")
            if n is not None:
                start = previous = n
        out.append(f"{genre} {', '.join(runs)}")
    return out + other


def not_gtzan_note(clip_ids) -> str | None:
    """None for the complete GTZAN (all 1000 clip ids); else the warning that scores on these clips are no
    GTZAN accuracy (a part of it, such as the 23 shared clips, or other music)."""
    ids = set(map(str, clip_ids))
    if ids == set(GTZAN_CLIP_IDS):
        return None
    n = len(ids)
    needs = f"GTZAN accuracy needs the complete dataset (e.g. --protocol fault-filtered on all {N_CLIPS} clips)."
    if ids <= set(GTZAN_CLIP_IDS):
        return (
            f"NOT A GTZAN ACCURACY: these {n} clips are only part of GTZAN ({n} of its {N_CLIPS}). On so few "
            f"clips the numbers mostly show that the pipeline runs end to end; {needs}"
        )
    return (
        f"NOT A GTZAN ACCURACY: these {n} clips are not GTZAN. The numbers estimate accuracy on this collection, "
        f"optimistically where one artist's tracks fall on both sides of a split (musicgenre learn keeps artists "
        f"apart); {needs}"
    )


__all__ = [
    "CLIPS_PER_GENRE",
    "GTZAN_CLIP_IDS",
    "KNOWN_FAULTS",
    "LAYOUTS",
    "N_CLIPS",
    "clip_number",
    "compact_ids",
    "genre_of",
    "gtzan_name",
    "holds_genre_folders",
    "load_gtzan",
    "locate_gtzan",
    "not_gtzan_note",
]
