"""``musicgenre learn`` and ``label --learn`` on libraries the tests make: MP3, FLAC and M4A files tagged in several
spellings, artists spread over them; and the shared GTZAN clips as a small real library."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner
from own_library import make_library, tag
from tag_media import write_clip

from musicgenre.inference import classify, load_model
from musicgenre.interfaces.cli.main import cli
from musicgenre.tagging.tags import read_genres


@pytest.fixture(scope="module")
def made_library(tmp_path_factory) -> Path:
    return make_library(tmp_path_factory.mktemp("library"))


def run(*args):
    return CliRunner().invoke(cli, [*map(str, args)])


def test_learn_writes_a_model_predict_runs_with_its_card_and_report(made_library, tmp_path):
    out = tmp_path / "mine.onnx"
    victim = tmp_path / "victim.conf"
    victim.write_text("a = 1\n")
    planted = [out, out.with_suffix(".card.json"), out.with_suffix(".report.md")]
    for path in planted:  # links planted at every output's name are replaced, not written through
        path.symlink_to(victim)
    result = run("learn", made_library, "-o", out, "--min-tracks", "4")
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "a = 1\n" and not any(p.is_symlink() for p in planted)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["victim.conf", *(p.name for p in planted)])
    assert "read 23 files: 20 with a genre, 3 without, 0 whose tags cannot be read" in result.stderr
    assert "merged Hip Hop: Hip Hop (2), Hip-Hop (2), hip-hop (2)" in result.stderr
    assert "merged Ambient: Ambient (3), ambient (3)" in result.stderr
    assert "left out Polka: 2 tracks, fewer than --min-tracks 4" in result.stderr
    model = load_model(str(out))
    assert model.genres == ("Ambient", "Chiptune", "Hip Hop")
    card = json.loads(out.with_suffix(".card.json").read_text())
    assert card["protocol"] == "3-fold CV grouped by artist" and card["tracks"] == 18 and card["artists"] == 9
    assert card["unlabelled"] == 3 and card["tracks_without_artist"] == 0
    assert {g: (v["tracks"], v["artists"]) for g, v in card["cv"]["per_genre"].items()} == {
        "Ambient": (6, 3),
        "Hip Hop": (6, 3),
        "Chiptune": (6, 3),
    }
    assert np.asarray(card["confusion"]).sum() == 18
    assert card["cv"]["accuracy"] == pytest.approx(np.trace(card["confusion"]) / 18)
    assert card["cv"]["accuracy"] >= 16 / 18  # three sounds a listener tells apart at once
    assert 0 <= card["cv"]["ci_low"] <= card["cv"]["accuracy"] <= card["cv"]["ci_high"] <= 1
    report = out.with_suffix(".report.md").read_text()
    assert "by artists whose other tracks it was not fitted on either" in report
    assert "only show" not in report and "Polka: 2 tracks, fewer than --min-tracks 4" in report
    for genre, name in (("beat", "Hip Hop"), ("drone", "Ambient"), ("chip", "Chiptune")):
        (untagged,) = made_library.glob(f"untagged-{genre}.*")
        assert classify(str(untagged), model=model).genre == name
    served = served_answer(out, made_library / "untagged-drone.flac", tmp_path / "uploads")
    assert served["card"]["genres"] == ["Ambient", "Chiptune", "Hip Hop"] and served["card"]["card"]["tracks"] == 18
    assert served["genre"] == "Ambient"


def served_answer(model: Path, upload: Path, folder: Path) -> dict:
    """What the web service says with ``model``: its card (GET /api/model) and its answer for ``upload``."""
    pytest.importorskip("fastapi", reason="the web service needs musicgenre[web]")
    from fastapi.testclient import TestClient

    from musicgenre.interfaces.web.app import create_app
    from musicgenre.interfaces.web.settings import WebSettings

    app = create_app(WebSettings(model_path=model, tmp_dir=folder, workers=1, pool="thread"))
    with TestClient(app, base_url="http://localhost") as client:
        card = client.get("/api/model").json()
        answer = client.post("/api/classify", files={"file": (upload.name, upload.read_bytes())})
        assert answer.status_code == 200, answer.text
    return {"card": card, "genre": answer.json()["genre"]}


def test_label_learn_fills_exactly_the_untagged_files_and_undo_clears_them(made_library, tmp_path, monkeypatch):
    library = tmp_path / "library"
    library.mkdir()
    for f in made_library.iterdir():
        (library / f.name).write_bytes(f.read_bytes())
    before = {f.name: f.read_bytes() for f in library.iterdir()}
    monkeypatch.chdir(tmp_path)
    result = run("label", library, "--learn", "--min-tracks", "4", "--apply", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    (learned,) = tmp_path.glob("musicgenre-learned-*.onnx")
    assert learned.with_suffix(".card.json").exists()
    rows = {Path(r["file"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    changed = {name for name, row in rows.items() if row["applied"]}
    assert changed == {"untagged-beat.mp3", "untagged-drone.flac", "untagged-chip.m4a"}
    assert {name: tuple(read_genres(library / name).genres) for name in changed} == {
        "untagged-beat.mp3": ("Hip Hop",),
        "untagged-drone.flac": ("Ambient",),
        "untagged-chip.m4a": ("Chiptune",),
    }
    assert all(library.joinpath(n).read_bytes() == b for n, b in before.items() if n not in changed)
    assert "3 changed (set 3), 20 left alone, 0 failed" in result.stderr
    assert rows["polka-0.mp3"]["reason"] == "has a genre (--learn fills only files without one)"
    (log,) = tmp_path.glob("musicgenre-undo-*.jsonl")
    undone = run("label", "--undo", log)
    assert undone.exit_code == 0, undone.output
    assert all(read_genres(library / name).genres == () for name in changed)


def test_label_learn_refuses_what_would_overwrite_its_teachers(made_library):
    for extra in (("--replace",), ("--append",), ("--model", "musicnn")):
        result = run("label", made_library, "--learn", *extra)
        assert result.exit_code == 2 and "--learn" in result.output


def test_a_library_with_one_learnable_genre_says_what_it_found(made_library, tmp_path):
    result = run("learn", made_library, "-o", tmp_path / "m.onnx", "--min-tracks", "7", "--map", "chiptune=ambient")
    assert result.exit_code == 1
    (line,) = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert "needs at least 2 genres" in line and "genres kept: ambient (12 tracks)" in line  # named as the map says
    assert "Hip Hop: 6 tracks, fewer than --min-tracks 7" in line and "Polka: 2 tracks" in line
    assert not (tmp_path / "m.onnx").exists()


def test_the_shared_clips_tagged_with_their_genres_are_a_small_real_library(shared_audio, tmp_path):
    """The 17 distinct shared WAV clips as FLAC files tagged with their genre (one per genre kept untagged where
    there are three): five genres have two clips or more, the other five one."""
    library = tmp_path / "real"
    library.mkdir()
    clips = sorted({p.stem: p for p in shared_audio.glob("*/*.wav")}.values())
    untagged = set()
    for i, clip in enumerate(clips):
        y, sr = sf.read(clip, dtype="float32")
        path = write_clip(library / f"{clip.stem}.flac", signal=y, sr=sr)
        genre = clip.parent.name
        if clip.stem.endswith(".00001"):  # blues.00001, classical.00001
            untagged.add(path.name)
            genre = None
        tag(path, genre, f"{clip.parent.name} artist {i}")
    learned = tmp_path / "real.onnx"
    result = run("label", library, "--learn", "--min-tracks", "2", "--learned-model", learned, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    card = json.loads(learned.with_suffix(".card.json").read_text())
    assert card["genres"] == ["blues", "classical", "hiphop", "jazz", "rock"] and card["tracks"] == 10
    assert re.search(r"\d+\.\d % \[\d+\.\d %, \d+\.\d %\] agree with your tags on tracks by artists", result.stderr)
    rows = {Path(r["file"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    classified = {name for name, row in rows.items() if row["genre"] is not None}
    assert classified == untagged  # the tagged files are neither classified nor changed
    for name in untagged:  # each gets a learned genre, or is left alone as uncertain, saying so
        assert rows[name]["action"] == "set" or "uncertain" in rows[name]["reason"], rows[name]
        assert rows[name]["genre"] in card["genres"]
