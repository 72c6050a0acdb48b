"""Read and write the genre (and musicgenre's probabilities) in a file's tags with mutagen, one atomic write.

Where the genre goes, by container:

| format | genre field | probabilities field |
|---|---|---|
| MP3, AIFF, WAV (ID3v2 tag; in AIFF/WAV an ``ID3`` chunk) | ``TCON`` | ``TXXX:MUSICGENRE`` |
| FLAC, Ogg Vorbis, Ogg Opus (Vorbis comment) | ``GENRE`` | ``MUSICGENRE_PROBABILITIES`` |
| MP4/M4A | ``©gen`` | ``----:com.musicgenre:probabilities`` |

Most writes copy and rename. A write copies the file to a hidden temporary file in the same folder, with the
same mode and group (and owner when run as root: chowned before the rename). It writes the tags to the copy and
flushes it to disk. It then calls ``before_replace``, where the undo log entry is written and flushed. Last,
it ``os.replace``-s the copy over the original and flushes the folder.

A process killed at any moment leaves the original as it was or the fully tagged copy in its place. So does a
write that fails (a full disk: ``no space left on the device``; a file-size limit). At worst a kill leaves a stray
``.<name>.musicgenre-*.tmp`` beside the file. Only the tag blocks change; the audio packets stay byte for byte.
``before_replace`` also gets the :class:`Rewrite`, which undo uses to give the original file back: the original's
size, modification time and hash and the byte patch (:mod:`musicgenre.tagging.patch`) that rebuilds it.

Links: a symbolic link stays a link; the file it names is written (every path is resolved first). A file with
several hard links is written **in place** instead of renamed over (``_write_in_place``): a rename would make
the tagged copy a new inode under this one name while the other names kept the old file. The in-place copy runs
under the lock, only after ``before_replace`` (the undo entry is on disk). The room a longer file needs is
reserved first, so a full disk fails before a byte is written. The tagged copy is removed only once the file is
flushed. It is the one write that is not atomic: a kill during that copy can leave a hard-linked file half
written (its undo entry and the whole tagged copy are then on disk). Files with one link keep copy-and-rename.

Every write holds an advisory lock on the file (:func:`lock_file`, ``flock``) from reading its tags to the rename,
so two runs never write one file at once: the second waits up to ``LOCK_WAIT_S`` seconds, then calls it busy.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from musicgenre.tagging import patch

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


#: what a failed write says for the errors a full or limited disk gives
ERRNO_REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EFBIG: "file too large for the file system limit",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EIO: "input/output error",
}


def os_error_in(error: BaseException) -> OSError | None:
    """The OSError behind ``error`` (itself, its cause or context, or the one mutagen wrapped), if any."""
    seen: set[int] = set()
    queue: list[BaseException | None] = [error]
    while queue:
        item = queue.pop(0)
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, OSError):
            return item
        queue += [item.__cause__, item.__context__, *(a for a in item.args if isinstance(a, BaseException))]
    return None


def write_reason(error: BaseException) -> str:
    """One lower-case phrase for why a write failed: ``no space left on the device`` for ENOSPC, and so on."""
    found = os_error_in(error)
    if found is not None and found.errno in ERRNO_REASONS:
        return ERRNO_REASONS[found.errno]
    if found is not None and found.strerror:
        return found.strerror[:1].lower() + found.strerror[1:]
    return _reason(error)


#: how long a write waits for another run's lock on the same file before it calls the file busy
LOCK_WAIT_S = 5.0
BUSY = "busy: another musicgenre run is writing this file; left alone"


@dataclass(frozen=True)
class FileLock:
    """An advisory lock (``flock``) held on the file now at ``path`` (see :func:`lock_file`): on the file it was
    taken on and on each file a write put in its place (``descriptors``), all released together."""

    path: str
    descriptors: list[int]

    def cover(self, replacement: str) -> None:
        """Lock ``replacement`` too, before it is renamed over ``path``: a process that opens the path after the
        rename waits for this lock instead of finding the new file free while this write is still under way."""
        import fcntl

        descriptor = os.open(replacement, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        self.descriptors.append(descriptor)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a fresh hidden file: nobody else holds it


@contextmanager
def lock_file(path: str | os.PathLike, wait_s: float = LOCK_WAIT_S) -> Iterator[FileLock]:
    """Hold an exclusive advisory lock on the file at ``path`` for the ``with`` block; TagError ``busy`` after
    ``wait_s`` seconds of another process holding it.

    The lock is on the file itself (no lock files left behind). A write replaces the file by a new one, so once
    the lock is taken the path is checked to still name the locked file, else the new one is locked instead."""
    import fcntl

    deadline = time.monotonic() + wait_s
    while True:
        try:
            # O_NONBLOCK: a FIFO named by the path must not hang the open; a regular file ignores it
            descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError as error:
            raise TagError(path, write_reason(error)) from None
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            os.close(descriptor)
            raise TagError(path, "not a regular file; left alone")
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            if time.monotonic() >= deadline:
                raise TagError(path, BUSY) from None
            time.sleep(0.05)
            continue
        try:
            now, locked = os.stat(path), os.fstat(descriptor)
        except OSError as error:
            os.close(descriptor)
            raise TagError(path, write_reason(error)) from None
        if (now.st_dev, now.st_ino) != (locked.st_dev, locked.st_ino):
            os.close(descriptor)  # replaced while this process waited: lock the file there now
            continue
        break
    lock = FileLock(os.path.realpath(path), [descriptor])
    try:
        yield lock
    finally:
        for held in lock.descriptors:
            os.close(held)  # closing releases the lock


@dataclass(frozen=True)
class FileState:
    """A file's bytes as a whole: size, modification time (ns) and SHA-256 (hex)."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class Rewrite:
    """What one write did to a file's bytes: the ``original`` and ``written`` states and the ``patch``
    (:func:`musicgenre.tagging.patch.encode`) that rebuilds the original from the written file; ``patch`` is
    None, with ``note`` saying why, when it is not kept."""

    original: FileState
    written: FileState
    patch: bytes | None
    note: str = ""


