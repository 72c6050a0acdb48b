"""The byte patch rebuilds the original exactly for any pair of files, and stays small for tag-like edits."""

from __future__ import annotations

import random
import zlib

import pytest

from musicgenre.tagging import patch


def _pieces(tmp_path, original: bytes, written: bytes) -> list[patch.Piece]:
    (tmp_path / "a").write_bytes(original)
    (tmp_path / "b").write_bytes(written)
    pieces = patch.decode(patch.encode(patch.diff(tmp_path / "a", tmp_path / "b")))
    assert b"".join(patch.rebuild(pieces, tmp_path / "b")) == original
    assert patch.rebuilt_sha256(pieces, tmp_path / "b") == patch.sha256_of(tmp_path / "a")
    return pieces


@pytest.mark.parametrize("seed", range(40))
def test_any_edit_rebuilds_exactly(tmp_path, seed):
    rng = random.Random(seed)
    original = rng.randbytes(rng.choice([0, 1, 50, 3000, 300_000]))
    written = bytearray(original)
    for _ in range(rng.randint(0, 6)):
        at = rng.randint(0, len(written))
        kind = rng.choice(["insert", "delete", "flip", "append", "prepend"])
        if kind == "insert":
            written[at:at] = rng.randbytes(rng.randint(1, 5000))
        elif kind == "delete":
            del written[at : at + rng.randint(1, 5000)]
        elif kind == "flip" and written:
            written[min(at, len(written) - 1)] ^= 0xFF
        elif kind == "append":
            written += rng.randbytes(rng.randint(1, 500))
        else:
            written[:0] = rng.randbytes(rng.randint(1, 500))
    _pieces(tmp_path, original, bytes(written))


def test_tag_like_edits_keep_only_the_changed_bytes(tmp_path):
    rng = random.Random(1)
    audio = rng.randbytes(1_000_000)
    front = _pieces(tmp_path, b"OLD-TAG" * 10 + audio, b"NEW-TAG!" * 300 + audio)  # a tag at the front grows
    assert patch.literal_bytes(front) <= 70
    chunk = b"RIFF" + (1000).to_bytes(4, "little") + b"WAVE" + audio
    grown = b"RIFF" + (2000).to_bytes(4, "little") + b"WAVE" + audio + b"id3 " + rng.randbytes(1000)
    assert patch.literal_bytes(_pieces(tmp_path, chunk, grown)) <= 4  # the size field; the appended chunk is dropped
    pages = bytearray(audio)
    for at in range(5000, len(pages), 4096):  # every page's sequence number and checksum changed, shifted by 700
        pages[at : at + 8] = rng.randbytes(8)
    renumbered = _pieces(tmp_path, b"H" * 300 + audio, b"H" * 1000 + bytes(pages))
    assert patch.literal_bytes(renumbered) <= 8 * (len(audio) // 4096 + 1)


def test_a_damaged_patch_is_a_value_error():
    with pytest.raises(ValueError):
        patch.decode(b"not zlib")
    with pytest.raises(ValueError):
        patch.decode(zlib.compress(b"X" + bytes(16)))
