"""Bad input for the models with EfficientAT in them (musicnn+efficientat, efficientat, audioset-genres): each
gives the one-line error naming the file that musicnn gives, from ``classify()``, and in a ``predict`` batch, which
goes on past the bad files (the whole hostile corpus: ``tests/interfaces/cli/test_hostile_inputs.py``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hostile_inputs import SR, encode_soundfile, float_wav, wav_header
from signals import music, tone, write

from musicgenre.audio import AudioError
from musicgenre.inference import classify, load_model
from musicgenre.interfaces.cli.main import cli

MODELS = ("musicnn+efficientat", "efficientat", "audioset-genres")


@pytest.fixture(scope="module")
def models() -> dict:
    """Each model loaded once, and musicnn (whose errors are the reference)."""
    return {name: load_model(name) for name in ("musicnn", *MODELS)}


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> list[Path]:
    """Files no model can classify: empty, not audio, a header that lies, cut short, NaN samples, silence, 0.2 s."""
    folder = tmp_path_factory.mktemp("bad")
    pcm = (0.3 * np.sin(2 * np.pi * 440 * np.arange(SR) / SR) * 32767).astype("<i2").tobytes()
    whole = write(folder / "whole.tmp.wav", tone(440.0, 3.0)).read_bytes()
    contents = {
        "empty.wav": b"",
        "text.wav": b"this is not audio\n" * 100,
        "random.mp3": np.random.default_rng(0).bytes(50_000),
        "claims-4GB.wav": wav_header(data_bytes=0xFFFFFFF0) + pcm,
        "cut.wav": whole[:20_000],
        "nan.wav": float_wav(np.full(SR, np.nan, np.float32)),
        "silence.wav": encode_soundfile(np.zeros(6 * SR, np.float32), SR, "WAV", "PCM_16"),
        "short.wav": encode_soundfile(tone(330.0, 0.2), SR, "WAV", "PCM_16"),
    }
    (folder / "whole.tmp.wav").unlink()
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in contents]


@pytest.fixture(scope="module")
def reference(models, bad) -> dict[str, str]:
    """musicnn's reason for each bad file."""
    reasons = {}
    for path in bad:
        with pytest.raises(AudioError) as caught:
            classify(path, model=models["musicnn"])
        reasons[path.name] = caught.value.reason
    return reasons


@pytest.mark.parametrize("name", MODELS)
def test_classify_gives_the_same_one_line_error(models, bad, reference, name):
    for path in bad:
        with pytest.raises(AudioError) as caught:
            classify(path, model=models[name])
        message = str(caught.value)
        assert message == f"{path}: {reference[path.name]}" and "\n" not in message, (name, path.name)


@pytest.mark.parametrize("name", MODELS)
def test_a_batch_goes_on_past_the_bad_files(bad, reference, tmp_path, name):
    good = [write(tmp_path / f"good{i}.wav", music(4.0 + i)) for i in range(2)]
    files = [good[0], *bad, good[1]]
    result = CliRunner().invoke(cli, ["predict", *map(str, files), "--model", name, "-j", "1", "--format", "csv"])
    assert result.exit_code == 1, result.output  # some failed, and the status says so
    rows = {Path(row["file"]).name: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert list(rows) == [f.name for f in files]  # one row each, in order: the run went on past every bad file
    for path in bad:
        assert (rows[path.name]["genre"], rows[path.name]["error"]) == ("", reference[path.name]), path.name
    assert all(rows[f.name]["genre"] and rows[f.name]["error"] == "" for f in good)
    assert f"2 classified, {len(bad)} failed; model {name};" in result.stderr
