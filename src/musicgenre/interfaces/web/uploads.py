"""Receive one uploaded file: stream a multipart body to a temporary file, counting bytes as they come.

Nothing the client sends names a place on disk: the temporary file's name is made here (``mkstemp``), and
its suffix is one of the known audio extensions or ``.bin``. The client's filename is only cleaned up
for echoing back (:func:`display_name`). Bodies above the limit are refused from ``Content-Length``
before any byte is read, and otherwise as soon as the count passes the limit.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, BinaryIO

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from musicgenre.audio import AUDIO_EXTENSIONS
from musicgenre.interfaces.web.settings import MULTIPART_OVERHEAD_BYTES

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

#: Longest filename echoed back (characters).
MAX_DISPLAY_NAME = 120

#: Largest total size of the form's plain (non-file) fields (bytes). File parts under other names are
#: skipped unread; they count only towards the whole body's limit.
MAX_FIELD_BYTES = 16 * 1024


class UploadError(Exception):
    """The upload is refused; ``status_code`` is 413 (too large) or 422 (malformed), ``message`` says why."""

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.message = message


@dataclass
class ReceivedUpload:
    """An upload on disk: ``path`` (a temporary file of ours), ``filename`` (cleaned, for display), ``size`` (bytes)."""

    path: Path
    filename: str
    size: int

    def remove(self) -> None:
        """Delete the temporary file (no error if it is already gone)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def display_name(raw: str | None) -> str:
    """The client's filename made safe to echo: last path component, printable, at most 120 characters."""
    if not raw:
        return "upload"
    name = PureWindowsPath(PurePosixPath(raw).name).name  # drop any folders, / or \ style
    name = "".join(
        ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] not in "CZ" or ch == " "
    )
    name = re.sub(r"\s+", " ", name).strip().lstrip(".")
    if len(name) > MAX_DISPLAY_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (
            (stem[: MAX_DISPLAY_NAME - len(ext) - 2] + "…." + ext)
            if dot and len(ext) <= 8
            else name[: MAX_DISPLAY_NAME - 1] + "…"
        )
    return name or "upload"


def safe_suffix(filename: str) -> str:
    """A known audio extension taken from ``filename`` (lower case), else ``.bin``."""
    suffix = PurePosixPath(filename).suffix.lower()
    return suffix if suffix in AUDIO_EXTENSIONS else ".bin"


def check_content_length(header: str | None, max_upload_bytes: int) -> None:
    """Refuse (413) a body whose declared length cannot hold a file within the limit, before reading it."""
    if header is None:
        return
    try:
        declared = int(header)
    except ValueError:
        raise UploadError(422, f"bad Content-Length header: {header[:40]!r}") from None
    if declared > max_upload_bytes + MULTIPART_OVERHEAD_BYTES:
        raise UploadError(413, f"upload too large: {declared} bytes declared, the limit is {_mb(max_upload_bytes)}")


def multipart_boundary(content_type: str | None) -> bytes:
    """The boundary of a ``multipart/form-data`` body (422 for any other content type)."""
    if not content_type:
        raise UploadError(422, "no Content-Type: send the audio as multipart/form-data with a field named 'file'")
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        raise UploadError(
            422, f"expected multipart/form-data with a field named 'file', got {kind.decode('latin-1')[:60]!r}"
        )
    boundary = options.get(b"boundary")
    if not boundary:
        raise UploadError(422, "multipart/form-data without a boundary")
    return boundary


@dataclass
class _Part:
    """Parser state for the part being read."""

    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_name: bytes = b""
    header_value: bytes = b""
    name: str | None = None
    filename: str | None = None
    is_file: bool = False


