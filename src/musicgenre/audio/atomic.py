"""Writing an output file whole or not at all, never through a link someone planted.

:func:`atomic_output` opens a temporary file with a random name in the target's folder, created exclusively
(``O_CREAT | O_EXCL | O_NOFOLLOW``: whatever already sits at that name, a planted symbolic link included, makes the
open fail and another name is drawn, so no link is ever followed), and on success moves it onto the target with
``os.replace`` (a link at the target itself is replaced, not followed). On failure the temporary file is removed and
the target is left as it was. :func:`write_atomically` writes bytes or text that way. Every command that writes a
report, playlist, model or score goes through here.

A streamed output (``predict -o``, ``label -o``: one record per finished file) uses ``keep_partial``: whatever the
block wrote replaces the target even when it ends by an exception or Ctrl-C, so finished records are kept for
``--resume``, yet the old target is never truncated before then. :func:`atomic_text` is the text form of that.
A hard kill (SIGKILL, power loss) leaves the old target as it was and the partial ``.musicgenre-*.tmp`` beside it.
"""

from __future__ import annotations

import io
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO, TextIO

__all__ = ["atomic_output", "atomic_text", "write_atomically"]

#: Flags of the temporary file's ``os.open``: created here, by this call, and never through a link.
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_FLAGS |= getattr(os, "O_BINARY", 0)  # Windows: no newline translation
#: Random names tried before giving up (each clash means something else sits at a 64-bit random name).
_ATTEMPTS = 16


def _temporary(target: Path, mode: int) -> tuple[Path, int]:
    """A new file ``.musicgenre-<random>.tmp`` beside ``target``, created exclusively: its path and descriptor.
    It gets ``mode``, or an existing regular ``target``'s own permission bits (a rewrite keeps them). An error
    (a missing folder, no permission) names ``target``, the file the user asked for."""
    try:
        info = os.lstat(target)
        kept = stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None
    except OSError:
        kept = None
    for _ in range(_ATTEMPTS):
        candidate = target.parent / f".musicgenre-{secrets.token_hex(8)}.tmp"
        try:
            descriptor = os.open(candidate, _FLAGS, mode)
        except FileExistsError:
            continue
        except OSError as error:
            raise type(error)(error.errno, error.strerror, str(target)) from None
        if kept is not None and hasattr(os, "fchmod"):  # not on Windows
            with suppress(OSError):
                os.fchmod(descriptor, kept)
        return candidate, descriptor
    raise FileExistsError(f"{target.parent}: no free temporary name after {_ATTEMPTS} tries")


@contextmanager
def atomic_output(
    path: str | Path, mode: int = 0o644, *, keep_partial: bool | Callable[[], bool] = False
) -> Iterator[BinaryIO]:
    """A binary file to write ``path``'s new content into; when the block ends without an exception it replaces
    ``path`` at once (flushed to disk first), else it is removed and ``path`` is untouched. The folder must exist.
    ``mode`` is a new file's permission bits (less the umask); a file replaced keeps its own. With
    ``keep_partial`` true (or a callable that returns true when the block fails) what was written replaces
    ``path`` on an exception too, which then propagates; if that cannot be done either (a full disk) the
    temporary file is removed and ``path`` is untouched."""
    target = Path(path)
    temporary, fd = _temporary(target, mode)
    failure: BaseException | None = None
    try:
        with os.fdopen(fd, "wb") as handle:
            try:
                yield handle
            except BaseException as error:
                if not (keep_partial() if callable(keep_partial) else keep_partial):
                    raise
                failure = error
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        if failure is None:
            raise
    if failure is not None:
        raise failure  # the block's own, also when keeping its output failed after it


@contextmanager
def atomic_text(
    path: str | Path, *, errors: str = "strict", keep_partial: bool | Callable[[], bool] = False, mode: int = 0o644
) -> Iterator[TextIO]:
    """:func:`atomic_output` as a UTF-8 text file (``errors`` as :func:`open` takes them, newlines as it writes
    them); what the block wrote is flushed into the binary file before it replaces ``path``."""
    with atomic_output(path, mode, keep_partial=keep_partial) as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8", errors=errors)
        try:
            yield text
        finally:
            try:
                text.flush()
            finally:
                text.detach()  # the binary file is atomic_output's to close


def write_atomically(path: str | Path, data: bytes | str, *, errors: str = "strict", mode: int = 0o644) -> int:
    """Write ``data`` (text is encoded as UTF-8 with ``errors``) to ``path`` through :func:`atomic_output`;
    returns the number of bytes written."""
    content = data.encode("utf-8", errors=errors) if isinstance(data, str) else data
    with atomic_output(path, mode) as handle:
        handle.write(content)
    return len(content)
