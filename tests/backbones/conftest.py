"""Fixtures of the musicnn tests: the reference outputs of the original code, and the musicnn wheel."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from backbones.musicnn_ref import REFERENCE

WHEEL_NAME = "musicnn-0.1.0-py3-none-any.whl"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def musicnn_wheel() -> Path:
    """The musicnn 0.1.0 wheel: $MUSICNN_WHEEL, a cached copy, or ``pip download``; skips when none can be had."""
    expected = REFERENCE["wheel_sha256"]
    candidates = [Path(os.environ["MUSICNN_WHEEL"])] if os.environ.get("MUSICNN_WHEEL") else []
    cache = Path(tempfile.gettempdir()) / "musicgenre-musicnn-wheel"
    candidates.append(cache / WHEEL_NAME)
    for path in candidates:
        if path.is_file() and _sha256(path) == expected:
            return path
    download = Path(tempfile.mkdtemp(prefix="musicnn-wheel-"))
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(download), "musicnn==0.1.0"],
            check=True,
            timeout=300,
            capture_output=True,
        )
    except (subprocess.SubprocessError, OSError) as error:
        pytest.skip(f"could not fetch the musicnn wheel with pip download: {type(error).__name__}")
    wheel = download / WHEEL_NAME
    if not wheel.is_file() or _sha256(wheel) != expected:
        pytest.skip("pip download gave no musicnn 0.1.0 wheel with the expected checksum")
    cache.mkdir(exist_ok=True)
    os.replace(wheel, cache / WHEEL_NAME)  # atomic: parallel workers never see half a file
    shutil.rmtree(download, ignore_errors=True)
    return cache / WHEEL_NAME
