"""The bytes a tag write changed, kept small enough for the undo log, so undo can give back the original file.

A tag write changes only tag regions: an ID3v2 tag or FLAC metadata at the front, an ``ID3`` chunk appended to a
WAV/AIFF (and the container's size field at byte 4), an MP4 ``moov`` atom (with its chunk offsets), Ogg header
pages (and, when their count changes, every later page's sequence number and checksum). :func:`diff` describes the
original file as a short list of pieces: ranges to copy from the written file and the original bytes everywhere
else. It is format-agnostic: the two files are compared aligned at their starts and aligned at their ends (the
written file longer or shorter by the tag's growth); each alignment runs as far as the files agree but for short
differing runs, and the original bytes between the two are stored whole. :func:`rebuild` streams the pieces back.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

#: an equal run shorter than this between two differing runs is stored with them (a copy piece costs 17 bytes)
MIN_COPY = 32
#: an alignment stops at a differing stretch longer than this (an Ogg page header's changes are 8 bytes)
MAX_GAP = 64
#: above this many original bytes to keep, no patch is recorded (the write changed more than tags)
MAX_LITERAL = 8 << 20
#: the most bytes a patch's records may decompress to when undo reads one (the kept bytes and their record heads)
MAX_PATCH = MAX_LITERAL + (64 << 10)
_CHUNK = 1 << 18
_COPY = struct.Struct(">cQQ")
_LITERAL = struct.Struct(">cQ")


@dataclass(frozen=True)
class Piece:
    """A part of the original file: ``length`` bytes copied from the written file at ``offset``, or ``data``."""

    offset: int = 0
    length: int = 0
    data: bytes | None = None


def sha256_of(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while block := source.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _view(path: str | os.PathLike) -> tuple[np.ndarray, mmap.mmap | None]:
    """A read-only byte array over the file (memory-mapped; empty files give an empty array)."""
    with open(path, "rb") as source:
        size = os.fstat(source.fileno()).st_size
        if size == 0:
            return np.zeros(0, np.uint8), None
        mapped = mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ)
    return np.frombuffer(mapped, np.uint8), mapped


def _agreeing(a: np.ndarray, b: np.ndarray) -> tuple[int, list[tuple[int, int]]]:
    """How far ``a`` and ``b`` (aligned at index 0) agree but for differing runs of at most ``MAX_GAP`` bytes
    (equal runs shorter than ``MIN_COPY`` count as differing), and those runs as ``(start, end)``."""
    n = min(a.size, b.size)
    runs: list[tuple[int, int]] = []
    start = last = -1  # the open differing run, -1 when none
    for low in range(0, n, _CHUNK):
        high = min(low + _CHUNK, n)
        for position in (np.flatnonzero(a[low:high] != b[low:high]) + low).tolist():
            if start >= 0 and position - last - 1 < MIN_COPY:
                last = position
            else:
                if start >= 0:
                    runs.append((start, last + 1))
                start = last = position
            if last + 1 - start > MAX_GAP:
                return start, runs
    if start >= 0:
        if n - last - 1 < MIN_COPY:  # the scan ends inside a differing run: the alignment stops at its start
            return start, runs
        runs.append((start, last + 1))
    return n, runs


def diff(original: str | os.PathLike, written: str | os.PathLike) -> list[Piece]:
    """The pieces that rebuild ``original`` from ``written``: copies of the ranges the two share, the original
    bytes elsewhere."""
    a, a_map = _view(original)
    b, b_map = _view(written)
    try:
        head, head_runs = _agreeing(a, b)
        room = min(a.size, b.size) - head
        tail, tail_runs = _agreeing(a[::-1][:room], b[::-1][:room])
        shift = b.size - a.size
        pieces = _aligned(a, head_runs, 0, head, 0)
        if a.size - tail > head:
            pieces.append(Piece(data=a[head : a.size - tail].tobytes()))
        flipped = [(a.size - end, a.size - start) for start, end in reversed(tail_runs)]
        pieces += _aligned(a, flipped, a.size - tail, a.size, shift)
        return _joined(pieces)
    finally:
        del a, b
        for mapped in (a_map, b_map):
            if mapped is not None:
                mapped.close()


def _aligned(a: np.ndarray, runs: list[tuple[int, int]], start: int, end: int, shift: int) -> list[Piece]:
    """Pieces of ``a[start:end]``: its differing ``runs`` as data, the rest copied from the written file at
    ``shift`` bytes on."""
    pieces: list[Piece] = []
    at = start
    for run_start, run_end in runs:
        if run_start > at:
            pieces.append(Piece(at + shift, run_start - at))
        pieces.append(Piece(data=a[run_start:run_end].tobytes()))
        at = run_end
    if end > at:
        pieces.append(Piece(at + shift, end - at))
    return pieces


def _joined(pieces: list[Piece]) -> list[Piece]:
    """Adjacent data pieces merged, adjacent copies merged, empty pieces dropped."""
    out: list[Piece] = []
    for piece in pieces:
        if (piece.data is not None and not piece.data) or (piece.data is None and piece.length == 0):
            continue
        if out and piece.data is not None and out[-1].data is not None:
            out[-1] = Piece(data=out[-1].data + piece.data)
        elif out and piece.data is None and out[-1].data is None and out[-1].offset + out[-1].length == piece.offset:
            out[-1] = Piece(out[-1].offset, out[-1].length + piece.length)
        else:
            out.append(piece)
    return out


def literal_bytes(pieces: list[Piece]) -> int:
    """How many original bytes the pieces hold."""
    return sum(len(p.data) for p in pieces if p.data is not None)


def encode(pieces: list[Piece]) -> bytes:
    """The pieces as compact bytes (zlib-compressed records) for the undo log."""
    parts = []
    for piece in pieces:
        if piece.data is None:
            parts.append(_COPY.pack(b"C", piece.offset, piece.length))
        else:
            parts.append(_LITERAL.pack(b"L", len(piece.data)) + piece.data)
    return zlib.compress(b"".join(parts), 9)


def decode(blob: bytes, limit: int | None = None) -> list[Piece]:
    """The pieces :func:`encode` wrote; ValueError for anything else, and for records that would decompress to
    more than ``limit`` bytes (checked while decompressing, so a small blob that inflates to gigabytes is
    refused after at most ``limit`` + 1 bytes)."""
    inflate = zlib.decompressobj()
    try:
        if limit is None:
            raw = inflate.decompress(blob) + inflate.flush()
        else:
            raw = inflate.decompress(blob, limit + 1)
            if len(raw) > limit or inflate.unconsumed_tail:
                raise ValueError(f"the patch decompresses to more than {limit} bytes")
    except zlib.error as error:
        raise ValueError(f"not a patch: {error}") from None
    if not inflate.eof:
        raise ValueError("not a patch: the compressed data is cut short")
    pieces: list[Piece] = []
    at = 0
    while at < len(raw):
        kind = raw[at : at + 1]
        if kind == b"C" and at + _COPY.size <= len(raw):
            _, offset, length = _COPY.unpack_from(raw, at)
            pieces.append(Piece(offset, length))
            at += _COPY.size
        elif kind == b"L" and at + _LITERAL.size <= len(raw):
            (_, length) = _LITERAL.unpack_from(raw, at)
            at += _LITERAL.size
            if at + length > len(raw):
                raise ValueError("not a patch: a data piece runs past its end")
            pieces.append(Piece(data=raw[at : at + length]))
            at += length
        else:
            raise ValueError(f"not a patch: unknown record at byte {at}")
    return pieces


def check_fits(pieces: list[Piece], written_size: int, original_size: int) -> None:
    """ValueError unless the pieces rebuild exactly ``original_size`` bytes from a written file of
    ``written_size`` bytes, copying each written byte at most once in all (as :func:`diff` makes them): checked
    before anything is rebuilt, so a crafted patch cannot make a file larger than the one the log names."""
    copied = sum(p.length for p in pieces if p.data is None)
    if copied > written_size:
        raise ValueError("the patch copies more bytes than the file holds")
    if copied + literal_bytes(pieces) != original_size:
        raise ValueError("the patch does not rebuild a file of the original's size")


def rebuild(pieces: list[Piece], written: str | os.PathLike) -> Iterator[bytes]:
    """The original file's bytes, block by block, from the written file and the pieces (ValueError when a copy
    reaches past the written file's end)."""
    with open(written, "rb") as source:
        size = os.fstat(source.fileno()).st_size
        for piece in pieces:
            if piece.data is not None:
                yield piece.data
                continue
            if piece.offset + piece.length > size:
                raise ValueError("the patch copies past the file's end")
            source.seek(piece.offset)
            left = piece.length
            while left:
                block = source.read(min(left, 1 << 20))
                if not block:
                    raise ValueError("the file ended while copying")
                left -= len(block)
                yield block


def rebuilt_sha256(pieces: list[Piece], written: str | os.PathLike) -> str:
    """The SHA-256 of the file :func:`rebuild` gives (hex)."""
    digest = hashlib.sha256()
    for block in rebuild(pieces, written):
        digest.update(block)
    return digest.hexdigest()
