"""The cache of per-file results (features, a backbone's outputs) by file content: one small ``.npz`` per entry.

An entry's key is the SHA-256 of the file's bytes (:func:`musicgenre.audio.file_hash`), so a renamed or moved
file is still found and an edited file is a miss; the ``folder`` names the recipe or network and the version of
its results (``kaggle30-v3``, ``MSD_musicnn-v2``), so several kinds of results share one root and a new version
never reads an old one. Layout: ``<root>/<folder>/<key[:2]>/<key>.npz``.

A cache file is data, never code: entries are read with ``allow_pickle=False`` (an entry holding pickled objects
is a miss, never unpickled) and written without pickles. An entry that is missing, unreadable, truncated or
corrupt is a miss. Entries are written whole or not at all (:func:`musicgenre.audio.atomic.atomic_output`: a
temporary file created exclusively in the entry's folder, then ``os.replace``), so an interrupted run leaves no
half-written entry; a failure to write (read-only or full disk) is not an error for the run: :meth:`ContentCache.put`
says why and the caller goes on without the cache.

Importing this module imports neither torch nor onnxruntime.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from musicgenre.audio.atomic import atomic_output
from musicgenre.audio.errors import FileFailure
from musicgenre.audio.files import file_hash

__all__ = ["ContentCache", "settle_from_cache"]

R = TypeVar("R")

#: What a key looks like: a hex digest (at least the two characters that name its subfolder).
_KEY = re.compile(r"[0-9a-f]{2,128}")
#: What reading a damaged entry may raise: a miss, not an error.
_UNREADABLE = (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile, zlib.error)


@dataclass(frozen=True)
class ContentCache:
    """Entries of one kind of result in ``root``: the subfolder ``folder`` (recipe or network, and version), each
    entry holding the arrays ``names`` (a missing one makes the entry a miss; empty: whatever the entry holds)."""

    root: Path
    folder: str
    names: tuple[str, ...] = ()

    def path(self, key: str) -> Path:
        """The entry of the file whose content hash is ``key`` (a hex digest; anything else is a ValueError)."""
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a content hash: {key!r}")
        return Path(self.root) / self.folder / key[:2] / f"{key}.npz"

    def get(self, key: str) -> dict[str, np.ndarray] | None:
        """The arrays cached for ``key``; None when there is no entry or it cannot be read whole as plain arrays."""
        try:
            with np.load(self.path(key), allow_pickle=False) as data:
                return {name: np.asarray(data[name]) for name in (self.names or data.files)}
        except _UNREADABLE:
            return None

    def put(self, key: str, arrays: Mapping[str, np.ndarray]) -> str | None:
        """Write ``arrays`` as the entry of ``key``, atomically (a reader never sees half an entry). Returns None
        once written, else why it could not be (one line: the cache root and the system's reason); a failure to
        write is not an error. An object array is a ValueError: the cache holds no pickles."""
        try:
            target = self.path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_output(target) as handle:
                # numpy's keyword named so that **arrays cannot fill it
                np.savez(handle, allow_pickle=False, **{name: np.asarray(a) for name, a in arrays.items()})
        except OSError as error:
            return f"{self.root}: {error.strerror or error}"
        return None


def settle_from_cache(
    files: Sequence[Path | str],
    lookup: Callable[[Path, str], R | None] | None,
    progress: Callable[[int], object] | None = None,
) -> tuple[dict[int, R | FileFailure], list[tuple[int, Path | str, str | None]]]:
    """A batch's first pass: each local file is hashed and ``lookup(path, key)`` gives its cached result, if any.
    Returns the files settled here (input index -> cached result, or a :class:`FileFailure` when the file cannot
    be read to hash) and the jobs left, ``(index, path, key)``. ``key`` is None where nothing was hashed: no
    ``lookup`` (no cache), or a URL, hashed where it is read. ``progress(1)`` after each file settled."""
    settled: dict[int, R | FileFailure] = {}
    todo: list[tuple[int, Path | str, str | None]] = []
    for i, path in enumerate(files):
        if lookup is None or isinstance(path, str):
            todo.append((i, path, None))
            continue
        try:
            key = file_hash(path)
        except OSError as error:
            settled[i] = FileFailure(path, f"cannot read: {error.strerror or error}")
        else:
            hit = lookup(path, key)
            if hit is None:
                todo.append((i, path, key))
                continue
            settled[i] = hit
        if progress:
            progress(1)
    return settled, todo
