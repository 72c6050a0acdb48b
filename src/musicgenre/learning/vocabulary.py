"""One name per genre out of a library's many spellings: ``Hip Hop``, ``Hip-Hop`` and ``hip-hop`` are one genre.

Two spellings are the same genre when their :func:`genre_key` is: letter case, spaces, hyphens, underscores and
other punctuation are ignored and ``&`` reads as ``and`` (``R&B`` = ``R and B``, ``Drum & Bass`` =
``Drum and Bass``). Nothing else merges by itself: ``Rock`` and ``Rock & Roll``, ``Electronic`` and
``Electronica``, ``Rap`` and ``Hip-Hop`` stay apart unless a map joins them (``{"Rap": "Hip-Hop"}``). Each genre
is called by its most common spelling in the library (or by the map's name).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_WORDS = re.compile(r"[^\W_]+")

#: what separates several genres written in one text value (``Rock; Pop``); ``/`` does not (``Pop/Rock``, ``AC/DC``)
SEPARATOR = ";"


def genre_key(name: str) -> str:
    """The spelling-free key of a genre name (``"Hip-Hop"`` -> ``"hiphop"``, ``"R&B"`` -> ``"randb"``); ``""``
    for a name with no letters or digits."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("&", " and ")
    return "".join(_WORDS.findall(text))


def split_genres(values: Iterable[str]) -> tuple[str, ...]:
    """The genre names in a file's genre values, each split at :data:`SEPARATOR`, stripped, empty ones left out."""
    names = (" ".join(part.split()) for value in values for part in str(value).split(SEPARATOR))
    return tuple(name for name in names if genre_key(name))


@dataclass(frozen=True)
class Merge:
    """Spellings that became one genre ``name``: each with the number of times it occurs, most common first."""

    name: str
    spellings: tuple[tuple[str, int], ...]
    mapped: bool = False  # a map joined them (not only spelling)


@dataclass(frozen=True)
class Vocabulary:
    """The one name of every spelling seen (``names``: spelling -> name) and the merges that made them."""

    names: Mapping[str, str]
    merges: tuple[Merge, ...]

    def name_of(self, spelling: str) -> str:
        """The genre name of ``spelling`` (one seen when the vocabulary was built)."""
        return self.names[" ".join(spelling.split())]


def build_vocabulary(spellings: Iterable[str], mapping: Mapping[str, str] | None = None) -> Vocabulary:
    """A :class:`Vocabulary` of ``spellings`` (one item per occurrence, e.g. per track). ``mapping`` joins more:
    every spelling of a key (any spelling of it) goes to the genre of its value, named as the value is written."""
    counts = Counter(" ".join(s.split()) for s in spellings)
    target = {genre_key(source): name.strip() for source, name in (mapping or {}).items()}
    by_key: dict[str, Counter[str]] = {}
    named: dict[str, str] = {}  # key -> the name the map gives it
    for spelling, n in counts.items():
        key = genre_key(spelling)
        if key in target:
            named[genre_key(target[key])] = target[key]
            key = genre_key(target[key])
        by_key.setdefault(key, Counter())[spelling] += n
    names: dict[str, str] = {}
    merges: list[Merge] = []
    for key, seen in sorted(by_key.items()):
        ranked = sorted(seen.items(), key=lambda item: (-item[1], item[0]))
        name = named.get(key, ranked[0][0])
        names.update((spelling, name) for spelling, _ in ranked)
        mapped = any(genre_key(spelling) != key for spelling, _ in ranked)
        if len(ranked) > 1 or mapped:
            merges.append(Merge(name, tuple(ranked), mapped))
    return Vocabulary(names, tuple(merges))


__all__ = ["SEPARATOR", "Merge", "Vocabulary", "build_vocabulary", "genre_key", "split_genres"]
