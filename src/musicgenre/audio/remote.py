"""Audio behind a URL (``s3://bucket/music/``, ``gs://…``, ``https://…``, ``file://…``): listed and read through
fsspec, so a library in object storage is classified as a folder on disk is.

Listing follows the local rules (:func:`musicgenre.audio.find_audio_files`): a file is kept whatever its
extension, a "folder" (prefix) is searched at any depth for audio extensions, anything else is a glob. Reading
copies one file at a time to a temporary local file (decoders want to seek), removed when done. Needs ``fsspec``
and the protocol's package (``s3fs``, ``gcsfs``, …): ``pip install 'musicgenre[s3]'``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from musicgenre.audio.errors import AudioError
from musicgenre.audio.io import AUDIO_EXTENSIONS

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def is_url(name: str | os.PathLike) -> bool:
    """``scheme://…`` (a bare local path is not a URL; ``file://`` is)."""
    return bool(_SCHEME.match(os.fspath(name))) if isinstance(name, str) else False


def _filesystem(url: str):
    """fsspec's filesystem for ``url`` and the path within it; AudioError (one line) when it cannot be had."""
    try:
        import fsspec
    except ImportError:
        raise AudioError(
            url, "reading URLs needs fsspec: pip install 'musicgenre[s3]' (or fsspec and gcsfs, …)"
        ) from None
    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as error:  # the protocol's own package (s3fs, gcsfs, …) is missing
        raise AudioError(url, f"this kind of URL needs a package: {' '.join(str(error).split())[:200]}") from None
    except (ValueError, OSError) as error:
        raise AudioError(url, f"cannot open: {' '.join(str(error).split())[:200]}") from None


def find_remote(inputs: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The file URLs named by URL ``inputs``, each once in order; ``(input, reason)`` for inputs naming none."""
    files: dict[str, None] = {}
    missing: list[tuple[str, str]] = []
    for url in inputs:
        try:
            found = _list(url)
        except AudioError as error:
            missing.append((url, error.reason))
            continue
        except Exception as error:  # a storage service's own errors (permissions, throttling, …)
            missing.append((url, f"cannot list: {type(error).__name__}: {' '.join(str(error).split())[:200]}"))
            continue
        if not found:
            missing.append((url, "no audio files there, and no glob match"))
        files.update(dict.fromkeys(found))
    return list(files), missing


def _list(url: str) -> list[str]:
    fs, path = _filesystem(url)
    if fs.isdir(path):
        names = [p for p in fs.find(path) if PurePosixPath(p).suffix.lower() in AUDIO_EXTENSIONS]
    elif fs.isfile(path):
        return [url]
    else:
        names = []
        for match in fs.glob(path):
            if fs.isdir(match):
                names += [p for p in fs.find(match) if PurePosixPath(p).suffix.lower() in AUDIO_EXTENSIONS]
            else:
                names.append(match)
    return [fs.unstrip_protocol(p) for p in sorted(names)]


@contextlib.contextmanager
def local_copy(url: str) -> Iterator[Path]:
    """A temporary local copy of the file at ``url`` (same extension), removed on exit; AudioError naming the URL
    when it cannot be read."""
    fs, path = _filesystem(url)
    handle, name = tempfile.mkstemp(prefix="musicgenre-", suffix=PurePosixPath(path).suffix)
    try:
        try:
            with os.fdopen(handle, "wb") as out, fs.open(path, "rb") as source:
                shutil.copyfileobj(source, out, 1 << 20)
        except FileNotFoundError:
            raise AudioError(url, "no such file") from None
        except Exception as error:  # the storage service's errors, in one line
            raise AudioError(
                url, f"cannot read: {type(error).__name__}: {' '.join(str(error).split())[:200]}"
            ) from None
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
