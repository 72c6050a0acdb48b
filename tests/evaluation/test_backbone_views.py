"""A backbone's embeddings as a study view: rows follow the study's clip ids (synthesized labelled folders)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from backbones.rounding import assert_float32_close, float32_tolerance

from musicgenre.backbones import musicnn
from musicgenre.evaluation.backbone_views import add_backbone_view


def _write(path, freq, seed, sr=16000, seconds=3.2):
    t = np.arange(int(sr * seconds)) / sr
    y = 0.3 * np.sin(2 * np.pi * freq * t) + 0.05 * np.random.default_rng(seed).standard_normal(t.size)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, y.astype(np.float32), sr)
    return path


def test_view_rows_follow_the_clip_ids(tmp_path):
    from musicgenre.evaluation.data import StudyData

    root = tmp_path / "data"
    paths = {"jazz/a": _write(root / "jazz" / "a.wav", 220, 1), "rock/b": _write(root / "rock" / "b.wav", 880, 2)}
    # the study's order, deliberately not the folder order
    data = StudyData(str(root), "audio", np.array(["rock/b", "jazz/a"]), np.array([9, 5]))
    out = add_backbone_view(data, root, "musicnn-msd", cache_dir=None)
    view = out.views["musicnn-msd"]
    assert view.x.shape == (2, 753) and view.recipe == "musicnn-msd-max_pool" and not view.per_segment
    expected = musicnn.embed_dataset([paths["rock/b"], paths["jazz/a"]], cache_dir=None)
    np.testing.assert_allclose(view.x, expected, atol=1e-6)
    assert not np.allclose(view.x[0], view.x[1])  # different signals, different rows
    with pytest.raises(ValueError, match="unknown backbone"):
        add_backbone_view(data, root, "musicnn-big", cache_dir=None)


def _labelled_folders(root, per_genre=4, gtzan_names=True):
    """Synthesized clips in <genre>/ folders: each genre its own pitch range, each clip its own noise."""
    for g, (genre, base) in enumerate((("blues", 220), ("metal", 660), ("reggae", 1320))):
        for i in range(per_genre):
            name = f"{genre}.{i:05d}.wav" if gtzan_names else f"synth{i}.wav"
            _write(root / genre / name, base * (1 + 0.05 * i), seed=10 * g + i)
    return root


def test_load_backbone_data_one_view_in_clip_order(tmp_path):
    from musicgenre.evaluation.backbone_views import load_backbone_data
    from musicgenre.genres import GENRES

    root = _labelled_folders(tmp_path / "data", per_genre=2)
    data = load_backbone_data(root, "musicnn-mtt", "penultimate", cache_dir=None)
    assert list(data.clip_ids) == [
        "blues.00000",
        "blues.00001",
        "metal.00000",
        "metal.00001",
        "reggae.00000",
        "reggae.00001",
    ]
    assert [GENRES[i] for i in data.y] == ["blues", "blues", "metal", "metal", "reggae", "reggae"]
    view = data.views["musicnn-mtt"]
    assert (
        set(data.views) == {"musicnn-mtt"} and view.name == "musicnn-mtt" and view.recipe == "musicnn-mtt-penultimate"
    )
    assert view.x.shape == (6, 200)
    clip = root / "metal" / "metal.00000.wav"
    assert_float32_close(
        view.x[2],
        musicnn.analyze(clip, model="mtt").penultimate.mean(0),
        float32_tolerance("mtt", clip).tolerance("penultimate").mean(0),
        "penultimate",
    )
    (root / "metal" / "metal.00002.wav").write_text("not audio")
    with pytest.raises(
        ValueError, match=r"1 of 7 clips could not be embedded: .*metal.00002.wav: not a readable audio file"
    ):
        load_backbone_data(root, cache_dir=None)
    with pytest.raises(ValueError, match="no such folder"):
        load_backbone_data(tmp_path / "nowhere", cache_dir=None)


def test_load_backbone_data_takes_the_backbones_first_layer(tmp_path):
    from musicgenre.evaluation.backbone_views import load_backbone_data

    root = _labelled_folders(tmp_path / "data", per_genre=1)
    data = load_backbone_data(root, "efficientat-as", cache_dir=None)
    view = data.views["efficientat-as"]
    assert view.recipe == "efficientat-as-embedding" and view.x.shape == (3, 384)


def test_not_gtzan_note():
    from musicgenre.datasets import GTZAN_CLIP_IDS, not_gtzan_note

    assert not_gtzan_note(GTZAN_CLIP_IDS) is None
    assert not_gtzan_note(GTZAN_CLIP_IDS[:23]).startswith(
        "NOT A GTZAN ACCURACY: these 23 clips are only part of GTZAN (23 of its 1000)"
    )
    assert "these 2 clips are not GTZAN" in not_gtzan_note(["a/x", "b/y"])


def test_experiment_backbone_cli_writes_the_usual_folder_and_says_it_is_no_gtzan_accuracy(tmp_path):
    import json

    import pandas as pd
    from click.testing import CliRunner

    from musicgenre.interfaces.cli.main import cli

    root = _labelled_folders(tmp_path / "data", gtzan_names=False)
    out = tmp_path / "run"
    args = [
        "experiment",
        "backbone",
        "--data",
        str(root),
        "--backbone",
        "musicnn-msd",
        "--protocol",
        "kfold",
        "-k",
        "2",
        "--max-epochs",
        "3",
        "-o",
        str(out),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "NOT A GTZAN ACCURACY: these 12 clips are not GTZAN" in result.output
    assert "inputs: musicnn-msd embeddings (musicnn-msd-max_pool" in result.output
    board = pd.read_csv(out / "leaderboard.csv")
    assert sorted(board["model"]) == ["logreg", "mlp-kaggle57", "svm"]
    assert set(board["inputs"]) == {"musicnn-msd"} and set(board["n_test"]) == {12}
    markdown = (out / "leaderboard.md").read_text()
    assert "**NOT A GTZAN ACCURACY" in markdown.split("| # |")[0] and "| kaggle57 |" not in markdown
    meta = json.loads((out / "experiment.json").read_text())
    assert meta["config"]["inputs"] == "musicnn-msd" and meta["notes"]["data"].startswith("NOT A GTZAN ACCURACY")
    for head in ("logreg", "svm", "mlp-kaggle57"):
        assert {"per_genre.csv", "confusion.csv", "model.onnx", "result.json"} <= {
            p.name for p in (out / head).iterdir()
        }
        assert json.loads((out / head / "result.json").read_text())["inputs"] == "musicnn-msd"
    assert not (out / "genre-graph").exists() and "genre graph" not in result.output  # learn's job, not the study's
    # a second run resumes (every head finished) and keeps the labels
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and again.output.count("finished earlier") == 3
    assert set(pd.read_csv(out / "leaderboard.csv")["inputs"]) == {"musicnn-msd"}
    # --backbone needs audio
    table = CliRunner().invoke(cli, ["experiment", "backbone", "--backbone", "musicnn-msd", "-o", str(out)])
    assert table.exit_code == 2 and "Missing option '--data'" in table.output


def test_own_genres_are_pointed_to_learn_and_nothing_is_fitted(tmp_path):
    """Folders with genres of one's own: ``experiment backbone`` points to ``musicgenre learn`` (the one way to
    learn them) and writes nothing."""
    from click.testing import CliRunner

    from musicgenre.interfaces.cli.main import cli

    root = tmp_path / "data"
    for g, (genre, freq) in enumerate((("drone", 110), ("hum", 700))):
        for i in range(2):
            _write(root / genre / f"take{i}.wav", freq * (1 + 0.03 * i), seed=10 * g + i)
    out = tmp_path / "run"
    args = ["experiment", "backbone", "--data", str(root), "--backbone", "musicnn-msd", "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    (line,) = [line for line in result.output.splitlines() if "musicgenre learn" in line]
    assert line.endswith(f"for genres of your own: musicgenre learn {root} --from folders -o MODEL.onnx")
    assert not out.exists()
