"""One playlist per genre from the predictions ``musicgenre predict -o`` wrote: extended M3U8 a player can open.

Reads the CSV (track rows), JSONL or JSON output of :mod:`musicgenre.inference.output`, keeps the classified
tracks that pass the filters, and writes ``<genre>.m3u8`` per genre into a folder (names made safe and distinct by
:func:`playlist_names`; each file written whole, never through a planted link)::

    #EXTM3U
    #EXTINF:30,blues.00012.wav
    ../music/blues/blues.00012.wav

Entries are paths relative to the playlist's folder where possible (a player resolves them against it, so the
folder of music and playlists can move together), absolute otherwise (another drive), URLs as written. The
``#EXTINF`` duration is whole seconds (-1 when unknown), the title the file's name. UTF-8; a file name that is
not UTF-8 is written as its bytes, like the predictions.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from musicgenre.audio import is_url
from musicgenre.audio.atomic import write_atomically
from musicgenre.inference.library import read_library


@dataclass(frozen=True)
class Track:
    """One classified track of a predictions file: its path as written, genre, top probability, length (s, None if
    not known), the uncertain mark (None: the model has no threshold)."""

    file: str
    genre: str
    probability: float
    duration_s: float | None
    uncertain: bool | None


@dataclass(frozen=True)
class PlaylistFilter:
    """Which tracks go into playlists: top probability at least ``min_probability``; none marked uncertain (or not
    music, which is marked uncertain too) when ``exclude_uncertain``; files that exist (URLs are kept)."""

    min_probability: float = 0.0
    exclude_uncertain: bool = False

    def keeps(self, track: Track) -> bool:
        if track.probability < self.min_probability:
            return False
        return not (self.exclude_uncertain and track.uncertain)


@dataclass(frozen=True)
class Playlist:
    """A genre's playlist: the file written and its tracks in the order written."""

    genre: str
    path: Path
    tracks: tuple[Track, ...]


@dataclass(frozen=True)
class PlaylistReport:
    """What a run did: the playlists written (each a file now on disk), tracks read, left out by the filters,
    missing files (paths), files whose name holds a line break, which one line of M3U cannot name (left out), and
    ``(genre, reason)`` for each playlist that could not be written."""

    playlists: tuple[Playlist, ...]
    read: int
    filtered: int
    missing: tuple[str, ...]
    unlistable: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()


def read_predictions(path: str | Path) -> list[Track]:
    """The classified tracks of a ``predict -o`` output (CSV, JSONL, or a JSON array, read by
    :func:`~musicgenre.inference.library.read_library`); failed files are skipped. Raises
    :class:`~musicgenre.inference.library.PredictionsError` (one line naming the file)."""
    return [
        Track(t.file, t.genre, t.probability or 0.0, t.duration_s, t.uncertain)
        for t in read_library(path).tracks
        if t.ok and t.genre is not None
    ]


def resolve(track: Track, base: Path) -> str:
    """The track's location: a URL as written, a path made absolute against ``base`` (where predict ran)."""
    if is_url(track.file):
        return track.file
    return os.path.abspath(os.path.join(base, os.path.expanduser(track.file)))


def entry_path(location: str, folder: Path) -> str:
    """How a playlist in ``folder`` names ``location``: relative to ``folder`` when possible (POSIX separators
    on every system; players accept them; ``./`` before a name starting with ``#``), else absolute; URLs
    unchanged."""
    if is_url(location):
        return location
    try:
        relative = os.path.relpath(location, os.path.abspath(folder))
    except ValueError:  # another drive (Windows)
        return location
    relative = Path(relative).as_posix()
    return f"./{relative}" if relative.startswith("#") else relative  # "#…" would read as a comment line


#: The longest playlist name kept whole (UTF-8 bytes, before ``.m3u8``); a longer one is cut and given a hash.
MAX_NAME_BYTES = 100
#: Names Windows reserves for devices, whatever the extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def _genre_hash(genre: str) -> str:
    """Eight hex digits of the SHA-256 of the exact genre name: what tells apart genres whose names clean alike."""
    return hashlib.sha256(genre.encode("utf-8", errors="surrogatepass")).hexdigest()[:8]


def _stem(genre: str) -> tuple[str, bool]:
    """The file-name stem for ``genre`` (characters no file system takes replaced by ``_``, at most
    :data:`MAX_NAME_BYTES`), and whether it must carry the genre's hash on its own (cut, or a reserved name)."""
    name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|\ud800-\udfff]', "_", genre).strip(" .") or "genre"
    encoded = name.encode("utf-8")
    cut = len(encoded) > MAX_NAME_BYTES
    if cut:
        name = encoded[:MAX_NAME_BYTES].decode("utf-8", errors="ignore").rstrip(" .") or "genre"
    return name, cut or name.split(".")[0].upper() in _RESERVED