class _FormReceiver:
    """python-multipart callbacks: the first file part named ``field`` goes to a temporary file."""

    def __init__(self, field_name: str, max_upload_bytes: int, tmp_dir: Path):
        self.field_name = field_name
        self.max_upload_bytes = max_upload_bytes
        self.tmp_dir = tmp_dir
        self.part = _Part()
        self.upload: ReceivedUpload | None = None
        self._writing = False
        self._handle: BinaryIO | None = None
        self.field_bytes = 0
        self.seen_fields: list[str] = []  # names as the client sent them; files as "file field 'x'"
        self.ended = False

    # --- python-multipart callbacks -------------------------------------------------------------
    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]
        if len(self.part.header_value) > MAX_FIELD_BYTES:
            raise UploadError(422, "a multipart header is too long")

    def on_header_end(self) -> None:
        self.part.headers[self.part.header_name.lower()] = self.part.header_value
        self.part.header_name, self.part.header_value = b"", b""

    def on_headers_finished(self) -> None:
        disposition = self.part.headers.get(b"content-disposition")
        if disposition is None:
            raise UploadError(422, "a multipart part has no Content-Disposition header")
        _, options = parse_options_header(disposition)
        name = options.get(b"name")
        if name is None:
            raise UploadError(422, "a multipart part has no field name")
        self.part.name = name.decode("utf-8", "replace")
        raw_filename = options.get(b"filename")
        self.part.is_file = raw_filename is not None
        self.seen_fields.append(f"{'file field ' if self.part.is_file else ''}{self.part.name[:40]!r}")
        if raw_filename is not None and self.part.name == self.field_name:  # a file part
            if self.upload is not None:
                raise UploadError(422, f"send one file per request (the form has more than one {self.field_name!r})")
            self.part.filename = display_name(raw_filename.decode("utf-8", "replace"))
            self._open(self.part.filename)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        size = end - start
        if self._writing:
            assert self.upload is not None and self._handle is not None
            self.upload.size += size
            if self.upload.size > self.max_upload_bytes:
                raise UploadError(413, f"upload too large: more than {_mb(self.max_upload_bytes)}, the limit")
            self._handle.write(data[start:end])
        elif not self.part.is_file:
            self.field_bytes += size
            if self.field_bytes > MAX_FIELD_BYTES:
                raise UploadError(422, f"form fields other than {self.field_name!r} are too large")

    def on_part_end(self) -> None:
        if self._writing:
            self._close()

    def on_end(self) -> None:
        self.ended = True

    # --- temporary file -------------------------------------------------------------------------
    def _open(self, filename: str) -> None:
        descriptor, path = tempfile.mkstemp(prefix="upload-", suffix=safe_suffix(filename), dir=self.tmp_dir)
        self._handle = os.fdopen(descriptor, "wb")
        self.upload = ReceivedUpload(Path(path), filename, 0)
        self._writing = True

    def _close(self) -> None:
        if self._handle is not None:
            self._handle.close()
        self._handle, self._writing = None, False

    def abort(self) -> None:
        """Close and delete whatever was written (on any error)."""
        self._close()
        if self.upload is not None:
            self.upload.remove()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_end": self.on_end,
        }


async def receive_upload(
    chunks: AsyncIterator[bytes],
    content_type: str | None,
    *,
    max_upload_bytes: int,
    tmp_dir: Path,
    field_name: str = "file",
) -> ReceivedUpload:
    """Stream a ``multipart/form-data`` body to a temporary file in ``tmp_dir``; return it.

    Raises :class:`UploadError` (413 past ``max_upload_bytes``, 422 for anything malformed, a missing or
    empty file field); on any error the temporary file is already removed. The caller removes it after use.
    """
    boundary = multipart_boundary(content_type)
    receiver = _FormReceiver(field_name, max_upload_bytes, tmp_dir)
    parser = MultipartParser(boundary, receiver.callbacks())
    received = 0
    try:
        async for chunk in chunks:
            received += len(chunk)
            if received > max_upload_bytes + MULTIPART_OVERHEAD_BYTES:
                raise UploadError(413, f"upload too large: more than {_mb(max_upload_bytes)}, the limit")
            parser.write(chunk)
        parser.finalize()
        if received == 0:
            raise UploadError(422, f"empty request body: send the audio as multipart/form-data field {field_name!r}")
        if receiver.upload is None:
            got = ", ".join(receiver.seen_fields[:5]) or "no fields"
            raise UploadError(422, f"no file in form field {field_name!r} (got {got})")
        if receiver._writing or not receiver.ended:
            raise UploadError(422, "the multipart body ended early (incomplete upload)")
        if receiver.upload.size == 0:
            raise UploadError(422, f"{receiver.upload.filename}: empty file (0 bytes)")
        return receiver.upload
    except UploadError:
        receiver.abort()
        raise
    except MultipartParseError as error:
        receiver.abort()
        raise UploadError(422, f"malformed multipart body: {' '.join(str(error).split())[:160]}") from None
    except BaseException:
        receiver.abort()
        raise


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / (1024 * 1024):g} MiB"
