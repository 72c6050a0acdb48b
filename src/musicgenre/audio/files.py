"""Which files to read: the audio files named by files, folders and glob patterns, and a file's content hash.

Every batch front end (``musicgenre predict``, ``features``, ``embed``, ``tags``) turns its command-line
inputs into files here, so they all accept the same inputs and say the same thing about inputs that
name no audio.
"""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Iterable
from pathlib import Path

from musicgenre.audio.io import AUDIO_EXTENSIONS
from musicgenre.audio.remote import find_remote, is_url

#: Reasons in ``find_audio_files``'s ``missing`` list.
NO_SUCH_PATH = "no such file or folder, and no glob match"
NO_AUDIO_IN_FOLDER = "folder holds no audio files"
URL_NOT_HERE = "a URL: this command reads local files only (predict, label, features and embed read URLs)"


def find_audio_files(inputs: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files named by ``inputs``, in order, each once; and ``(input, reason)`` for every input that named none.

    - a file is kept whatever its extension (the loader judges whether it decodes);
    - a folder is searched recursively for files whose extension is in ``AUDIO_EXTENSIONS``, in sorted order;
      one with none is ``(folder, "folder holds no audio files")``;
    - anything else is read as a glob pattern (``*``, ``?``, ``[…]``, ``**`` for any depth); matched files are
      kept as a file is, matched folders are searched as a folder is; a pattern with no match (or a path that
      does not exist) is ``(input, "no such file or folder, and no glob match")``.

    A file reached twice (two inputs, a pattern and a folder, a second path to the same file) is kept at its
    first place, under the name it was first reached by; repeats are told apart by resolved path.
    """
    files: dict[Path, Path] = {}  # resolved -> as reached
    missing: list[tuple[str, str]] = []
    for item in inputs:
        text = str(item)
        path = Path(text)
        if is_url(text):
            missing.append((text, URL_NOT_HERE))
            continue
        if path.is_dir():
            found = audio_files_under(path)
            if not found:
                missing.append((text, NO_AUDIO_IN_FOLDER))
        elif path.exists():
            found = [path]
        else:
            matches = [Path(m) for m in sorted(glob.glob(text, recursive=True))]
            found = [f for m in matches for f in (audio_files_under(m) if m.is_dir() else [m])]
            if not found:
                missing.append((text, NO_AUDIO_IN_FOLDER if matches else NO_SUCH_PATH))
        for f in found:
            files.setdefault(_identity(f), f)
    return list(files.values()), missing


def find_inputs(inputs: Iterable[str | Path]) -> tuple[list[str], list[tuple[str, str]]]:
    """Like :func:`find_audio_files`, for commands that also read URLs (``s3://bucket/music/``, …): file names
    and file URLs as strings (local files first, then URLs, each in input order), and the inputs naming none."""
    texts = [str(item) for item in inputs]
    files, missing = find_audio_files([t for t in texts if not is_url(t)])
    remote = [t for t in texts if is_url(t)]
    urls, missing_urls = find_remote(remote) if remote else ([], [])
    return [str(f) for f in files] + urls, missing + missing_urls


def _identity(path: Path) -> Path:
    """The real path a file name stands for (two names of one file are one file); a link loop stands for itself."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # "Symlink loop" is a RuntimeError before Python 3.13, an OSError after
        return path.absolute()


def audio_files_under(folder: Path) -> list[Path]:
    """Entries below ``folder`` (any depth) with an audio extension, sorted: files, and also pipes, sockets,
    devices and broken links so named (the loader gives each an error row instead of passing over it in
    silence); folders so named are searched, not listed."""
    return sorted(f for f in Path(folder).rglob("*") if f.suffix.lower() in AUDIO_EXTENSIONS and not f.is_dir())


def file_hash(path: str | Path, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of the file's content, read in 1 MiB chunks so memory stays flat (the caches' key)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()