def playlist_names(genres: Iterable[str]) -> dict[str, str]:
    """A distinct, safe file name per genre: ``<genre>.m3u8`` where the name can be used as it is. Characters no
    file system takes become ``_`` (``hip hop/rap`` -> ``hip hop_rap.m3u8``); genres whose names then coincide
    (``Rock/Pop``, ``Rock:Pop``; or differ only in case, which some file systems ignore) get ``-`` and 8 hex digits
    of a hash of the exact genre name (a genre already spelled that way keeps the plain name); a name longer than
    :data:`MAX_NAME_BYTES` is cut and always hashed. The same genres always give the same names."""
    genres = list(dict.fromkeys(genres))
    stems = {g: _stem(g) for g in genres}
    groups: dict[str, list[str]] = {}
    for genre in genres:
        groups.setdefault(stems[genre][0].casefold(), []).append(genre)
    names: dict[str, str] = {}
    used: set[str] = set()
    for genre in genres:  # names kept as they are first, so that a hashed name never takes one of theirs
        stem, hashed = stems[genre]
        group = groups[stem.casefold()]
        if not hashed and (len(group) == 1 or [g for g in group if stems[g][0] == g] == [genre]):
            names[genre] = f"{stem}.m3u8"
            used.add(names[genre].casefold())
    for genre in genres:
        if genre in names:
            continue
        stem = stems[genre][0]
        name, extra = f"{stem}-{_genre_hash(genre)}.m3u8", 1
        while name.casefold() in used:  # only a genre spelled like another's hashed name gets here
            extra += 1
            name = f"{stem}-{_genre_hash(genre)}-{extra}.m3u8"
        names[genre] = name
        used.add(name.casefold())
    return names


def playlist_name(genre: str) -> str:
    """The file name of ``genre``'s playlist when it is the only genre (:func:`playlist_names`)."""
    return playlist_names([genre])[genre]


def m3u8_text(tracks: Sequence[Track], locations: Sequence[str], folder: Path) -> str:
    """Extended M3U: ``#EXTM3U``, then per track ``#EXTINF:<seconds>,<file name>`` and its path."""
    lines = ["#EXTM3U"]
    for track, location in zip(tracks, locations, strict=True):
        seconds = -1 if track.duration_s is None else int(round(track.duration_s))
        title = location.rstrip("/").rsplit("/", 1)[-1] if is_url(location) else Path(location).name
        lines += [f"#EXTINF:{seconds},{title}", entry_path(location, folder)]
    return "\n".join(lines) + "\n"


def write_playlists(
    tracks: Iterable[Track], folder: str | Path, keep: PlaylistFilter = PlaylistFilter(), base: str | Path = "."
) -> PlaylistReport:
    """Write ``<genre>.m3u8`` (named by :func:`playlist_names`) into ``folder`` (created) for every genre with a
    track that passes ``keep``, tracks in the predictions' order, each file once; paths in the predictions are
    relative to ``base``. Files that no longer exist (or whose name holds a line break) are left out and listed in
    the report: a playlist never names a path that does not resolve. Each playlist is written whole through a new
    temporary file (:func:`~musicgenre.audio.atomic.write_atomically`), never through a planted link; one that
    cannot be written is listed in ``failed``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    by_genre: dict[str, list[tuple[Track, str]]] = {}
    seen: set[str] = set()
    read = filtered = 0
    missing: list[str] = []
    unlistable: list[str] = []
    for track in tracks:
        read += 1
        if not keep.keeps(track):
            filtered += 1
            continue
        location = resolve(track, Path(base))
        if location in seen:
            continue
        if "\n" in location or "\r" in location:
            unlistable.append(track.file)
            continue
        if not is_url(location) and not os.path.isfile(location):
            missing.append(track.file)
            continue
        seen.add(location)
        by_genre.setdefault(track.genre, []).append((track, location))
    playlists = []
    failed: list[tuple[str, str]] = []
    names = playlist_names(by_genre)
    for genre, entries in by_genre.items():
        target = folder / names[genre]
        text = m3u8_text([t for t, _ in entries], [loc for _, loc in entries], folder)
        try:
            write_atomically(target, text, errors="surrogateescape")
        except OSError as error:  # this playlist only: the others are still written
            failed.append((genre, f"{target}: {error.strerror or error}"))
            continue
        playlists.append(Playlist(genre, target, tuple(t for t, _ in entries)))
    return PlaylistReport(tuple(playlists), read, filtered, tuple(missing), tuple(unlistable), tuple(failed))
