"""The backbone interface: musicnn satisfies it by handing over to its own modules, the registry finds it by name
without importing torch, and its genre-graph export is a Model file the engine loads."""

from __future__ import annotations

import numpy as np
import pytest
from fresh_python import heavy_modules_after

from musicgenre.backbones.interface import DEFAULT_CACHE_DIR, Backbone, InputSpec, NoPublishedFeatures
from musicgenre.backbones.musicnn.backbone import MSD, MTT, MusicnnBackbone
from musicgenre.backbones.musicnn.config import MSD_TAGS, MTT_TAGS, InputConfig
from musicgenre.backbones.musicnn.preprocess import patches_from_signal
from musicgenre.backbones.registry import BACKBONES, get_backbone
from musicgenre.models.windows import patch_centres


def _signal(seconds: float, sr: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    noise = np.random.default_rng(3).standard_normal(t.size)
    return (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * noise).astype(np.float32)


def test_registry_names_the_musicnn_backbones_and_each_satisfies_the_protocol():
    assert list(BACKBONES)[:2] == ["musicnn-msd", "musicnn-mtt"]  # then efficientat-as (test_efficientat_backbone)
    for name in ("musicnn-msd", "musicnn-mtt"):
        backbone = BACKBONES[name]
        assert isinstance(backbone, Backbone) and isinstance(backbone, MusicnnBackbone)
        assert backbone.name == name and get_backbone(name) is backbone
    assert (MSD.tags, MTT.tags) == (MSD_TAGS, MTT_TAGS)
    assert dict(MSD.layers) == {"max_pool": 753, "mean_pool": 753, "penultimate": 200}
    names = MSD.feature_names("penultimate")
    assert len(names) == 200 and names[0] == "MSD_musicnn.penultimate[0]" and names[-1].endswith("[199]")
    assert MTT.feature_names("max_pool")[0] == "MTT_musicnn.max_pool[0]"
    with pytest.raises(ValueError, match="unknown layer 'logits'"):
        MSD.feature_names("logits")


def test_unknown_backbone_is_one_line_naming_the_known_ones():
    with pytest.raises(ValueError) as error:
        get_backbone("musicnn-big")
    assert str(error.value) == "unknown backbone 'musicnn-big': choose one of musicnn-msd, musicnn-mtt, efficientat-as"


def test_front_end_is_musicnns_input_config():
    cfg = InputConfig()
    front = MSD.input_spec
    assert front == InputSpec(16000, 256, 96, 187, 187) == MTT.input_spec
    assert (front.sample_rate, front.hop_length, front.n_bins, front.patch_frames, front.patch_hop) == (
        cfg.sample_rate,
        cfg.hop_length,
        cfg.n_mels,
        cfg.patch_frames,
        cfg.patch_hop,
    )
    assert front.hop_seconds == cfg.patch_seconds == pytest.approx(2.992)
    np.testing.assert_allclose(front.patch_starts(3), [0.0, 2.992, 5.984])
    # the centres the inference windows use, and halfway through each 187-frame patch
    np.testing.assert_array_equal(front.patch_centres(4), patch_centres(4))
    np.testing.assert_allclose(front.patch_centres(2), front.patch_starts(2) + 187 / 2 * 256 / 16000)
    with pytest.raises(ValueError, match="positive"):
        InputSpec(16000, 0, 96, 187, 187)


def test_patches_are_the_musicnn_front_end():
    y = _signal(7.5)
    patches = MSD.patches(y)
    assert patches.shape == (2, MSD.input_spec.patch_frames, MSD.input_spec.n_bins) and patches.dtype == np.float32
    np.testing.assert_array_equal(patches, patches_from_signal(y))
    # another input recipe goes through: patches every 61 frames
    overlapping = MusicnnBackbone("musicnn-msd-61", "msd", InputConfig(patch_hop=61))
    assert overlapping.input_spec.patch_hop == 61
    np.testing.assert_array_equal(overlapping.patches(y), patches_from_signal(y, InputConfig(patch_hop=61)))
    assert overlapping.patches(y).shape[0] == 5  # (469 frames - 187) // 61 + 1


def test_embed_cache_default_is_the_one_musicnn_always_used():
    from musicgenre.backbones.musicnn.embed import DEFAULT_CACHE_DIR as EMBED_DEFAULT

    assert EMBED_DEFAULT == DEFAULT_CACHE_DIR and DEFAULT_CACHE_DIR.parts[-2:] == ("musicgenre", "musicnn")


def test_published_features_only_where_there_are_some(tmp_path):
    with pytest.raises(NoPublishedFeatures, match="musicnn-mtt: no published features"):
        MTT.load_published(tmp_path)
    with pytest.raises(ValueError, match="training_data_GTZAN_MSDmusicnn_taggram.npz"):
        MSD.load_published(tmp_path)  # a folder without the published files: the loader's own error
    with pytest.raises(ValueError, match="musicnn-mtt: no genre graph"):
        MTT.export_genre_graph(tmp_path / "m.onnx", None, name="x")  # type: ignore[arg-type]
    assert not (tmp_path / "m.onnx").exists()


def test_published_taggrams_through_the_backbone(shared_taggrams):
    from musicgenre.datasets.taggrams import load_taggram_dir

    tg = MSD.load_published(shared_taggrams)
    assert tg.frames.shape[1] == len(MSD.tags)
    np.testing.assert_array_equal(tg.frames, load_taggram_dir(shared_taggrams).frames)


def test_importing_the_registry_loads_no_torch():
    code = (
        "from musicgenre.backbones.registry import BACKBONES, get_backbone; "
        "b = get_backbone('musicnn-msd'); f = b.input_spec; b.tags; dict(b.layers); b.feature_names('max_pool'); "
        "import musicgenre.interfaces.cli.experiment_cmd"
    )
    assert heavy_modules_after(code, ("torch", "librosa", "onnx")) == []


def test_network_is_the_shipped_musicnn():
    pytest.importorskip("torch")
    from musicgenre.backbones.musicnn.extract import load_network

    net = MTT.network()
    assert net is load_network("mtt") and net.cfg.tags == MTT.tags and not net.training


def test_export_genre_graph_writes_a_model_file_the_engine_loads(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from musicgenre.inference import load_model
    from musicgenre.inference.tag_model import TagModel
    from musicgenre.models.linear_head import RECIPE, LinearHead

    genres = ("drone", "hum", "whistle")
    rng = np.random.default_rng(0)
    stats = ("mean", "max")
    width = len(stats) * len(MSD.tags)
    head = LinearHead(
        statistics=stats,
        genres=genres,
        center=rng.uniform(0.0, 0.2, width),
        scale=rng.uniform(0.5, 1.5, width),
        coef=rng.normal(size=(len(genres), width)),
        intercept=np.zeros(len(genres)),
    )
    path = MSD.export_genre_graph(tmp_path / "out" / "g.onnx", head, name="three-sounds", extra={"musicgenre.x": "1"})
    assert path == tmp_path / "out" / "g.onnx" and path.is_file()
    model = load_model(path)
    assert isinstance(model, TagModel) and model.genres == genres
    assert model.name == "three-sounds" and model.recipe_name == RECIPE and model.metadata["musicgenre.x"] == "1"
    front = MSD.input_spec
    assert (model.input.sample_rate, model.input.patch_frames, model.input.patch_hop) == (
        front.sample_rate,
        front.patch_frames,
        front.patch_hop,
    )
    taggram = model.taggram(MSD.patches(_signal(4.0)))
    assert taggram.shape == (1, len(MSD.tags)) and ((taggram > 0) & (taggram < 1)).all()