def describe_rewrite(original: str | os.PathLike, written: str | os.PathLike, state: FileState) -> Rewrite:
    """The :class:`Rewrite` from ``original`` (whose ``state`` was taken as it was copied) to ``written``; the
    patch is kept only when it rebuilds the original exactly and holds at most ``patch.MAX_LITERAL`` bytes."""
    info = os.stat(written)
    after = FileState(info.st_size, info.st_mtime_ns, patch.sha256_of(written))
    pieces = patch.diff(original, written)
    kept = patch.literal_bytes(pieces)
    if kept > patch.MAX_LITERAL:
        return Rewrite(state, after, None, f"the write changed {kept} bytes, too many to keep in the log")
    if patch.rebuilt_sha256(pieces, written) != state.sha256:
        return Rewrite(state, after, None, "the file changed while it was being tagged")
    return Rewrite(state, after, patch.encode(pieces))


def write_genres(
    path: str | os.PathLike,
    genres: tuple[str, ...],
    probabilities: str | None = None,
    *,
    keep_probabilities: bool = False,
    before_replace: Callable[[GenreTags, Rewrite], None] | None = None,
    lock: FileLock | None = None,
) -> GenreTags:
    """Set ``path``'s genres (and probabilities text, or remove it when None unless ``keep_probabilities``)
    atomically; return the tags as they were.

    ``before_replace(previous, rewrite)`` runs after the tagged copy is on disk and before it replaces the
    original (the undo log is written there; what it raises is raised, the original untouched). The write holds
    ``lock`` (taken here when None). Raises :class:`TagError` (the original untouched) for a read-only or busy
    file, tags mutagen cannot parse or write, a format without a genre field, or a failed write (a full disk:
    ``no space left on the device``).
    """
    with nullcontext(lock) if lock is not None else lock_file(path) as held:
        target = os.path.realpath(path)  # a symbolic link stays one: the file it names is written
        assert held.path == target, "the lock is another file's"
        check_writable(target)
        previous = read_genres(target)
        if keep_probabilities:
            probabilities = previous.probabilities
        temp, state = _tagged_copy(target, genres, probabilities)

        def log_first() -> None:
            if before_replace is None:
                return
            try:
                rewrite = describe_rewrite(target, temp, state)
            except OSError as error:
                raise TagError(path, f"cannot read the tagged copy: {write_reason(error)}") from None
            before_replace(previous, rewrite)

        _replace(target, temp, held, log_first)
    return previous


def _hidden_copy(path: str | os.PathLike, what: str) -> tuple[int, str]:
    """A new hidden temporary file beside ``path`` (named so a later run recognises it): ``(descriptor, path)``;
    TagError naming ``what`` when the folder cannot take it."""
    folder, name = os.path.split(os.path.abspath(path))
    try:
        return tempfile.mkstemp(prefix=f".{name}{TEMP_MARK}", suffix=TEMP_SUFFIX, dir=folder)
    except OSError as error:
        raise TagError(path, f"cannot make the {what}: {write_reason(error)}") from None


def _tagged_copy(path: str | os.PathLike, genres: tuple[str, ...], probabilities: str | None) -> tuple[str, FileState]:
    """A hidden copy of ``path`` beside it with the fields set, flushed to disk, and the original's state."""
    handle, temp = _hidden_copy(path, "tagged copy")
    try:
        with os.fdopen(handle, "wb") as out, open(path, "rb") as source:
            info = os.fstat(source.fileno())
            digest = hashlib.sha256()
            while block := source.read(1 << 20):
                digest.update(block)
                out.write(block)
        _keep_owner_and_mode(path, temp)
        audio, kind = _open(temp)
        _set_fields(audio, kind, genres, probabilities)
        _save(audio, kind)
        _fsync_file(temp)
    except BaseException as error:
        _discard(temp)
        if isinstance(error, TagError):
            raise TagError(path, error.reason) from None
        if os_error_in(error) is not None:
            raise TagError(path, f"cannot write the tagged copy: {write_reason(error)}") from None
        if isinstance(error, Exception):  # mutagen raises several kinds on damaged files
            raise TagError(path, f"tags cannot be written: {_reason(error)}") from None
        raise
    return temp, FileState(info.st_size, info.st_mtime_ns, digest.hexdigest())


