"""Read and write the genre (and musicgenre's probabilities) in a file's tags with mutagen, one atomic write.

Where the genre goes, by container:

| format | genre field | probabilities field |
|---|---|---|
| MP3, AIFF, WAV (ID3v2 tag; in AIFF/WAV an ``ID3`` chunk) | ``TCON`` | ``TXXX:MUSICGENRE`` |
| FLAC, Ogg Vorbis, Ogg Opus (Vorbis comment) | ``GENRE`` | ``MUSICGENRE_PROBABILITIES`` |
| MP4/M4A | ``©gen`` | ``----:com.musicgenre:probabilities`` |

A write never edits the file in place: it copies the file to a hidden temporary file in the same folder (same
permission bits), writes the tags to the copy, flushes it to disk, calls ``before_replace`` (where the undo log
entry is written and flushed), then ``os.replace``-s the copy over the original and flushes the folder. A process
killed at any moment leaves the original as it was or the fully tagged copy in its place (at worst a stray
``.<name>.musicgenre-*.tmp`` beside it). Only the tag blocks change; the audio packets stay byte for byte.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: the ID3 user text frame, Vorbis comment and MP4 freeform atom holding the probabilities (JSON)
ID3_PROBABILITIES = "MUSICGENRE"
VORBIS_PROBABILITIES = "MUSICGENRE_PROBABILITIES"
MP4_PROBABILITIES = "----:com.musicgenre:probabilities"
MP4_GENRE = "\xa9gen"
TEMP_SUFFIX = ".tmp"
TEMP_MARK = ".musicgenre-"


class TagError(Exception):
    """A file whose tags cannot be read or written; ``str()`` is one line ``"<path>: <reason>"``."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path, self.reason = str(path), " ".join(reason.split())
        super().__init__(f"{self.path}: {self.reason}")


@dataclass(frozen=True)
class GenreTags:
    """What a file's tags say: its ``kind`` (``id3``, ``vorbis``, ``mp4``), container ``format`` (e.g. ``FLAC``),
    its genres (all values, in order; empty when none), the raw probabilities text and its artist (None when
    absent). ID3v1 genre numbers such as ``(17)`` come as their names (``Rock``)."""

    kind: str
    format: str
    genres: tuple[str, ...]
    probabilities: str | None = None
    artist: str | None = None  # the first artist (else album artist) named, for grouping a library's tracks


