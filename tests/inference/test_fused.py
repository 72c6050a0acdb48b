"""The default model: musicnn's head and EfficientAT's AudioSet genres, fused per window, the track decoded once.

Always run: the fusion arithmetic by hand, the joining of decoded blocks, EfficientAT's parts against the whole
track's log-mel, one decode per track, the networks' answers and the uncertain rule, no torch when predicting.
With ``../shared``: real clips where the two networks disagree and agree.
"""

from __future__ import annotations

import numpy as np
import pytest
from fresh_python import heavy_modules_after
from signals import SR, music, write

from musicgenre.backbones.efficientat.frontend import log_mel
from musicgenre.backbones.efficientat.graph import run_graph
from musicgenre.backbones.efficientat.vocabulary import MUSIC_GENRES
from musicgenre.genres import GENRES
from musicgenre.inference import DEFAULT_MODEL, classify, load_model
from musicgenre.inference.audioset_model import AudioSetModel, PartAnalysis, Stitcher, probabilities_runner
from musicgenre.inference.classify import _file_reader
from musicgenre.inference.fused_model import FusedModel, fuse
from musicgenre.models.windows import WindowConfig, plan_windows


@pytest.fixture(scope="module")
def fused() -> FusedModel:
    model = load_model()
    assert isinstance(model, FusedModel)
    return model


def test_default_is_the_fused_model(fused):
    assert DEFAULT_MODEL == "musicnn+efficientat" == fused.name
    assert fused.genres == GENRES and fused.sample_rate == 32000 and fused.clip_seconds == 30.0
    assert isinstance(fused.efficientat, AudioSetModel) and fused.efficientat.vocabulary == "gtzan"
    assert fused.musicnn.name.startswith("musicnn") and fused.uncertain_below is None


def test_fuse_by_hand():
    p = np.array([[0.5, 0.3, 0.2, 0.0], [0.25, 0.25, 0.25, 0.25]])
    q = np.array([[0.125, 0.3, 0.5, 0.075], [0.25, 0.25, 0.25, 0.25]])
    # row 0: sqrt(0.0625) = 0.25, sqrt(0.09) = 0.3, sqrt(0.1) = 0.316227766, 0 -> sum 0.866227766
    expected0 = np.array([0.25, 0.3, np.sqrt(0.1), 0.0]) / (0.55 + np.sqrt(0.1))
    np.testing.assert_allclose(fuse(p, q), [expected0, [0.25] * 4], rtol=1e-15, atol=0)
    assert np.allclose(fuse(p, q).sum(axis=1), 1)


def test_fuse_without_shared_mass_falls_back_to_the_mean():
    np.testing.assert_allclose(fuse(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])), [[0.5, 0.5]])


def test_stitcher_joins_overlapping_blocks_into_the_track():
    track = np.arange(10_000, dtype=np.float32)
    stitcher, pieces = Stitcher(guard=50), []
    for start, end, last in [(0, 3000, False), (2700, 6100, False), (5800, 10_000, True)]:
        pieces.append(stitcher.add(start, track[start:end], last))
    np.testing.assert_array_equal(np.concatenate(pieces), track)
    with pytest.raises(ValueError, match="gap"):
        Stitcher(guard=50).add(100, track[100:200], True)


def test_parts_equal_the_graph_on_the_whole_tracks_log_mel(fused):
    y = music(25.0, 32000)
    run = probabilities_runner(fused.efficientat.session)
    parts = PartAnalysis(run)
    for i in range(0, y.size, 7777):
        parts.push(y[i : i + 7777])
    parts.finish()
    assert parts.frames == [1000, 1000, 500]  # 2501 frames: two 10 s parts and a 5 s one
    mel = log_mel(y)
    whole = [mel[:, :1000], mel[:, 1000:2000], mel[:, 2000:2500]]
    expected = np.concatenate([run(np.stack(whole[:2])), run(whole[2][None])])
    np.testing.assert_allclose(np.concatenate(parts.probabilities), expected, rtol=0, atol=1e-5)
    np.testing.assert_allclose(parts.part_centres(), [5.0, 15.0, 22.5])
    assert parts.silent == [False, False, False]
    logits, embedding = run_graph(fused.efficientat.session, mel[None, :, :1000])
    assert logits.shape == (1, 527) and embedding.shape == (1, 384)


