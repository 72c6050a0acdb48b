"""Batch prediction: failures as rows, the process pool (which files: tests/audio/test_files.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from signals import tone, write

from musicgenre.audio import find_audio_files
from musicgenre.inference.batch import BatchConfig, run_batch


def library(tmp_path: Path) -> Path:
    """A small library: two good tone files (one in a sub-folder), a truncated WAV, a text file named .wav, a README."""
    root = tmp_path / "lib"
    (root / "sub").mkdir(parents=True)
    write(root / "a.wav", tone(220.0, 3.0, amplitude=0.2))
    write(root / "sub" / "b.flac", tone(330.0, 4.0, amplitude=0.6))
    good = write(tmp_path / "whole.wav", tone(440.0, 3.0))
    (root / "sub" / "cut.wav").write_bytes(good.read_bytes()[:20000])
    (root / "sub" / "notes.wav").write_text("shopping list, not audio")
    (root / "README.txt").write_text("not scanned: not an audio extension")
    return root


def test_bad_files_become_error_rows_and_the_rest_is_classified(tmp_path, rms, rms_model):
    root = library(tmp_path)
    files, _ = find_audio_files([root])
    config = BatchConfig(model_path=rms_model.path, recipe=rms.recipe, timeline=True)
    results = {Path(r.file).name: r for r in run_batch(files, config)}
    assert set(results) == {"a.wav", "b.flac", "cut.wav", "notes.wav"}
    assert results["a.wav"].ok and results["b.flac"].ok
    # louder tone -> higher rms -> the rms model leans to the last genres
    assert results["b.flac"].prediction.probabilities["rock"] > results["a.wav"].prediction.probabilities["rock"]
    assert results["cut.wav"].error.startswith("truncated")
    assert results["notes.wav"].error.startswith("not a readable audio file")
    assert all("\n" not in r.error for r in results.values() if not r.ok)


def test_process_pool_gives_the_same_results(tmp_path, rms, rms_model):
    root = library(tmp_path)
    for k in range(4):
        write(root / f"extra{k}.wav", tone(200.0 + 50 * k, 2.0, amplitude=0.1 + 0.2 * k))
    files, _ = find_audio_files([root])
    serial = {r.file: r for r in run_batch(files, BatchConfig(model_path=rms_model.path, recipe=rms.recipe))}
    pooled = list(run_batch(files, BatchConfig(model_path=rms_model.path, recipe=rms.recipe, jobs=2)))
    assert sorted(r.file for r in pooled) == sorted(map(str, files))
    for result in pooled:
        assert result.error == serial[result.file].error
        if result.ok:
            a, b = result.prediction.probabilities, serial[result.file].prediction.probabilities
            assert np.allclose(list(a.values()), list(b.values()), atol=1e-7)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_past_the_time_limit_is_an_error_row_and_the_rest_goes_on(tmp_path, jobs):
    """A 10-minute WAV takes the musicnn model several seconds (200 patches): with a 2 s limit it gets an error
    row (in this process: the interval timer; in a pool: its worker killed), and the short files are classified
    (in a pool, on the other worker or a fresh one)."""
    long_signal = np.tile(tone(220.0, 10.0, sr=16000, amplitude=0.3), 60)
    long_file = write(tmp_path / "long.wav", long_signal, sr=16000)
    short = [write(tmp_path / f"short{i}.wav", tone(330.0 + 110 * i, 3.0)) for i in range(3)]
    config = BatchConfig(jobs=jobs, timeout_s=2.0)
    results = {Path(r.file).name: r for r in run_batch([short[0], long_file, *short[1:]], config)}
    assert sorted(results) == ["long.wav", "short0.wav", "short1.wav", "short2.wav"]
    assert results["long.wav"].error == "took longer than the time limit of 2 s; stopped"
    assert all(results[f"short{i}.wav"].ok for i in range(3))