def probabilities_text(probabilities: dict[str, float], model: str | None = None) -> str:
    """The probabilities field's value: compact JSON ``{"model": …, "probabilities": {genre: p}}`` (4 decimals)."""
    body: dict = {"probabilities": {g: round(float(p), 4) for g, p in probabilities.items()}}
    if model:
        body = {"model": model, **body}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def parse_probabilities(text: str | None) -> dict[str, float] | None:
    """The genre -> probability map of a probabilities field written by :func:`probabilities_text` (None if not)."""
    if not text:
        return None
    try:
        body = json.loads(text)
        return {str(g): float(p) for g, p in body["probabilities"].items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _open(path: str | os.PathLike):
    """The mutagen object of ``path`` and its kind; TagError when mutagen cannot parse it or it has no genre."""
    import mutagen
    from mutagen.aiff import AIFF
    from mutagen.flac import FLAC
    from mutagen.mp3 import MP3
    from mutagen.mp4 import MP4
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis
    from mutagen.wave import WAVE

    try:
        audio = mutagen.File(path)
    except mutagen.MutagenError as error:
        raise TagError(path, f"tags cannot be read: {_reason(error)}") from None
    except OSError as error:
        raise TagError(path, error.strerror or str(error)) from None
    if audio is None:
        raise TagError(path, f"no genre tag for this format ({Path(path).suffix.lstrip('.') or 'no extension'})")
    if isinstance(audio, (MP3, AIFF, WAVE)):
        kind = "id3"
    elif isinstance(audio, (FLAC, OggVorbis, OggOpus)):
        kind = "vorbis"
    elif isinstance(audio, MP4):
        kind = "mp4"
    else:
        raise TagError(path, f"no genre tag written for {type(audio).__name__} files")
    return audio, kind


def _reason(error: BaseException) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__


def read_genres(path: str | os.PathLike) -> GenreTags:
    """The genres and probabilities text ``path``'s tags hold (raises :class:`TagError`)."""
    audio, kind = _open(path)
    tags = audio.tags
    genres: list[str] = []
    probabilities: str | None = None
    if tags is not None:
        if kind == "id3":
            if "TCON" in tags:
                genres = [g for g in tags["TCON"].genres if g]
            frame = tags.get(f"TXXX:{ID3_PROBABILITIES}")
            probabilities = str(frame.text[0]) if frame is not None and frame.text else None
        elif kind == "vorbis":
            genres = [g for g in tags.get("GENRE", []) if g]
            values = tags.get(VORBIS_PROBABILITIES, [])
            probabilities = values[0] if values else None
        else:
            genres = [g for g in tags.get(MP4_GENRE, []) if g]
            values = tags.get(MP4_PROBABILITIES, [])
            probabilities = bytes(values[0]).decode("utf-8", "replace") if values else None
    return GenreTags(kind, type(audio).__name__, tuple(genres), probabilities, _artist(tags, kind))


#: the artist fields by tag kind, the track's artist before the album's
ARTIST_FIELDS = {"id3": ("TPE1", "TPE2"), "vorbis": ("ARTIST", "ALBUMARTIST"), "mp4": ("\xa9ART", "aART")}


def _artist(tags, kind: str) -> str | None:
    """The first non-empty artist name in ``tags`` (:data:`ARTIST_FIELDS` order), stripped; None when none."""
    if tags is None:
        return None
    for key in ARTIST_FIELDS[kind]:
        if kind == "id3":
            values = tags[key].text if key in tags else []
        else:
            values = tags.get(key, [])
        for value in values:
            if str(value).strip():
                return " ".join(str(value).split())
    return None


def _set_fields(audio, kind: str, genres: tuple[str, ...], probabilities: str | None) -> None:
    """Set (or, for an empty value, remove) the genre and probabilities fields; every other tag is left alone."""
    from mutagen.id3 import TCON, TXXX
    from mutagen.mp4 import MP4FreeForm

    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    if kind == "id3":
        tags.delall("TCON")
        if genres:
            tags.add(TCON(encoding=3, text=list(genres)))
        tags.delall(f"TXXX:{ID3_PROBABILITIES}")
        if probabilities is not None:
            tags.add(TXXX(encoding=3, desc=ID3_PROBABILITIES, text=[probabilities]))
    elif kind == "vorbis":
        _put(tags, "GENRE", list(genres))
        _put(tags, VORBIS_PROBABILITIES, [probabilities] if probabilities is not None else [])
    else:
        _put(tags, MP4_GENRE, list(genres))
        _put(tags, MP4_PROBABILITIES, [MP4FreeForm(probabilities.encode())] if probabilities is not None else [])


def _put(tags, key: str, values: list) -> None:
    if values:
        tags[key] = values
    elif key in tags:
        del tags[key]


def _save(audio, kind: str) -> None:
    if kind == "id3":
        version = getattr(audio.tags, "version", (2, 4, 0))
        audio.save(v2_version=3 if version[:2] == (2, 3) else 4)  # an ID3v2.3 tag stays v2.3 for older players
    else:
        audio.save()


def check_writable(path: str | os.PathLike) -> None:
    """TagError if ``path`` is read-only (its owner's write bit is off) or its folder cannot take a new file."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise TagError(path, "not a regular file")
    if not info.st_mode & stat.S_IWUSR:
        raise TagError(path, "file is read-only; left alone")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise TagError(path, "its folder is not writable (a tagged copy is made beside the file); left alone")


def write_genres(
    path: str | os.PathLike,
    genres: tuple[str, ...],
    probabilities: str | None = None,
    *,
    keep_probabilities: bool = False,
    before_replace: Callable[[GenreTags], None] | None = None,
) -> GenreTags:
    """Set ``path``'s genres (and probabilities text, or remove it when None unless ``keep_probabilities``)
    atomically; return the tags as they were.

    ``before_replace(previous)`` runs after the tagged copy is on disk and before it replaces the original (the
    undo log is written there). Raises :class:`TagError` (the original untouched) for a read-only file, tags
    mutagen cannot parse or write, or a format without a genre field.
    """
    check_writable(path)
    previous = read_genres(path)
    if keep_probabilities:
        probabilities = previous.probabilities
    folder, name = os.path.split(os.path.abspath(path))
    handle, temp = tempfile.mkstemp(prefix=f".{name}{TEMP_MARK}", suffix=TEMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(handle, "wb") as out, open(path, "rb") as source:
            shutil.copyfileobj(source, out, 1 << 20)
        shutil.copymode(path, temp)
        try:
            audio, kind = _open(temp)
            _set_fields(audio, kind, genres, probabilities)
            _save(audio, kind)
        except TagError as error:
            raise TagError(path, error.reason) from None
        except Exception as error:  # mutagen raises several kinds on damaged files; the original is untouched
            raise TagError(path, f"tags cannot be written: {_reason(error)}") from None
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        if before_replace is not None:
            before_replace(previous)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    _fsync_folder(folder)
    return previous


def _fsync_folder(folder: str) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems cannot fsync a folder; the rename itself is still atomic
    finally:
        os.close(descriptor)