@pytest.mark.parametrize("samples", [31_999, 32_000, 319_999, 320_000, 639_999, 640_000, 640_321, 672_000])
def test_every_part_gets_a_silence_verdict(fused, samples):
    """Parts are cut by frames, silence is judged on samples: the last part's verdict is never lost (a track one
    sample short of whole parts once left the last part without one)."""
    parts = PartAnalysis(probabilities_runner(fused.efficientat.session))
    y = music(samples / 32000, 32000)[:samples]
    for i in range(0, y.size, 100_000):
        parts.push(y[i : i + 100_000])
    parts.finish()
    n = len(parts.frames)
    assert n >= 1 and len(parts.silent) == n and sum(len(p) for p in parts.probabilities) == n


@pytest.fixture(scope="module")
def song(tmp_path_factory):
    return write(tmp_path_factory.mktemp("fused") / "song.wav", music(70.0, SR))


def test_the_track_is_decoded_once(fused, song):
    """The fused model reads the file in the same blocks as musicnn alone: one decode for both networks."""
    windows = plan_windows(70.0, WindowConfig(30.0, 15.0))
    calls = {}
    for name, model in (("fused", fused), ("musicnn", fused.musicnn)):
        read, _ = _file_reader(song, model.sample_rate)
        seen = []

        def counting(window, last, read=read, seen=seen):
            seen.append((window.start_s, window.end_s))
            return read(window, last)

        model.score_windows(str(song), counting, windows)
        calls[name] = seen
    assert calls["fused"] == calls["musicnn"] and len(calls["fused"]) == 1  # 70 s: one block


def test_fused_probabilities_are_the_geometric_mean_of_the_networks(fused, tmp_path):
    path = write(tmp_path / "short.wav", music(25.0, SR))  # one window: track = window
    p = classify(path, model=fused, explain=True)
    musicnn, efficientat = p.explanation.networks
    assert (musicnn.network, efficientat.network) == ("musicnn", "efficientat")
    expected = fuse(
        np.array([list(musicnn.probabilities.values())]), np.array([list(efficientat.probabilities.values())])
    )[0]
    np.testing.assert_allclose(list(p.probabilities.values()), expected, rtol=0, atol=1e-6)
    if musicnn.genre != efficientat.genre:
        assert p.uncertain is True
    alone = classify(path, model=fused.efficientat)
    np.testing.assert_allclose(list(alone.probabilities.values()), list(efficientat.probabilities.values()), atol=1e-6)
    assert efficientat.top_tags and all(tag in MUSIC_GENRES for tag, _ in efficientat.top_tags)


def test_timeline_of_a_long_track(fused, song):
    p = classify(song, model=fused, timeline=True)
    assert p.windows == len(p.timeline) == 4  # 0-30, 15-45, 30-60, 45-70 (stretched)
    for w in p.timeline:
        assert abs(sum(w.probabilities.values()) - 1) < 1e-5


def test_predicting_imports_no_torch(tmp_path):
    path = write(tmp_path / "clip.wav", music(12.0, SR))
    code = f"from musicgenre.inference import classify; print(classify({str(path)!r}).genre)"
    assert heavy_modules_after(code, ("torch", "onnx")) == []


@pytest.mark.parametrize(
    "clip,disagree",
    [("metal/metal.00000.wav", True), ("reggae/reggae.00014.au", False), ("classical/classical.00001.wav", False)],
)
def test_uncertain_when_the_networks_disagree(fused, shared_audio, clip, disagree):
    p = classify(shared_audio / clip, model=fused, explain=True)
    musicnn, efficientat = p.explanation.networks
    assert (musicnn.genre != efficientat.genre) is disagree
    if disagree:
        assert p.uncertain is True
    else:
        threshold = fused.musicnn.uncertain_below
        assert p.uncertain is (musicnn.probability < threshold)
