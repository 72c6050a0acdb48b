"""What EfficientAT's 527 AudioSet classes say about genre: a fixed map onto GTZAN's ten genres, the broad
vocabulary of every class under the AudioSet ontology's "Music genre", and readable names for file tags.

    genre_scores(probabilities, classes)     # (n, 527) sigmoid outputs -> (n, 10), rows summing to 1
    music_genre_indices(classes)             # the 50 "Music genre" classes' columns, in AudioSet order

The map is fixed in advance and fitted to nothing (no test, no clip chose it); docs/models.md lists it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np

from musicgenre.genres import GENRES

#: GTZAN genre -> the AudioSet classes whose probabilities add up to its score.
GTZAN_FROM_AUDIOSET: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "blues": ("Blues",),
        "classical": ("Classical music", "Opera"),
        "country": ("Country", "Bluegrass"),
        "disco": ("Disco",),
        "hiphop": ("Hip hop music",),
        "jazz": ("Jazz", "Swing music"),
        "metal": ("Heavy metal", "Grunge"),
        "pop": ("Pop music",),
        "reggae": ("Reggae", "Ska"),
        "rock": ("Rock music", "Punk rock", "Progressive rock", "Psychedelic rock", "Rock and roll"),
    }
)

#: The classes of the AudioSet ontology's "Music genre" (/m/0kpv1t) subtree that the network outputs, in output
#: order (classes 216-265): the broad vocabulary of ``--model audioset-genres``.
MUSIC_GENRES: tuple[str, ...] = (
    "Pop music",
    "Hip hop music",
    "Beatboxing",
    "Rock music",
    "Heavy metal",
    "Punk rock",
    "Grunge",
    "Progressive rock",
    "Rock and roll",
    "Psychedelic rock",
    "Rhythm and blues",
    "Soul music",
    "Reggae",
    "Country",
    "Swing music",
    "Bluegrass",
    "Funk",
    "Folk music",
    "Middle Eastern music",
    "Jazz",
    "Disco",
    "Classical music",
    "Opera",
    "Electronic music",
    "House music",
    "Techno",
    "Dubstep",
    "Drum and bass",
    "Electronica",
    "Electronic dance music",
    "Ambient music",
    "Trance music",
    "Music of Latin America",
    "Salsa music",
    "Flamenco",
    "Blues",
    "Music for children",
    "New-age music",
    "Vocal music",
    "A capella",
    "Music of Africa",
    "Afrobeat",
    "Christian music",
    "Gospel music",
    "Music of Asia",
    "Carnatic music",
    "Music of Bollywood",
    "Ska",
    "Traditional music",
    "Independent music",
)

#: AudioSet class -> the name written into a file's genre tag (the spelling music libraries use; ID3v1's where it
#: has one). Every class of :data:`MUSIC_GENRES` has one.
READABLE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "Pop music": "Pop",
        "Hip hop music": "Hip-Hop",
        "Beatboxing": "Beatbox",
        "Rock music": "Rock",
        "Heavy metal": "Heavy Metal",
        "Punk rock": "Punk",
        "Grunge": "Grunge",
        "Progressive rock": "Progressive Rock",
        "Rock and roll": "Rock & Roll",
        "Psychedelic rock": "Psychedelic Rock",
        "Rhythm and blues": "R&B",
        "Soul music": "Soul",
        "Reggae": "Reggae",
        "Country": "Country",
        "Swing music": "Swing",
        "Bluegrass": "Bluegrass",
        "Funk": "Funk",
        "Folk music": "Folk",
        "Middle Eastern music": "Middle Eastern",
        "Jazz": "Jazz",
        "Disco": "Disco",
        "Classical music": "Classical",
        "Opera": "Opera",
        "Electronic music": "Electronic",
        "House music": "House",
        "Techno": "Techno",
        "Dubstep": "Dubstep",
        "Drum and bass": "Drum & Bass",
        "Electronica": "Electronica",
        "Electronic dance music": "EDM",
        "Ambient music": "Ambient",
        "Trance music": "Trance",
        "Music of Latin America": "Latin",
        "Salsa music": "Salsa",
        "Flamenco": "Flamenco",
        "Blues": "Blues",
        "Music for children": "Children's Music",
        "New-age music": "New Age",
        "Vocal music": "Vocal",
        "A capella": "A Cappella",
        "Music of Africa": "African",
        "Afrobeat": "Afrobeat",
        "Christian music": "Christian",
        "Gospel music": "Gospel",
        "Music of Asia": "Asian",
        "Carnatic music": "Carnatic",
        "Music of Bollywood": "Bollywood",
        "Ska": "Ska",
        "Traditional music": "Traditional",
        "Independent music": "Indie",
    }
)


def class_indices(classes: Sequence[str], wanted: Sequence[str]) -> np.ndarray:
    """Columns ``(len(wanted),)`` int64 of the ``wanted`` class names in ``classes`` (a network's output order);
    ValueError naming the first one missing."""
    position = {name: i for i, name in enumerate(classes)}
    missing = [name for name in wanted if name not in position]
    if missing:
        raise ValueError(f"the network has no class {missing[0]!r}")
    return np.asarray([position[name] for name in wanted], dtype=np.int64)


def genre_matrix(classes: Sequence[str]) -> np.ndarray:
    """``(len(classes), 10)`` float32 of 0 and 1: which class adds to which of :data:`GENRES`."""
    matrix = np.zeros((len(classes), len(GENRES)), np.float32)
    for g, genre in enumerate(GENRES):
        matrix[class_indices(classes, GTZAN_FROM_AUDIOSET[genre]), g] = 1.0
    return matrix


def genre_scores(probabilities: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """GTZAN genre scores ``(n, 10)`` float64 from class probabilities ``(n, len(classes))``: each genre the sum of
    its classes' probabilities (:data:`GTZAN_FROM_AUDIOSET`), each row divided by its sum."""
    scores = np.asarray(probabilities, dtype=np.float64) @ genre_matrix(classes).astype(np.float64)
    total = scores.sum(axis=1, keepdims=True)
    return scores / np.maximum(total, np.finfo(np.float64).tiny)


def music_genre_indices(classes: Sequence[str]) -> np.ndarray:
    """Columns of :data:`MUSIC_GENRES` in ``classes``."""
    return class_indices(classes, MUSIC_GENRES)


def readable_name(audioset_class: str) -> str:
    """The tag spelling of an AudioSet class (:data:`READABLE_NAMES`; the class name itself for any other)."""
    return READABLE_NAMES.get(audioset_class, audioset_class)
