"""Read TensorFlow checkpoints (the "tensor bundle" format) without TensorFlow.

A checkpoint ``PREFIX`` is two files:

* ``PREFIX.index``: an SSTable (LevelDB's table format: data blocks of prefix-compressed
  key/value entries, an index block, a 48-byte footer). Its keys are variable names; the
  empty key holds a ``BundleHeaderProto``, every other value is a ``BundleEntryProto``
  (dtype, shape, shard_id, offset, size, crc32c).
* ``PREFIX.data-00000-of-0000N``: the tensors' raw little-endian bytes, at those offsets.

The protobuf messages are few and small, so they are parsed by hand (varints and
length-delimited fields); blocks may be uncompressed or Snappy-compressed. Every tensor's
bytes are checked against the entry's (masked) CRC-32C.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_TABLE_MAGIC = 0xDB4775248B80FB57
_FOOTER_SIZE = 48

#: TensorFlow ``DataType`` enum values -> numpy little-endian dtypes (the ones a checkpoint of ours can hold).
_DTYPES: dict[int, np.dtype] = {
    1: np.dtype("<f4"),
    2: np.dtype("<f8"),
    3: np.dtype("<i4"),
    4: np.dtype("u1"),
    5: np.dtype("<i2"),
    6: np.dtype("i1"),
    9: np.dtype("<i8"),
    10: np.dtype("?"),
    17: np.dtype("<u2"),
    19: np.dtype("<f2"),
    22: np.dtype("<u4"),
    23: np.dtype("<u8"),
}


class CheckpointError(ValueError):
    """The files are not a readable tensor bundle (or are damaged)."""


# ---------------------------------------------------------------- protobuf wire format


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Decode a base-128 varint at ``pos``; returns (value, next position)."""
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise CheckpointError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield (field number, wire type, value) of a protobuf message; value is int or bytes."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = bytes(buf[pos : pos + length]), pos + length
        elif wire == 5:
            value, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
        else:
            raise CheckpointError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value


def _number(value: int | bytes) -> int:
    """A varint or fixed-width field's value; bytes where a number belongs mean a damaged file."""
    if isinstance(value, bytes):
        raise CheckpointError("a protobuf field holds bytes where a number belongs")
    return value


def _message(value: int | bytes) -> bytes:
    """A length-delimited field's bytes; a number where a message belongs means a damaged file."""
    if not isinstance(value, bytes):
        raise CheckpointError("a protobuf field holds a number where a message belongs")
    return value


@dataclass(frozen=True)
class BundleEntry:
    """Where one tensor lies in the data shard(s) (a ``BundleEntryProto``)."""

    dtype: int
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int
    crc32c: int  # masked CRC-32C of the tensor's bytes
    sliced: bool


def _parse_shape(buf: bytes) -> tuple[int, ...]:
    dims = []
    for number, _, value in _fields(buf):
        if number == 2:  # Dim {int64 size = 1; string name = 2}
            size = 0
            for n, _, v in _fields(_message(value)):
                if n == 1:
                    raw = _number(v)
                    size = raw - (1 << 64) if raw >= 1 << 63 else raw
            dims.append(size)
    return tuple(dims)


def parse_entry(buf: bytes) -> BundleEntry:
    """Parse a serialized ``BundleEntryProto``."""
    fields = {number: value for number, _, value in _fields(buf)}  # a repeated field: its last value
    return BundleEntry(
        dtype=_number(fields.get(1, 0)),
        shape=_parse_shape(_message(fields[2])) if 2 in fields else (),
        shard_id=_number(fields.get(3, 0)),
        offset=_number(fields.get(4, 0)),
        size=_number(fields.get(5, 0)),
        crc32c=_number(fields.get(6, 0)),
        sliced=7 in fields,
    )


# ---------------------------------------------------------------- checksums and compression


