"""Which tracks of a library teach which genre: read genres and artists, merge spellings, keep the genres with
enough tracks and artists, and say what was left out and why.

    files, unreadable = read_labels(paths)              # each file's genres and artist from its tags
    chosen = choose_tracks(files, CollectConfig())       # one genre per track, its artist group, what was dropped

Pure after reading: :func:`choose_tracks` and :func:`select_genres` decide on names alone, so they are tested
without audio and run again after files fail to decode.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from musicgenre.learning.vocabulary import Merge, Vocabulary, build_vocabulary, split_genres

Source = Literal["tags", "folders"]
Multiple = Literal["first", "skip"]
GroupBy = Literal["artist", "file"]


@dataclass(frozen=True)
class LabelledFile:
    """One file as the library describes it: its genre names as written (empty: none) and its artist."""

    path: str
    genres: tuple[str, ...]
    artist: str | None = None


@dataclass(frozen=True)
class SetAside:
    """A file that teaches nothing, and why (one line)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Dropped:
    """A genre left out of the model: its name, tracks, artists and why."""

    name: str
    tracks: int
    artists: int
    reason: str


@dataclass(frozen=True)
class CollectConfig:
    """How tracks are chosen: the fewest tracks a genre needs, what a file with several genres teaches
    (``first``: its first; ``skip``: nothing), how tracks are grouped for CV (``artist``; ``file``: each alone,
    for a library without artist tags, whose CV then flatters), and names to merge (spelling -> genre name)."""

    min_tracks: int = 10
    multiple: Multiple = "first"
    group_by: GroupBy = "artist"
    mapping: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.min_tracks < 2:
            raise ValueError(
                f"min_tracks must be at least 2 (a genre is tested on tracks it was not fitted on), "
                f"got {self.min_tracks}"
            )


@dataclass(frozen=True)
class TrainingSet:
    """The tracks that teach, in the order given: ``paths``, ``labels`` (genre names), ``groups`` (artist keys;
    ``"file:<path>"`` for a file without one); ``genres`` the kept names, sorted; what was merged, dropped or
    set aside; ``unlabelled`` the files without any genre (what ``label --learn`` fills)."""

    paths: tuple[str, ...]
    labels: tuple[str, ...]
    groups: tuple[str, ...]
    genres: tuple[str, ...]
    merges: tuple[Merge, ...] = ()
    dropped: tuple[Dropped, ...] = ()
    set_aside: tuple[SetAside, ...] = ()
    unlabelled: tuple[str, ...] = ()
    group_by: GroupBy = "artist"

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def without_artist(self) -> int:
        """Tracks grouped alone because they name no artist."""
        return sum(g.startswith("file:") for g in self.groups) if self.group_by == "artist" else 0

    def counts(self) -> dict[str, int]:
        """Tracks per kept genre, in :attr:`genres` order."""
        counter = Counter(self.labels)
        return {g: counter[g] for g in self.genres}

    def artists(self) -> dict[str, int]:
        """Distinct groups (artists) per kept genre."""
        seen: dict[str, set[str]] = defaultdict(set)
        for label, group in zip(self.labels, self.groups, strict=True):
            seen[label].add(group)
        return {g: len(seen[g]) for g in self.genres}

    def without(self, failed: Mapping[str, str], min_tracks: int) -> TrainingSet:
        """This set less the files in ``failed`` (path -> reason; set aside), its genres chosen again."""
        keep = [i for i, p in enumerate(self.paths) if p not in failed]
        labels = [self.labels[i] for i in keep]
        groups = [self.groups[i] for i in keep]
        genres, dropped = select_genres(labels, groups, min_tracks, self.group_by)
        chosen = [i for i in keep if self.labels[i] in genres]
        return TrainingSet(
            tuple(self.paths[i] for i in chosen),
            tuple(self.labels[i] for i in chosen),
            tuple(self.groups[i] for i in chosen),
            genres,
            self.merges,
            self.dropped + dropped,
            self.set_aside + tuple(SetAside(p, r) for p, r in failed.items()),
            self.unlabelled,
            self.group_by,
        )


def artist_key(artist: str | None, path: str) -> str:
    """The CV group of a track: its artist, case and spacing ignored; a track without an artist is its own."""
    if artist and artist.split():
        return " ".join(artist.casefold().split())
    return f"file:{path}"


