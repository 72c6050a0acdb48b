"""The predict path (API and command) runs without importing torch or matplotlib (light install)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from signals import tone, write


def test_classify_and_predict_import_no_torch(tmp_path):
    clip = write(tmp_path / "clip.wav", tone(220.0, 5.0, amplitude=0.3))
    code = textwrap.dedent(f"""
        import sys
        import numpy as np
        import musicgenre
        t = np.arange(22050 * 5) / 22050
        p = musicgenre.classify((0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 22050)
        assert p.genre in musicgenre.GENRES, p
        from musicgenre.inference.classify import default_model
        # both networks' graphs ran, not the features model
        assert default_model().recipe_name == "musicnn-msd-logmel+efficientat-mn04-logmel"
        from musicgenre.interfaces.cli.main import cli
        try:
            cli(["predict", {str(clip)!r}, "--format", "jsonl"], standalone_mode=False)
        except SystemExit as done:
            assert done.code == 0, done.code
        heavy = sorted(m for m in ("torch", "matplotlib", "tensorflow") if m in sys.modules)
        print("HEAVY", heavy)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout, result.stdout
    assert '"genre": ' in result.stdout  # the command did classify the file


def test_label_offers_learn_without_loading_the_network():
    code = (
        "import sys; import musicgenre.interfaces.cli.label_cmd, musicgenre.learning; "
        "print('HEAVY', sorted(m for m in ('torch', 'matplotlib') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout, result.stdout
