"""The Model file's metadata (DEVELOPING.md, "Model file"): the ``musicgenre.*`` keys of an ONNX graph's
``metadata_props``, as one frozen dataclass. This module is the only place the keys are spelled.

    meta = ModelFileMeta(name="mine", recipe="kaggle30", feature_names=names, genres=GENRES,
                         sample_rate=22050, clip_seconds=30.0)
    set_metadata(proto, meta.to_props())                  # what every writer of the package does
    meta = ModelFileMeta.from_props(session_metadata)     # what loading does; ModelFileError names what is wrong

A model file is data a user gives, so :meth:`ModelFileMeta.from_props` checks every value it reads: a missing
required key, unusable genres or a malformed number is a :class:`ModelFileError` of one line. Keys it does not
know (another program's, or a newer package's) are kept, in order, in :attr:`ModelFileMeta.extra`.
:meth:`~ModelFileMeta.to_props` writes the keys in one fixed order (the fields'), then :attr:`~ModelFileMeta.extra`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

#: What every key of the schema starts with.
PREFIX = "musicgenre."


class ModelFileError(ValueError):
    """A model file's metadata cannot be used; ``str(err)`` is one line naming what is wrong."""


def genres_metadata(genres: Sequence[str]) -> str:
    """A Model file's ``musicgenre.genres``: the names as a JSON list, so any name (``Rock, Pop``) survives."""
    return json.dumps(list(genres), ensure_ascii=False)


def read_genres(value: str) -> tuple[str, ...]:
    """The genre names of a file's ``musicgenre.genres``: a JSON list of strings (what the package
    writes: any name works, commas too), or the older comma-separated form (names stripped)."""
    names = _json_names(value) if value.startswith("[") else None
    return names if names is not None else tuple(name.strip() for name in value.split(","))


def _json_names(value: str) -> tuple[str, ...] | None:
    """The names of a JSON list of strings, or None when ``value`` is not one."""
    try:
        names = json.loads(value)
    except ValueError:
        return None
    if isinstance(names, list) and all(isinstance(name, str) for name in names):
        return tuple(names)
    return None


@dataclass(frozen=True, kw_only=True)
class ModelFileMeta:
    """The ``musicgenre.*`` metadata of a Model file: each field is the key ``musicgenre.<field>`` (but
    :attr:`genres_as_json` and :attr:`extra`); ``None`` is a key the file does not have.

    Every file has ``recipe``, ``feature_names`` (what the head reads), ``genres`` (output order), ``sample_rate``
    (Hz) and ``clip_seconds`` (the clip length it was trained on); ``name`` defaults to the file's stem. A musicnn
    genre graph adds ``head`` (:class:`~musicgenre.models.linear_head.LinearHead` as JSON), ``patch_frames``,
    ``patch_hop``, ``n_mels``, ``statistics``, ``temperature`` and ``tags``; an EfficientAT graph ``part_frames``,
    ``n_mels``, ``classes`` (AudioSet's class names), ``licence`` and ``source``; a fitted head
    (:mod:`musicgenre.training.head_fitting`, :mod:`musicgenre.learning`) ``uncertain_below`` (the top probability
    under which an answer is uncertain), ``cv_accuracy``, ``description`` and ``protocol``.
    """

    name: str | None = None
    recipe: str
    feature_names: tuple[str, ...]
    head: str | None = None
    genres: tuple[str, ...]
    sample_rate: int
    clip_seconds: float
    patch_frames: int | None = None
    patch_hop: int | None = None
    part_frames: int | None = None
    n_mels: int | None = None
    statistics: tuple[str, ...] | None = None
    temperature: float | None = None
    tags: tuple[str, ...] | None = None
    classes: tuple[str, ...] | None = None
    licence: str | None = None
    source: str | None = None
    uncertain_below: float | None = None
    cv_accuracy: float | None = None
    description: str | None = None
    protocol: str | None = None
    #: ``genres`` written as a JSON list (what the package writes), else comma-separated (EfficientAT's graph).
    genres_as_json: bool = True
    #: The file's other metadata (keys this schema does not know), in the file's order; written last.
    extra: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        taken = [k for k, _ in self.extra if k in _KEYS]
        if taken:
            raise ValueError(f"extra metadata repeats keys of the schema: {', '.join(taken)}")

    def to_props(self) -> dict[str, str]:
        """The ``metadata_props`` of the file, in the schema's order, then :attr:`extra`."""
        props = partial_props(**{f: getattr(self, f) for f in _KEY_FIELDS})
        if not self.genres_as_json:
            props[key("genres")] = _comma(self.genres)
        return props | dict(self.extra)

    @classmethod
    def from_props(cls, props: Mapping[str, str]) -> ModelFileMeta:
        """The metadata of a file's ``metadata_props`` (any mapping of key to value), checked: raises
        :class:`ModelFileError` (one line) for a missing required key, genres that are not two or more distinct
        names, or a value that is not of its key's kind. An optional number or list with an empty value counts
        as absent."""
        missing = [key(f) for f in _REQUIRED if key(f) not in props]
        if missing:
            raise ModelFileError(f"metadata lacks {', '.join(missing)} (see DEVELOPING.md, Model file)")
        values: dict[str, Any] = {}
        for name in _KEY_FIELDS:
            value = props.get(key(name))
            if value is None or (value == "" and name in _READERS and name not in _REQUIRED):
                continue
            values[name] = _read(name, value)
        genres = values["genres"]
        if len(genres) < 2 or len(set(genres)) != len(genres) or not all(genres):
            raise ModelFileError(f"genres must be two or more distinct names, got {genres}")
        genres_text = props[key("genres")]
        values["genres_as_json"] = genres_text.startswith("[") and _json_names(genres_text) is not None
        extra = tuple((k, v) for k, v in props.items() if k not in _KEYS)
        return cls(**values, extra=extra)