def select_genres(
    labels: Sequence[str], groups: Sequence[str], min_tracks: int, group_by: GroupBy = "artist"
) -> tuple[tuple[str, ...], tuple[Dropped, ...]]:
    """The genres (sorted) with at least ``min_tracks`` tracks and, when grouped by artist, two artists or more;
    the rest as :class:`Dropped` with the reason."""
    tracks = Counter(labels)
    artists: dict[str, set[str]] = defaultdict(set)
    for label, group in zip(labels, groups, strict=True):
        artists[label].add(group)
    kept, dropped = [], []
    for name in sorted(tracks, key=lambda g: (g.casefold(), g)):
        n, a = tracks[name], len(artists[name])
        if n < min_tracks:
            dropped.append(
                Dropped(name, n, a, f"{n} track{'s' if n != 1 else ''}, fewer than --min-tracks {min_tracks}")
            )
        elif group_by == "artist" and a < 2:
            dropped.append(
                Dropped(name, n, a, "all its tracks are by one artist: nothing to test it on by another artist")
            )
        else:
            kept.append(name)
    return tuple(kept), tuple(dropped)


def choose_tracks(files: Iterable[LabelledFile], config: CollectConfig = CollectConfig()) -> TrainingSet:
    """The :class:`TrainingSet` of ``files``: spellings merged, one genre per file by ``config.multiple``, genres
    kept by :func:`select_genres`; files without a genre are ``unlabelled``."""
    files = list(files)
    vocabulary = build_vocabulary((g for f in files for g in split_genres(f.genres)), config.mapping)
    paths, labels, groups = [], [], []
    aside: list[SetAside] = []
    unlabelled: list[str] = []
    for f in files:
        names = _names(f.genres, vocabulary)
        if not names:
            unlabelled.append(f.path)
            continue
        if len(names) > 1 and config.multiple == "skip":
            aside.append(SetAside(f.path, f"several genres ({', '.join(names)}); --multiple first learns the first"))
            continue
        paths.append(f.path)
        labels.append(names[0])
        groups.append(artist_key(f.artist, f.path) if config.group_by == "artist" else f"file:{f.path}")
    genres, dropped = select_genres(labels, groups, config.min_tracks, config.group_by)
    chosen = [i for i, label in enumerate(labels) if label in genres]
    return TrainingSet(
        tuple(paths[i] for i in chosen),
        tuple(labels[i] for i in chosen),
        tuple(groups[i] for i in chosen),
        genres,
        vocabulary.merges,
        dropped,
        tuple(aside),
        tuple(unlabelled),
        config.group_by,
    )


def _names(values: tuple[str, ...], vocabulary: Vocabulary) -> tuple[str, ...]:
    """The distinct genre names of a file's genre values, in order."""
    return tuple(dict.fromkeys(vocabulary.name_of(g) for g in split_genres(values)))


def read_labels(
    files: Sequence[str], *, progress: Callable[[int], None] | None = None
) -> tuple[list[LabelledFile], list[SetAside]]:
    """Each file's genres and artist from its tags (:func:`~musicgenre.tagging.tags.read_genres`; a URL's through a
    temporary local copy); files whose tags cannot be read are set aside with the reason. ``progress(n)`` after
    each file."""
    from musicgenre.audio import AudioError, is_url, local_copy
    from musicgenre.tagging.tags import TagError, read_genres

    read, aside = [], []
    for path in files:
        try:
            if is_url(path):
                with local_copy(path) as local:
                    tags = read_genres(local)
            else:
                tags = read_genres(path)
        except (TagError, AudioError) as error:
            aside.append(SetAside(path, error.reason))
        else:
            read.append(LabelledFile(path, tags.genres, tags.artist))
        if progress:
            progress(1)
    return read, aside


def read_folders(root: str | Path) -> list[LabelledFile]:
    """The files under ``root/<genre>/…`` labelled by their folder (:func:`~musicgenre.datasets.load_folders`),
    each with the artist its tags name where they can be read. Raises DatasetError (one line)."""
    from musicgenre.datasets import load_folders

    return [LabelledFile(str(t.path), (t.label,), _artist_or_none(t.path)) for t in load_folders(root)]


def _artist_or_none(path: Path) -> str | None:
    try:
        from musicgenre.tagging.tags import TagError, read_genres

        return read_genres(path).artist
    except (ImportError, TagError):
        return None


__all__ = [
    "CollectConfig",
    "Dropped",
    "LabelledFile",
    "SetAside",
    "TrainingSet",
    "artist_key",
    "choose_tracks",
    "read_folders",
    "read_labels",
    "select_genres",
]