def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data: bytes, crc: int = 0) -> int:
    """CRC-32C (Castagnoli) of ``data``, as TensorFlow and LevelDB compute it."""
    table = _CRC_TABLE
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def mask_crc(crc: int) -> int:
    """LevelDB's masked CRC (what tables and bundle entries store)."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def snappy_decompress(data: bytes) -> bytes:
    """Decompress a raw Snappy block (the format LevelDB tables use)."""
    length, pos = _varint(data, 0)
    out = bytearray()
    while pos < len(data):
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:  # literal
            size = tag >> 2
            if size >= 60:
                n = size - 59
                size = int.from_bytes(data[pos : pos + n], "little")
                pos += n
            size += 1
            out += data[pos : pos + size]
            pos += size
            continue
        if kind == 1:
            size, offset = 4 + ((tag >> 2) & 7), ((tag >> 5) << 8) | data[pos]
            pos += 1
        elif kind == 2:
            size, offset = (tag >> 2) + 1, int.from_bytes(data[pos : pos + 2], "little")
            pos += 2
        else:
            size, offset = (tag >> 2) + 1, int.from_bytes(data[pos : pos + 4], "little")
            pos += 4
        if offset == 0 or offset > len(out):
            raise CheckpointError("corrupt Snappy block (bad copy offset)")
        for _ in range(size):  # copies may overlap their own output
            out.append(out[-offset])
    if len(out) != length:
        raise CheckpointError(f"corrupt Snappy block ({len(out)} bytes, expected {length})")
    return bytes(out)


# ---------------------------------------------------------------- SSTable


def _read_block(table: bytes, offset: int, size: int) -> bytes:
    raw = table[offset : offset + size]
    trailer = table[offset + size : offset + size + 5]
    if len(raw) != size or len(trailer) != 5:
        raise CheckpointError("table block runs past the end of the file")
    kind, stored = trailer[0], struct.unpack("<I", trailer[1:])[0]
    if mask_crc(crc32c(raw + trailer[:1])) != stored:
        raise CheckpointError(f"table block at {offset} fails its CRC-32C check")
    if kind == 0:
        return raw
    if kind == 1:
        return snappy_decompress(raw)
    raise CheckpointError(f"unknown table block compression {kind}")


def _block_entries(block: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Yield (key, value) of one table block (prefix-compressed keys, restart array at the end)."""
    if len(block) < 4:
        raise CheckpointError("table block too short")
    n_restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
    end = len(block) - 4 - 4 * n_restarts
    pos, key = 0, b""
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        value_length, pos = _varint(block, pos)
        key = key[:shared] + block[pos : pos + unshared]
        pos += unshared
        yield key, block[pos : pos + value_length]
        pos += value_length


def read_table(path: str | Path) -> dict[bytes, bytes]:
    """All key/value pairs of a LevelDB-format SSTable file."""
    table = Path(path).read_bytes()
    if len(table) < _FOOTER_SIZE:
        raise CheckpointError(f"{path}: too short to be a table")
    footer = table[-_FOOTER_SIZE:]
    if struct.unpack("<Q", footer[-8:])[0] != _TABLE_MAGIC:
        raise CheckpointError(f"{path}: not an SSTable (bad magic number)")
    pos = 0
    _, pos = _varint(footer, pos)  # metaindex handle (unused)
    _, pos = _varint(footer, pos)
    index_offset, pos = _varint(footer, pos)
    index_size, pos = _varint(footer, pos)
    entries: dict[bytes, bytes] = {}
    for _, handle in _block_entries(_read_block(table, index_offset, index_size)):
        offset, p = _varint(handle, 0)
        size, _ = _varint(handle, p)
        entries.update(_block_entries(_read_block(table, offset, size)))
    return entries


# ---------------------------------------------------------------- the bundle


class Checkpoint:
    """A TensorFlow checkpoint read without TensorFlow.

    ``Checkpoint(prefix)`` where ``prefix + ".index"`` exists (for the musicnn wheel the prefix is
    the model folder plus ``/``, since its files are named ``.index`` and ``.data-00000-of-00001``).
    """

    def __init__(self, prefix: str | Path):
        self.prefix = str(prefix)
        index = Path(self.prefix + ".index")
        if not index.is_file():
            raise CheckpointError(f"{index}: no such checkpoint index")
        table = read_table(index)
        header = table.pop(b"", None)
        if header is None:
            raise CheckpointError(f"{index}: no bundle header")
        self.num_shards = 1
        for number, _, value in _fields(header):
            if number == 1:
                self.num_shards = _number(value)
            elif number == 2 and value != 0:
                raise CheckpointError(f"{index}: big-endian bundles are not supported")
        self.entries = {key.decode(): parse_entry(value) for key, value in table.items()}

    def names(self) -> list[str]:
        """Variable names, sorted."""
        return sorted(self.entries)

    def shape(self, name: str) -> tuple[int, ...]:
        return self.entries[name].shape

    def _shard(self, shard_id: int) -> Path:
        return Path(f"{self.prefix}.data-{shard_id:05d}-of-{self.num_shards:05d}")

    def read(self, name: str, verify: bool = True) -> np.ndarray:
        """The tensor ``name`` as a numpy array of its stored dtype and shape (CRC-checked)."""
        entry = self.entries[name]
        if entry.sliced:
            raise CheckpointError(f"{name}: partitioned (sliced) variables are not supported")
        if entry.dtype not in _DTYPES:
            raise CheckpointError(f"{name}: unsupported dtype enum {entry.dtype}")
        with open(self._shard(entry.shard_id), "rb") as f:
            f.seek(entry.offset)
            data = f.read(entry.size)
        if len(data) != entry.size:
            raise CheckpointError(f"{name}: data shard is truncated")
        if verify and mask_crc(crc32c(data)) != entry.crc32c:
            raise CheckpointError(f"{name}: tensor bytes fail their CRC-32C check")
        dtype = _DTYPES[entry.dtype]
        return np.frombuffer(data, dtype=dtype).reshape(entry.shape).copy()