def key(field_name: str) -> str:
    """The metadata key of a field of :class:`ModelFileMeta` (``"genres"`` -> ``"musicgenre.genres"``)."""
    if field_name not in _KEY_FIELDS:
        raise KeyError(f"no Model file key {field_name!r}")
    return PREFIX + field_name


def partial_props(**values: Any) -> dict[str, str]:
    """The ``metadata_props`` of some fields of :class:`ModelFileMeta` (``None`` left out), written as
    :meth:`ModelFileMeta.to_props` writes them, in the schema's order: e.g. what a fitted head adds to a file."""
    unknown = sorted(set(values) - set(_KEY_FIELDS))
    if unknown:
        raise TypeError(f"no Model file field {', '.join(unknown)}")
    return {key(f): _WRITERS.get(f, str)(values[f]) for f in _KEY_FIELDS if values.get(f) is not None}


def set_metadata(proto: Any, props: Mapping[str, str]) -> None:
    """Replace an ONNX ``ModelProto``'s ``metadata_props`` with ``props`` (in order); the producer is the package."""
    del proto.metadata_props[:]
    for name, value in props.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = name, value
    proto.producer_name = "musicgenre"


def _comma(names: Sequence[str]) -> str:
    return ",".join(names)


def _names(value: str) -> tuple[str, ...]:
    """Comma-separated names, stripped (an empty name stays: a feature model's width check counts it)."""
    return tuple(name.strip() for name in value.split(","))


def _some_names(value: str) -> tuple[str, ...]:
    """Comma-separated names, stripped, empty ones left out."""
    return tuple(name for name in _names(value) if name)


def _whole(value: str) -> int:
    return int(value)


def _positive_rate(value: str) -> int:
    rate = int(float(value))
    if rate <= 0:
        raise ValueError
    return rate


def _finite(value: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError
    return number


def _positive(value: str) -> float:
    number = _finite(value)
    if number <= 0:
        raise ValueError
    return number


def _classes(value: str) -> tuple[str, ...]:
    names = _json_names(value)
    if names is None:
        raise ValueError
    return names


#: How each field is written (``str`` when not listed).
_WRITERS: dict[str, Callable[[Any], str]] = {
    "feature_names": _comma,
    "genres": genres_metadata,
    "sample_rate": lambda v: str(int(v)),
    "clip_seconds": lambda v: f"{float(v):g}",
    "patch_frames": lambda v: str(int(v)),
    "patch_hop": lambda v: str(int(v)),
    "part_frames": lambda v: str(int(v)),
    "n_mels": lambda v: str(int(v)),
    "statistics": _comma,
    "temperature": lambda v: repr(float(v)),
    "tags": _comma,
    "classes": lambda v: json.dumps(list(v)),
    "uncertain_below": lambda v: repr(float(v)),
    "cv_accuracy": lambda v: f"{float(v):.4f}",
}
#: How each field is read, and what a value that fails to read should have been (``str`` fields read as they are).
_READERS: dict[str, tuple[Callable[[str], Any], str]] = {
    "feature_names": (_names, "comma-separated names"),
    "genres": (read_genres, "a JSON list of names"),
    "sample_rate": (_positive_rate, "a positive number of Hz"),
    "clip_seconds": (_positive, "a positive number of seconds"),
    "patch_frames": (_whole, "a whole number"),
    "patch_hop": (_whole, "a whole number"),
    "part_frames": (_whole, "a whole number"),
    "n_mels": (_whole, "a whole number"),
    "statistics": (_some_names, "comma-separated names"),
    "temperature": (_positive, "a positive number"),
    "tags": (_some_names, "comma-separated names"),
    "classes": (_classes, "a JSON list of class names"),
    "uncertain_below": (_finite, "a number"),
    "cv_accuracy": (_finite, "a number"),
}


def _read(name: str, value: str) -> Any:
    """The typed value of field ``name`` from the file's text ``value``; ModelFileError when it is not one."""
    if name not in _READERS:
        return value
    reader, kind = _READERS[name]
    try:
        return reader(value)
    except (ValueError, OverflowError):
        raise ModelFileError(f"{key(name)} must be {kind}, got {value[:80]!r}") from None


_KEY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ModelFileMeta) if f.name not in ("genres_as_json", "extra"))
_REQUIRED = ("recipe", "feature_names", "genres", "sample_rate", "clip_seconds")
#: Every key of the schema, in the order :meth:`ModelFileMeta.to_props` writes them.
KEYS: tuple[str, ...] = tuple(PREFIX + f for f in _KEY_FIELDS)
_KEYS = frozenset(KEYS)
