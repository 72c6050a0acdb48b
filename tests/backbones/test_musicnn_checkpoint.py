"""The TensorFlow checkpoint reader: wire format, checksums, Snappy, and the real musicnn checkpoints."""

from __future__ import annotations

import zipfile
from pathlib import Path

import musicnn_checkpoint as tfbundle  # tools/musicnn_checkpoint.py
import numpy as np
import pytest


def test_crc32c_known_value_and_mask():
    assert tfbundle.crc32c(b"123456789") == 0xE3069283  # the standard CRC-32C check value
    assert tfbundle.crc32c(b"") == 0
    assert tfbundle.mask_crc(0) == 0xA282EAD8


def test_varint_and_entry_parsing():
    assert tfbundle._varint(bytes([0xAC, 0x02]), 0) == (300, 2)
    # dtype=1, shape {dim {size 7} dim {size 38}}, shard 0, offset 300, size 1064, crc32c fixed32
    shape = bytes([0x12, 0x02, 0x08, 0x07, 0x12, 0x02, 0x08, 0x26])
    buf = (
        bytes([0x08, 0x01, 0x12, len(shape)])
        + shape
        + bytes([0x20, 0xAC, 0x02, 0x28, 0xA8, 0x08, 0x35])
        + (1234).to_bytes(4, "little")
    )
    entry = tfbundle.parse_entry(buf)
    assert (entry.dtype, entry.shape, entry.offset, entry.size, entry.crc32c, entry.sliced) == (
        1,
        (7, 38),
        300,
        1064,
        1234,
        False,
    )


def test_snappy_literal_and_overlapping_copy():
    # "abcd" as a literal, then a copy of 8 bytes at offset 4 (overlapping its own output)
    block = bytes([12, (4 - 1) << 2]) + b"abcd" + bytes([((8 - 4) << 2) | 1, 4])
    assert tfbundle.snappy_decompress(block) == b"abcdabcdabcd"
    with pytest.raises(tfbundle.CheckpointError):
        tfbundle.snappy_decompress(bytes([5, 0]) + b"a")  # promises 5 bytes, gives 1


def _extract(wheel: Path, model: str, dest: Path) -> str:
    with zipfile.ZipFile(wheel) as zf:
        for member in (".index", ".data-00000-of-00001"):
            zf.extract(f"musicnn/{model}/{member}", dest)
    return f"{dest / 'musicnn' / model}/"


def test_reads_the_real_checkpoint(musicnn_wheel, tmp_path):
    ckpt = tfbundle.Checkpoint(_extract(musicnn_wheel, "MSD_musicnn", tmp_path))
    names = ckpt.names()
    assert "conv2d/kernel" in names and "dense_1/kernel" in names and "conv2d/kernel/Adam" in names
    assert ckpt.shape("conv2d/kernel") == (7, 38, 1, 204)
    assert ckpt.shape("dense/kernel") == (1506, 200)
    var = ckpt.read("batch_normalization_9/moving_variance")
    assert var.dtype == np.float32 and var.shape == (1506,) and np.all(var > 0)


def test_corrupted_tensor_fails_its_checksum(musicnn_wheel, tmp_path):
    prefix = _extract(musicnn_wheel, "MTT_musicnn", tmp_path)
    ckpt = tfbundle.Checkpoint(prefix)
    entry = ckpt.entries["dense_1/kernel"]
    data = Path(prefix + ".data-00000-of-00001")
    raw = bytearray(data.read_bytes())
    raw[entry.offset + 10] ^= 0x01
    data.write_bytes(bytes(raw))
    with pytest.raises(tfbundle.CheckpointError, match="CRC"):
        tfbundle.Checkpoint(prefix).read("dense_1/kernel")


def test_not_a_table(tmp_path):
    (tmp_path / "x.index").write_bytes(b"\0" * 100)
    with pytest.raises(tfbundle.CheckpointError, match="magic"):
        tfbundle.Checkpoint(tmp_path / "x")
