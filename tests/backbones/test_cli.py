"""``musicgenre tags`` and ``musicgenre embed`` end to end (the synthesized fixture clip; real clips where present)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from backbones.musicnn_ref import FIXTURES
from backbones.rounding import assert_float32_close, float32_tolerance
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
    shown = [line.split() for line in lines[start + 1 : start + 4]]
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
    np.testing.assert_allclose(
        track.filter(regex=r"^e\d+$").to_numpy()[0],
        patches.filter(regex=r"^e\d+$").to_numpy().mean(0),
        rtol=1e-5,
        atol=1e-6,
    )


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
    tolerance = float32_tolerance("msd", SYNTH).tolerance("max_pool").mean(0)
    assert_float32_close(X[0], musicnn.analyze(SYNTH).max_pool.mean(0), tolerance, "max_pool")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"nope")
    with pytest.raises(AudioError, match="bad.wav"):
        musicnn.embed_dataset([SYNTH, bad], cache_dir=None)


def _write(path, y, sr=22050):
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.asarray(y, np.float32), sr)
    return path


def _tone(seconds, sr=22050, freq=440.0):
    t = np.arange(int(seconds * sr)) / sr
    return 0.3 * np.sin(2 * np.pi * freq * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2


def test_tags_bad_inputs_are_one_line_each_and_the_batch_goes_on(tmp_path):
    text = tmp_path / "notes.wav"
    text.write_text("this is text, not audio\n")
    half = _write(tmp_path / "half.wav", _tone(0.5))
    silence = _write(tmp_path / "silence.wav", np.zeros(5 * 22050))
    short = _write(tmp_path / "short.wav", _tone(1.5))
    missing = tmp_path / "missing.wav"
    result = run("tags", text, missing, half, silence, short, SYNTH, "--top", "2")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 4
    for path, reason in (
        (text, "not a readable audio file"),
        (missing, "no such file"),
        (half, "too short for musicnn: 0.50 s"),
        (silence, "silent"),
    ):
        assert any(line.startswith(f"error: {path}: {reason}") for line in errors), (path, errors)
    # the good files still get their tags; the short one says it was repeated to fill a patch
    assert f"{short}  (MSD_musicnn, 1.50 s clip repeated to fill one patch of 2.99 s)" in result.output
    assert f"{SYNTH}  (MSD_musicnn, mean of 2 patches of 2.99 s)" in result.output


def test_embed_bad_inputs_bad_output_and_nothing_embedded(tmp_path):
    text = tmp_path / "in" / "notes.wav"
    text.parent.mkdir()
    text.write_text("text\n")
    silence = _write(tmp_path / "in" / "silence.wav", np.zeros(22050 * 4))
    # the output folder is created; failed files are named and left out
    out = tmp_path / "new" / "deeper" / "emb.csv"
    result = run("embed", text, silence, SYNTH, "-o", out, "--no-cache")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"error: {text}: not a readable audio file" in result.output and f"error: {silence}: silent" in result.output
    assert list(pd.read_csv(out)["file"]) == [str(SYNTH)]
    # nothing embedded: no table
    none = tmp_path / "none.csv"
    result = run("embed", text, silence, "-o", none, "--no-cache")
    assert result.exit_code == 1 and "not written" in result.output and not none.exists()
    # an output that cannot be written fails before any work, in one line
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run("embed", SYNTH, "-o", blocker / "emb.csv", "--no-cache")
    assert result.exit_code == 1 and "cannot write there" in result.output and "Traceback" not in result.output
    result = run("embed", SYNTH, "-o", tmp_path / "emb.txt", "--no-cache")
    assert result.exit_code == 2 and ".parquet or .csv" in result.output


def test_embed_unwritable_cache_costs_the_cache_not_the_result(tmp_path):
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("")
    out = tmp_path / "emb.csv"
    result = run("embed", SYNTH, "-o", out, "--cache-dir", blocker / "sub")
    assert result.exit_code == 0, result.output
    assert "warning: outputs not cached" in result.output and len(pd.read_csv(out)) == 1


def test_parallel_embed_matches_serial_and_a_dying_worker_costs_one_file(tmp_path, monkeypatch):
    from musicgenre.backbones.musicnn.embed import EmbedConfig, embed_files

    files = [shutil.copy(SYNTH, tmp_path / f"clip{i}.wav") for i in range(3)]
    crash = tmp_path / "crash.wav"
    shutil.copy(SYNTH, crash)
    # a worker function importable by spawned processes: it kills its process on "crash.wav"
    (tmp_path / "dying_worker.py").write_text(
        "import os\n"
        "from musicgenre.backbones.musicnn.embed import embed_file\n"
        "def work(path, *args):\n"
        "    if path.name == 'crash.wav':\n"
        "        os._exit(3)\n"
        "    return embed_file(path, *args)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import dying_worker

    config = EmbedConfig(cache_dir=None, jobs=2)
    run_ = embed_files([files[0], crash, files[1], files[2]], config, worker=dying_worker.work)
    assert [t.path for t in run_.tracks] == [files[0], files[1], files[2]]
    assert (
        len(run_.failures) == 1 and run_.failures[0].path == crash and "worker process died" in run_.failures[0].reason
    )
    serial = musicnn.analyze(SYNTH).max_pool
    tolerance = float32_tolerance("msd", SYNTH).tolerance("max_pool")  # workers run other thread counts
    for track in run_.tracks:
        assert_float32_close(track.patches("max_pool"), serial, tolerance, "max_pool")
