"""What inference reads from models (the musicnn head, windows, the session type) loads no training stack."""

from __future__ import annotations

from fresh_python import heavy_modules_after


def test_the_head_windows_and_sessions_import_without_torch_sklearn_or_matplotlib():
    code = (
        "import musicgenre.models, musicgenre.models.linear_head, musicgenre.models.windows, musicgenre.models.sessions"
    )
    assert heavy_modules_after(code) == []
