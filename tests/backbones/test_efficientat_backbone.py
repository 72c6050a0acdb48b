"""EfficientAT behind the backbone interface: the registry finds it without torch, its patches are the front end's
log-mel in 10 s parts, and its embeddings are the shipped graph's outputs, cached by file content."""

from __future__ import annotations

import numpy as np
import pytest
from fresh_python import heavy_modules_after
from signals import music, noise, tone, write

from musicgenre.audio import AudioError, load
from musicgenre.backbones.efficientat.backbone import AS, EfficientATBackbone
from musicgenre.backbones.efficientat.frontend import log_mel
from musicgenre.backbones.efficientat.graph import read_classes
from musicgenre.backbones.efficientat.parts import MIN_TAIL_FRAMES, part_lengths
from musicgenre.backbones.interface import Backbone, InputSpec, NoPublishedFeatures
from musicgenre.backbones.registry import BACKBONES, get_backbone

SR = 32000


def _parts_by_hand(mel: np.ndarray) -> np.ndarray:
    """The interface's patches of a log-mel ``(128, frames)``, cut here without the backbone's code: whole 10 s
    parts, then a tail of 1 s or more repeated to 1000 frames."""
    frames = mel.shape[1]
    parts = [mel[:, i : i + 1000] for i in range(0, frames - 999, 1000)]
    tail = mel[:, len(parts) * 1000 :]
    if tail.shape[1] >= 100 or not parts:
        parts.append(np.concatenate([tail] * (1000 // tail.shape[1] + 1), axis=1)[:, :1000])
    return np.stack(parts).transpose(0, 2, 1)


class CountingSession:
    """An onnxruntime session that counts its runs."""

    def __init__(self, session):
        self.session, self.runs = session, 0

    def run(self, names, feeds):
        self.runs += 1
        return self.session.run(names, feeds)


@pytest.fixture
def counted(monkeypatch):
    """The session of this process's embeddings, counting its runs."""
    from musicgenre.backbones.efficientat import embed

    session = CountingSession(embed.default_session())
    monkeypatch.setattr(embed, "default_session", lambda: session)
    return session


@pytest.fixture
def files(tmp_path):
    """Two generated tracks (12 s music at 22.05 kHz, 3 s tone at 44.1 kHz) and a corrupt file."""
    a = write(tmp_path / "a.wav", music(12.0))
    b = write(tmp_path / "b.wav", tone(330.0, 3.0, 44100) + noise(3.0, 44100, 0.02), 44100)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio")
    return a, b, bad


def test_registry_finds_it_and_it_satisfies_the_protocol():
    assert get_backbone("efficientat-as") is AS and BACKBONES["efficientat-as"] is AS
    assert isinstance(AS, Backbone) and isinstance(AS, EfficientATBackbone) and AS.name == "efficientat-as"
    assert AS.input_spec == InputSpec(32000, 320, 128, 1000, 1000)
    assert AS.tags == read_classes() and len(AS.tags) == 527 and AS.tags[0] == "Speech"
    assert dict(AS.layers) == {"embedding": 384}
    names = AS.feature_names("embedding")
    assert len(names) == 384 and names[0] == "efficientat_mn04.embedding[0]" and names[-1].endswith("[383]")
    taggram = AS.feature_names("taggram")
    assert len(taggram) == 527 and taggram[0] == "Speech" and not any("," in n for n in taggram)
    assert "Male speech; man speaking" in taggram  # a Model file lists feature names comma-separated
    with pytest.raises(ValueError, match="unknown layer 'max_pool'"):
        AS.feature_names("max_pool")


def test_importing_the_registry_loads_no_torch_onnx_or_onnxruntime():
    code = (
        "from musicgenre.backbones.registry import get_backbone; "
        "b = get_backbone('efficientat-as'); b.input_spec; b.tags; dict(b.layers); "
        "b.feature_names('embedding'); b.feature_names('taggram')"
    )
    assert heavy_modules_after(code, ("torch", "librosa", "onnx", "onnxruntime")) == []


def test_patches_are_the_front_ends_log_mel_in_10_s_parts():
    y = music(25.0, SR)
    patches = AS.patches(y)
    assert patches.shape == (3, 1000, 128) and patches.dtype == np.float32
    mel = log_mel(y)  # (128, 2500): two whole parts and a 5 s tail
    assert mel.shape == (128, 2500)
    np.testing.assert_array_equal(patches, _parts_by_hand(mel))
    np.testing.assert_array_equal(patches[2, :500], mel[:, 2000:].T)
    np.testing.assert_array_equal(patches[2, 500:], mel[:, 2000:].T)  # the tail heard twice, nothing else
    # a track shorter than a part fills one by repetition; a tail under 1 s is left out
    assert AS.patches(y[: 4 * SR]).shape == (1, 1000, 128)
    assert AS.patches(y[: 20 * SR + 50 * 320]).shape == (2, 1000, 128)
    assert part_lengths(2000 + MIN_TAIL_FRAMES).tolist() == [1000, 1000, MIN_TAIL_FRAMES]
    with pytest.raises(ValueError):
        AS.patches(np.zeros(100, np.float32))


def test_patch_centres_and_starts_are_the_middles_of_the_10_s_parts():
    front = AS.input_spec
    assert front.patch_seconds == front.hop_seconds == 10.0
    np.testing.assert_allclose(front.patch_starts(3), [0.0, 10.0, 20.0])
    np.testing.assert_allclose(front.patch_centres(3), [5.0, 15.0, 25.0])


def test_embed_files_decodes_embeds_and_reports_a_corrupt_file(tmp_path, files, counted):
    a, b, bad = files
    cache = tmp_path / "cache"
    run = AS.embed_files([a, bad, b], cache_dir=cache)
    assert [t.path for t in run.tracks] == [a, b]
    assert len(run.failures) == 1 and run.failures[0].path == bad and str(run.failures[0]).startswith(f"{bad}: ")
    first, second = run.tracks
    assert first.patches("embedding").shape == (2, 384) and second.patches("embedding").shape == (1, 384)
    taggram = first.patches("taggram")
    assert taggram.shape == (2, 527) and taggram.dtype == np.float32 and ((taggram > 0) & (taggram < 1)).all()
    np.testing.assert_allclose(first.patches("patch_starts_s"), AS.input_spec.patch_starts(2))
    assert first.patches("part_frames").tolist() == [1000, 200] and not first.cached
    np.testing.assert_allclose(first.track("embedding"), first.patches("embedding").mean(axis=0))
    runs = counted.runs
    assert runs == 2  # one onnxruntime call per file (up to 8 parts)

    again = AS.embed_files([a, bad, b], cache_dir=cache)
    assert counted.runs == runs, "a cached file ran the network again"
    assert again.n_cached == 2 and [t.path for t in again.tracks] == [a, b] and len(again.failures) == 1
    for before, after in zip(run.tracks, again.tracks, strict=True):
        for layer in ("embedding", "taggram", "part_frames"):
            np.testing.assert_array_equal(after.patches(layer), before.patches(layer))
    assert len(list((cache / "efficientat_mn04-v1").rglob("*.npz"))) == 2


def test_embed_tracks_is_the_mean_of_the_parts_and_the_graphs_output_for_the_same_mel(files):
    from musicgenre.backbones.efficientat.graph import GRAPH_PATH, run_graph
    from musicgenre.models.sessions import ort_session

    a, b, bad = files
    x = AS.embed_tracks([b, a], "embedding", cache_dir=None)
    assert x.shape == (2, 384) and x.dtype == np.float32
    run = AS.embed_files([b, a], cache_dir=None)
    np.testing.assert_array_equal(x, np.stack([t.patches("embedding").mean(axis=0) for t in run.tracks]))
    tags = AS.embed_tracks([a], "taggram", cache_dir=None)
    np.testing.assert_array_equal(tags[0], run.tracks[1].track("taggram"))

    session = ort_session(GRAPH_PATH)
    for row, path in zip(x, (b, a), strict=True):
        mel = _parts_by_hand(log_mel(load(path, sr=SR))).transpose(0, 2, 1)
        _, embedding = run_graph(session, mel)
        np.testing.assert_allclose(row, embedding.mean(axis=0), rtol=0, atol=1e-6)
    with pytest.raises(AudioError, match="bad.wav"):
        AS.embed_tracks([a, bad], "embedding", cache_dir=None)
    with pytest.raises(ValueError, match="unknown layer"):
        AS.embed_tracks([a], "max_pool", cache_dir=None)
    assert AS.embed_tracks([], "embedding").shape == (0, 384)


def test_parallel_embed_matches_this_process(tmp_path, files):
    a, b, _ = files
    serial = AS.embed_files([a, b], cache_dir=None)
    parallel = AS.embed_files([a, b], cache_dir=tmp_path / "c", jobs=2)
    assert [t.path for t in parallel.tracks] == [a, b] and not parallel.failures
    for one, other in zip(serial.tracks, parallel.tracks, strict=True):
        np.testing.assert_allclose(other.patches("embedding"), one.patches("embedding"), rtol=0, atol=1e-6)
    assert len(list((tmp_path / "c").rglob("*.npz"))) == 2  # the workers wrote the cache


def test_short_and_silent_files_are_failures(tmp_path):
    short = write(tmp_path / "short.wav", tone(440.0, 0.5))
    silent = write(tmp_path / "silent.wav", np.zeros(22050 * 2, np.float32))
    run = AS.embed_files([short, silent], cache_dir=None)
    assert not run.tracks
    reasons = {f.path.name: f.reason for f in run.failures}
    assert reasons["short.wav"].startswith("too short") and reasons["silent.wav"].startswith("silent")


def test_no_genre_graph_and_no_published_features(tmp_path):
    with pytest.raises(ValueError, match="efficientat-as: no genre graph with a trained head"):
        AS.export_genre_graph(tmp_path / "m.onnx", None, name="x")  # type: ignore[arg-type]
    with pytest.raises(NoPublishedFeatures, match="efficientat-as: no published features"):
        AS.load_published(tmp_path)
    assert not (tmp_path / "m.onnx").exists()


def test_network_is_the_module_of_the_shipped_graph():
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from musicgenre.backbones.efficientat.network import EfficientAT

    net = AS.network()
    assert isinstance(net, EfficientAT) and not net.training and AS.network() is net
    patches = AS.patches(music(10.0, SR))
    with torch.no_grad():
        out = net(torch.from_numpy(np.ascontiguousarray(patches.transpose(0, 2, 1))))
    assert out.logits.shape == (1, 527) and out.embedding.shape == (1, 384)


def test_the_study_view_of_labelled_folders(tmp_path):
    from musicgenre.evaluation.backbone_views import load_backbone_data

    root = tmp_path / "data"
    for genre, pitch in (("blues", 220.0), ("metal", 880.0)):
        (root / genre).mkdir(parents=True)
        for i in range(2):
            write(root / genre / f"{genre}.{i:05d}.wav", tone(pitch * (1 + 0.1 * i), 2.0) + noise(2.0, seed=i))
    data = load_backbone_data(root, "efficientat-as", "embedding", cache_dir=None)
    view = data.views["efficientat-as"]
    assert view.x.shape == (4, 384) and view.recipe == "efficientat-as-embedding" and view.sample_rate == SR
    assert view.feature_names == AS.feature_names("embedding")
