"""A small real library for the library-report tests: real shared GTZAN clips through ``predict``.

One clip per genre, an mp3, classical then metal in one 60 s track (its windows change genre), a steady tone
(not music) and a broken file (a failed row), classified by ``musicgenre predict --timeline --explain``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import signals
from click.testing import CliRunner

from musicgenre import audio
from musicgenre.genres import GENRES
from musicgenre.interfaces.cli.main import cli


def predict_shared_library(shared_audio: Path, root: Path, fmt: str = "csv") -> Path:
    """Build the library under ``root/music`` and write its predictions to ``root/genres.<fmt>``."""
    music = root / "music"
    music.mkdir(parents=True)
    clips = [shared_audio / g / f"{g}.00000.wav" for g in GENRES] + [shared_audio / "blues" / "blues.00099.mp3"]
    for clip in clips:
        (music / clip.name).symlink_to(clip)
    both = [audio.load(shared_audio / g / f"{g}.00000.wav", duration=30.0) for g in ("classical", "metal")]
    signals.write(music / "classical then metal.flac", np.concatenate(both))
    signals.write(music / "tone.wav", signals.tone(440.0, 20.0, amplitude=0.3))
    (music / "broken.wav").write_text("not audio\n")
    out = root / f"genres.{fmt}"
    args = ["predict", str(music), "--timeline", "--explain", "--format", fmt, "-o", str(out), "-j", "1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output  # the broken file
    return out
