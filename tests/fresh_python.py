"""Run code in a fresh interpreter and see which heavy packages it left imported (light-import tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence


def heavy_modules_after(code: str, heavy: Sequence[str] = ("torch", "sklearn", "matplotlib")) -> list[str]:
    """The names of ``heavy`` in ``sys.modules`` after ``code`` ran in a new Python process (it must succeed)."""
    probe = (
        f"{code}\nimport json, sys\nprint('HEAVY', json.dumps(sorted(m for m in {list(heavy)!r} if m in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("HEAVY "))
    return json.loads(line.removeprefix("HEAVY "))