def _keep_owner_and_mode(path: str | os.PathLike, temp: str) -> None:
    """Give ``temp`` the owner, group and mode of ``path``: the owner only as root (a user cannot give a file
    away), the group where the user may (else it stays the user's), then the mode (chown clears set-id bits)."""
    info, made = os.stat(path), os.stat(temp)
    if (info.st_uid, info.st_gid) != (made.st_uid, made.st_gid):
        try:
            os.chown(temp, info.st_uid if os.geteuid() == 0 else -1, info.st_gid)
        except PermissionError:
            pass
    os.chmod(temp, stat.S_IMODE(info.st_mode))


def _replace(
    path: str | os.PathLike,
    temp: str,
    lock: FileLock,
    before: Callable[[], None] | None = None,
    mtime_ns: int | None = None,
) -> None:
    """Run ``before`` (its errors raised as they are) then put ``temp`` in place of ``path`` (``lock`` held on
    it too) and flush the folder; ``temp`` is removed on any failure. A file with several hard links is written
    in place instead (``_write_in_place``, modification time ``mtime_ns`` when given), so it stays one file."""
    try:
        if before is not None:
            before()
        try:
            in_place = os.stat(path).st_nlink > 1
            if not in_place:
                lock.cover(temp)
                os.replace(temp, path)
        except OSError as error:
            raise TagError(path, f"cannot replace the file: {write_reason(error)}") from None
    except BaseException:
        _discard(temp)
        raise
    if in_place:
        _write_in_place(path, temp, mtime_ns)
        return
    _fsync_folder(os.path.dirname(os.path.abspath(path)))


def _write_in_place(path: str | os.PathLike, temp: str, mtime_ns: int | None) -> None:
    """Copy ``temp``'s bytes over ``path`` itself (same inode, so every hard link sees them), flush, then remove
    ``temp``. The room a longer file needs is reserved first, so a full disk fails before a byte is written;
    ``temp`` (the whole new file) is removed only once the file is on disk, and kept (the error names it) when
    the write failed part way."""
    started = False
    try:
        size = os.path.getsize(temp)
        with open(temp, "rb") as source, open(path, "r+b") as out:
            if size > os.fstat(out.fileno()).st_size:
                try:
                    os.posix_fallocate(out.fileno(), 0, size)
                except OSError as error:
                    if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                        raise
            started = True
            shutil.copyfileobj(source, out, 1 << 20)
            out.truncate()
            out.flush()
            os.fsync(out.fileno())
        if mtime_ns is not None:
            os.utime(path, ns=(time.time_ns(), mtime_ns))
    except OSError as error:
        if not started:
            _discard(temp)
            raise TagError(path, f"cannot write the file in place: {write_reason(error)}") from None
        raise TagError(
            path, f"cannot write the file in place: {write_reason(error)}; the whole new file is kept at {temp}"
        ) from None
    _discard(temp)


def replace_bytes(
    path: str | os.PathLike, blocks: Iterable[bytes], sha256: str, mtime_ns: int | None, lock: FileLock
) -> None:
    """Put a file of ``blocks`` in place of ``path`` atomically (same permission bits, modification time
    ``mtime_ns``, or now when None) when its SHA-256 is ``sha256``; TagError (the file untouched) otherwise or on
    a failed write."""
    assert lock.path == os.path.realpath(path), "the lock is another file's"
    path = lock.path
    handle, temp = _hidden_copy(path, "restored copy")
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as out:
            for block in blocks:
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise TagError(path, "the rebuilt file is not the original (its hash differs); left alone")
        _keep_owner_and_mode(path, temp)
        if mtime_ns is not None:
            os.utime(temp, ns=(time.time_ns(), mtime_ns))  # before the rename: after it the path may be another's
    except BaseException as error:
        _discard(temp)
        if isinstance(error, OSError):
            raise TagError(path, f"cannot write the restored copy: {write_reason(error)}") from None
        raise
    _replace(path, temp, lock, mtime_ns=mtime_ns)


def _fsync_file(path: str) -> None:
    with open(path, "rb+") as written:
        os.fsync(written.fileno())


def _discard(temp: str) -> None:
    """Remove a temporary copy (already gone is fine)."""
    try:
        os.unlink(temp)
    except FileNotFoundError:
        pass


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
