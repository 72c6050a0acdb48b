"""What inference reads from models (the musicnn head, windows, the session type) loads no training stack."""

from __future__ import annotations

import subprocess
import sys


def test_the_head_windows_and_sessions_import_without_torch_sklearn_or_matplotlib():
    code = (
        "import sys; import musicgenre.models, musicgenre.models.tag_head, musicgenre.models.windows, "
        "musicgenre.models.sessions; "
        "print('HEAVY', sorted(m for m in ('torch', 'sklearn', 'matplotlib') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout, result.stdout
