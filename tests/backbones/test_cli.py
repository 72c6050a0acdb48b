"""``musicgenre tags`` and ``musicgenre embed`` end to end (on the synthesized fixture clip; real clips where present)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from backbones.musicnn_ref import FIXTURES
from click.testing import CliRunner

from musicgenre.audio import AudioError
from musicgenre.backbones import musicnn
from musicgenre.interfaces.cli.main import cli

SYNTH = FIXTURES / "synth16k.wav"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_tags_text_and_a_bad_file_on_one_line(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF....not audio at all")
    result = run("tags", bad, SYNTH, "--top", "3")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and str(bad) in errors[0]
    # the good file still gets its 3 tags, in decreasing probability, as the mean over its 2 patches
    start = next(i for i, line in enumerate(lines) if line.startswith(str(SYNTH)))
    shown = [line.split() for line in lines[start + 1:start + 4]]
    probs = [float(parts[-1]) for parts in shown]
    assert probs == sorted(probs, reverse=True)
    expected = musicnn.analyze(SYNTH, model="msd").taggram.mean(0)
    assert probs[0] == pytest.approx(float(expected.max()), abs=5e-4)


def test_tags_json_timeline_per_patch():
    result = run("tags", SYNTH, "--model", "mtt", "--json", "--timeline", "--top", "50")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output.strip().splitlines()[-1])
    assert record["model"] == "MTT_musicnn" and record["n_patches"] == 2
    assert set(record["tags"]) == set(musicnn.MTT_TAGS)
    assert [p["start_s"] for p in record["timeline"]] == [0.0, 2.992]
    per_patch = np.array([[p["tags"][t] for t in musicnn.MTT_TAGS] for p in record["timeline"]])
    np.testing.assert_allclose(per_patch.mean(0), [record["tags"][t] for t in musicnn.MTT_TAGS], atol=1e-6)


def test_gtzan_tags_are_genre_like(shared_audio):
    metal = run("tags", shared_audio / "metal" / "metal.00000.wav", "--top", "3")
    classical = run("tags", shared_audio / "classical" / "classical.00000.wav", "--model", "mtt", "--top", "3")
    assert "metal" in metal.output.split() and "classical" in classical.output.split()


def test_embed_per_track_per_patch_and_cache(tmp_path):
    copy = tmp_path / "renamed.wav"
    shutil.copy(SYNTH, copy)
    cache = tmp_path / "cache"
    out = tmp_path / "emb.csv"
    first = run("embed", SYNTH, "-o", out, "--cache-dir", cache, "--patches", "--layer", "mean_pool")
    assert first.exit_code == 0, first.output
    patches = pd.read_csv(out)
    assert list(patches["patch"]) == [0, 1] and patches.filter(regex=r"^e\d+$").shape == (2, 753)
    # a renamed copy is found in the cache by content; per-track rows are the mean of the patch rows
    second = run("embed", copy, "-o", out, "--cache-dir", cache, "--layer", "mean_pool")
    assert second.exit_code == 0 and "1 from cache" in second.output
    track = pd.read_csv(out)
    np.testing.assert_allclose(track.filter(regex=r"^e\d+$").to_numpy()[0], patches.filter(regex=r"^e\d+$").to_numpy().mean(0), rtol=1e-5, atol=1e-6)


def test_embed_parquet_and_failures(tmp_path):
    pytest.importorskip("pyarrow")
    out = tmp_path / "emb.parquet"
    result = run("embed", SYNTH, tmp_path / "missing.wav", "-o", out, "--no-cache", "--layer", "penultimate")
    assert result.exit_code == 1
    assert "missing.wav: no such file" in result.output
    frame = pd.read_parquet(out)
    assert len(frame) == 1 and frame.filter(regex=r"^e\d+$").shape[1] == 200


def test_embed_dataset_for_the_study(tmp_path):
    copy = tmp_path / "b.wav"
    shutil.copy(SYNTH, copy)
    X = musicnn.embed_dataset([SYNTH, copy], layer="max_pool", cache_dir=tmp_path / "c")
    assert X.shape == (2, 753) and X.dtype == np.float32
    np.testing.assert_array_equal(X[0], X[1])
    np.testing.assert_allclose(X[0], musicnn.analyze(SYNTH).max_pool.mean(0), atol=1e-6)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"nope")
    with pytest.raises(AudioError, match="bad.wav"):
        musicnn.embed_dataset([SYNTH, bad], cache_dir=None)
