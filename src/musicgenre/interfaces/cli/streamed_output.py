"""Where a batch command streams its rows: ``-o FILE`` (written whole through a new temporary file, see
:func:`~musicgenre.audio.atomic.atomic_text`) or standard output; ``predict`` and ``label`` both write this way.

Once the rows an earlier run finished (``--resume``) are all written again, :meth:`StreamedOutput.begin` is
called: from then on a run that stops (Ctrl-C, SIGTERM, an error) still puts ``FILE`` in place with every row
written, so ``--resume`` goes on from it; before, the old ``FILE`` is left as it was.
"""

from __future__ import annotations

import io
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TextIO

from musicgenre.audio.atomic import atomic_text


class StreamedOutput:
    """The rows' text stream, and whether what it holds is to be kept if the run stops (:meth:`begin`)."""

    stream: TextIO

    def __init__(self) -> None:
        self.begun = False

    def begin(self) -> None:
        """The earlier rows are all written: from now on a stopped run keeps the file."""
        self.begun = True


@contextmanager
def streamed_output(output: Path | None) -> Iterator[StreamedOutput]:
    """The rows' destination for the block (``output``, else stdout), with SIGTERM ending the run as Ctrl-C does.
    File names that are not UTF-8 are written as the bytes they are (like ``ls``), not a crash after the work."""
    if output is None and isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="surrogateescape")
    out = StreamedOutput()
    target = (
        atomic_text(output, errors="surrogateescape", keep_partial=lambda: out.begun)
        if output is not None
        else nullcontext(sys.stdout)
    )
    with sigterm_as_exit(), target as stream:
        out.stream = stream
        yield out


@contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Within the block SIGTERM ends the run as Ctrl-C does, by an exception (``SystemExit(143)``), so the output
    file is ended and keeps its finished records; the handler before is put back after. Main thread only (signal
    handlers can be set nowhere else); a pool's workers are spawned, so they keep the default handler."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signal.SIGTERM)

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)
