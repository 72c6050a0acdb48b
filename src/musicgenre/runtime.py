"""Process-wide settings for the processes that classify: freed memory kept (:func:`keep_freed_memory`) and a
time limit on the work at hand (:func:`time_limit`), for the CLI and its batch and web workers.

Extracting the features of a clip allocates and frees large numpy arrays. By default glibc's malloc hands most
of that back to the kernel after every clip (its trim threshold follows the largest freed block), and the next
clip page-faults it all back in, zero-filled. :func:`keep_freed_memory` lets the process keep its freed heap for
the next clip instead (what that saved when it was chosen: docs/benchmarks.md).
It is not applied on import: a library should not change the allocator of a program that imports it, so the
``musicgenre`` command and its worker processes call it, and so may any program that classifies many files.
"""

from __future__ import annotations

import ctypes
import platform
import signal
import threading
from contextlib import contextmanager

#: ``mallopt`` parameter numbers from glibc's ``<malloc.h>``.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

#: Freed heap a process keeps (bytes): more than one 30 s clip's working set, less than a long track's peak.
KEEP_BYTES = 256 << 20
#: Blocks above this size (bytes) are still mapped on their own and returned at once (glibc's usual ceiling).
OWN_MAPPING_BYTES = 32 << 20


def keep_freed_memory(keep_bytes: int = KEEP_BYTES, own_mapping_bytes: int = OWN_MAPPING_BYTES) -> bool:
    """Let this process's malloc keep up to ``keep_bytes`` of freed heap rather than return it to the kernel.

    Resident memory then stays near the process's peak between files instead of falling back after each one.
    Returns whether the setting took: True with glibc (Linux), False elsewhere, where nothing changes.
    """
    if platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(None)  # the C library this process already runs on
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, own_mapping_bytes)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, keep_bytes)
    )


class Overtime(BaseException):
    """Raised by :func:`time_limit`'s timer in the middle of the work (a BaseException: no ``except Exception``
    in the pipeline eats it)."""


@contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`Overtime` in the block after ``seconds`` of wall time. An interval timer (SIGALRM): it works in
    the main thread only (elsewhere, or with None, there is no limit) and fires when the running code next returns
    to Python, so one long C call (a decoder, a resampler) finishes first."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise Overtime

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
