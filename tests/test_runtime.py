"""keep_freed_memory: freed heap stays with the process (glibc), so the next file does not fault it back in."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap

import pytest

CHURN = textwrap.dedent("""
    import sys
    import numpy as np
    from musicgenre.runtime import keep_freed_memory

    def resident_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 2**20

    took = keep_freed_memory() if sys.argv[1] == "keep" else None
    before = resident_mb()
    for _ in range(3):  # a clip's worth of 10 MB temporaries, written and freed, three times
        blocks = [np.ones(10 * 2**20 // 8) for _ in range(12)]
        del blocks
    print(took, resident_mb() - before)
""")


def _resident_gain_mb(mode: str) -> tuple[str, float]:
    out = subprocess.run([sys.executable, "-c", CHURN, mode], capture_output=True, text=True, check=True).stdout.split()
    return out[0], float(out[1])


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt tuning is glibc-only; elsewhere it is a no-op")
def test_freed_arrays_stay_resident_only_when_asked():
    took, kept_mb = _resident_gain_mb("keep")
    _, default_mb = _resident_gain_mb("default")
    assert took == "True"
    assert kept_mb > 90  # the 120 MB of freed blocks stayed with the process
    assert default_mb < 40  # glibc's default gave (nearly) all of it back
