"""Whether and how a prediction changes a file's genres: one pure function, shared by the command and beets.

Policies: ``only-empty`` (the default) tags only files with no genre; ``replace`` sets the new genre in place of
any; ``append`` adds it after the genres a file has. A prediction below ``min_probability``, or one the model
marks uncertain or not music, changes nothing and says why. ``mapping`` turns model names into the user's
(``hiphop`` -> ``Hip-Hop``); :func:`default_mapping` starts from the names players know (ID3v1's list), and for a
model whose genres are AudioSet classes (``audioset-genres``) from their readable names (``Hip hop music`` ->
``Hip-Hop``, :data:`~musicgenre.backbones.efficientat.vocabulary.READABLE_NAMES`).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

from musicgenre.backbones.efficientat.vocabulary import READABLE_NAMES, readable_name
from musicgenre.inference.prediction import Prediction

POLICIES = ("only-empty", "replace", "append")

#: actions that change the file
WRITES = frozenset({"set", "replace", "append"})

#: the names players know (ID3v1's genre list) for the model's genres; ``--map`` changes any of them
TAG_NAMES = {
    "blues": "Blues",
    "classical": "Classical",
    "country": "Country",
    "disco": "Disco",
    "hiphop": "Hip-Hop",
    "jazz": "Jazz",
    "metal": "Metal",
    "pop": "Pop",
    "reggae": "Reggae",
    "rock": "Rock",
}


@dataclass(frozen=True)
class LabelPolicy:
    """How ``label`` decides: the policy, the least top probability that is acted on, the genre name map,
    whether uncertain predictions are skipped (they are unless the user turns it off), and whether the model was
    learned from these files (``label --learn``: the policy is fixed, and the rows say so)."""

    policy: str = "only-empty"
    min_probability: float = 0.0
    mapping: Mapping[str, str] = field(default_factory=dict)
    skip_uncertain: bool = True
    learned: bool = False

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"unknown policy {self.policy!r}; one of {', '.join(POLICIES)}")
        if not 0.0 <= self.min_probability <= 1.0:
            raise ValueError(f"min probability must be in [0, 1], got {self.min_probability}")

    def name_of(self, genre: str) -> str:
        """The user's name for a model genre (the model's own when unmapped)."""
        return self.mapping.get(genre, genre)


@dataclass(frozen=True)
class Decision:
    """What to do with one file: ``action`` (``set``, ``replace``, ``append``, ``keep``, ``skip``), the genres it
    ends with, and why (one short phrase)."""

    action: str
    genres: tuple[str, ...]
    reason: str = ""

    @property
    def writes(self) -> bool:
        return self.action in WRITES


def needs_prediction(current: tuple[str, ...], policy: LabelPolicy) -> bool:
    """False when ``current`` alone settles it (``only-empty`` and the file has a genre): no need to classify."""
    return not (policy.policy == "only-empty" and current)


def decide(
    current: tuple[str, ...],
    genre: str,
    probability: float,
    policy: LabelPolicy,
    *,
    uncertain: bool | None = None,
    not_music: str | None = None,
) -> Decision:
    """The :class:`Decision` for a file holding genres ``current`` that the model calls ``genre`` (model name)
    with top probability ``probability``."""
    if policy.policy == "only-empty" and current:
        hint = "--learn fills only files without one" if policy.learned else "--replace or --append to change it"
        return Decision("skip", current, f"has a genre ({hint})")
    if not_music:
        return Decision("skip", current, f"not music ({not_music})")
    if uncertain and policy.skip_uncertain:
        return Decision(
            "skip",
            current,
            f"uncertain: no genre fits well ({genre} at {probability:.2f} is the best; --include-uncertain tags it)",
        )
    if probability < policy.min_probability:
        return Decision(
            "skip", current, f"{genre} at {probability:.2f}, below --min-probability {policy.min_probability:g}"
        )
    new = policy.name_of(genre)
    have = {g.casefold() for g in current}
    if policy.policy == "append":
        if new.casefold() in have:
            return Decision("keep", current, "already has it")
        return Decision("append", (*current, new))
    if tuple(g.casefold() for g in current) == (new.casefold(),):
        return Decision("keep", current, "already has it")
    return Decision("replace" if current else "set", (new,))


def default_mapping(known: tuple[str, ...]) -> dict[str, str]:
    """The player-friendly name of each of a model's genres that has one: :data:`TAG_NAMES` for GTZAN's, or, when
    every genre of the model is an AudioSet class (``audioset-genres``), each one's readable name (``Hip hop
    music`` -> ``Hip-Hop``); a model of other names (one learned from a library) keeps its own."""
    if known and all(genre in READABLE_NAMES for genre in known):
        return {genre: readable_name(genre) for genre in known}
    return {genre: TAG_NAMES[genre] for genre in known if genre in TAG_NAMES}


def decide_on(current: tuple[str, ...], prediction: Prediction | None, policy: LabelPolicy) -> Decision:
    """:func:`decide` for a file holding ``current`` and the model's ``prediction`` of it; ``None`` where
    :func:`needs_prediction` said no prediction is needed (the file is left as it is, with the policy's reason)."""
    if prediction is None:
        return decide(current, "", 0.0, policy)
    return decide(
        current,
        prediction.genre,
        prediction.probability,
        policy,
        uncertain=prediction.uncertain,
        not_music=prediction.not_music,
    )


class MapError(ValueError):
    """A ``--map`` or map file entry that cannot be read."""


def parse_map_items(items: tuple[str, ...] | list[str], known: tuple[str, ...] | None = None) -> dict[str, str]:
    """``["hiphop=Hip-Hop", …]`` -> ``{"hiphop": "Hip-Hop"}``; the left side must be one of ``known`` (any name
    when ``known`` is None)."""
    mapping: dict[str, str] = {}
    for item in items:
        model_name, sep, name = item.partition("=")
        model_name, name = model_name.strip(), name.strip().strip('"').strip("'")
        if not sep or not model_name or not name:
            raise MapError(f"--map {item!r}: expected NAME=NAME, e.g. hiphop=Hip-Hop")
        mapping[_known(model_name, known, f"--map {item!r}")] = name
    return mapping


def read_map_file(path: str | Path, known: tuple[str, ...] | None = None) -> dict[str, str]:
    """A TOML file of ``genre = "Name"`` lines (optionally under a ``[map]`` table) -> the map."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise MapError(f"{path}: cannot read the map file: {' '.join(str(error).split())}") from None
    return map_from_table(data.get("map", data), known, str(path))


def map_from_table(table: Mapping, known: tuple[str, ...] | None, where: str) -> dict[str, str]:
    """``{genre: "Name"}`` from a parsed table (a TOML file, beets' config), checked: keys are genres of the
    model (any, when ``known`` is None), values non-empty strings; ``where`` names the source in errors."""
    mapping: dict[str, str] = {}
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise MapError(f"{where}: {key} must map to a non-empty string")
        mapping[_known(str(key), known, where)] = value.strip()
    return mapping


def genre_map(
    known: tuple[str, ...],
    *,
    learned: bool = False,
    map_file: str | Path | None = None,
    table: tuple[Mapping, str] | None = None,
    items: tuple[str, ...] | list[str] = (),
) -> dict[str, str]:
    """The name to write for each of a model's ``known`` genres, as ``label`` and the beets plugin both build it:
    none for a ``learned`` model (its genres are the library's own names already); else the names players know
    (:func:`default_mapping`), overridden in turn by a TOML ``map_file``, a parsed ``table`` (``(mapping, where)``:
    beets' ``musicgenre.map``) and ``GENRE=NAME`` ``items``. :class:`MapError` for an entry naming no genre of the
    model."""
    if learned:
        return {}
    mapping = default_mapping(known)
    if map_file is not None:
        mapping.update(read_map_file(map_file, known))
    if table is not None:
        mapping.update(map_from_table(table[0], known, table[1]))
    mapping.update(parse_map_items(items, known))
    return mapping


def _known(name: str, known: tuple[str, ...] | None, where: str) -> str:
    if known is not None and name not in known:
        raise MapError(f"{where}: {name!r} is not a genre of the model ({', '.join(known)})")
    return name
