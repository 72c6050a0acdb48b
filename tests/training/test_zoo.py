"""The zoo: configs parse, the seed's network is as described, every network has the right forward shape."""

from __future__ import annotations

import pytest
import torch

from musicgenre.models.baselines import BASELINES
from musicgenre.models.networks import build_network
from musicgenre.training.network_config import NetworkConfig
from musicgenre.training.zoo import ENSEMBLE, available_models, make_model, network_configs

torch.set_num_threads(1)

#: a sample of each input view: per-track vectors (table) and per-segment matrices (audio, 3 s)
SAMPLE_SHAPES = {"kaggle57": (57,), "mfcc40": (40,), "mfcc_frames": (20, 129), "logmel": (1, 64, 129)}


def test_the_zoo_covers_the_seed_variants_baselines_and_an_ensemble():
    names = set(available_models())
    assert {
        "mlp-mfcc",
        "mlp-mfcc-nobn",
        "mlp-mfcc-nodropout",
        "mlp-mfcc-l2",
        "mlp-kaggle57",
        "cnn1d-mfcc",
        "cnn2d-flatten",
        "cnn2d-gap",
        "cnn2d-gap-nobn",
        "cnn2d-gap-l2",
    } <= names
    assert {"logreg", "svm", "gboost", "forest", ENSEMBLE} <= names


def test_mlp_mfcc_is_the_seed_network():
    config = network_configs()["mlp-mfcc"]
    assert (config.kind, config.inputs, config.hidden) == ("mlp", "mfcc40", (128, 256, 128))
    assert config.batchnorm and config.dropout == 0.5 and config.l2 == 0
    assert (config.train.optimizer, config.train.early_stopping_patience, config.train.restore_best) == (
        "adam",
        10,
        True,
    )
    net = build_network(config, (40,))
    kinds = [type(m).__name__ for m in net.body]
    assert kinds == ["Linear", "BatchNorm1d", "ReLU", "Dropout"] * 3
    assert [m.out_features for m in net.body if isinstance(m, torch.nn.Linear)] == [128, 256, 128]
    assert net.head.out_features == 10


def test_variants_differ_from_the_seed_where_named():
    configs = network_configs()
    assert not configs["mlp-mfcc-nobn"].batchnorm and configs["mlp-mfcc-nobn"].dropout == 0.5
    assert configs["mlp-mfcc-nodropout"].dropout == 0 and configs["mlp-mfcc-nodropout"].batchnorm
    assert configs["mlp-mfcc-l2"].l2 > 0
    assert configs["cnn2d-flatten"].pooling == "flatten" and configs["cnn2d-gap"].pooling == "gap"
    assert not configs["cnn2d-gap-nobn"].batchnorm and configs["cnn2d-gap-l2"].l2 > 0


@pytest.mark.parametrize("name", sorted(network_configs()))
def test_every_network_maps_a_batch_to_ten_logits(name):
    config = network_configs()[name]
    shape = SAMPLE_SHAPES[config.inputs]
    net = build_network(config, shape).eval()
    out = net(torch.randn(3, *shape))
    assert out.shape == (3, 10) and torch.isfinite(out).all()
    has_bn = any(isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)) for m in net.modules())
    assert has_bn == config.batchnorm


def test_flatten_depends_on_the_input_length_and_global_pooling_does_not():
    configs = network_configs()
    gap = build_network(configs["cnn2d-gap"], (1, 64, 129))
    flat = build_network(configs["cnn2d-flatten"], (1, 64, 129))
    assert sum(p.numel() for p in flat.parameters()) > sum(p.numel() for p in gap.parameters())
    assert gap.eval()(torch.randn(2, 1, 64, 300)).shape == (2, 10)
    with pytest.raises(RuntimeError):
        flat.eval()(torch.randn(2, 1, 64, 300))


def test_a_config_rejects_unknown_keys_and_cnns_over_vectors():
    with pytest.raises(ValueError, match="unknown keys"):
        NetworkConfig.from_dict({"name": "x", "kind": "mlp", "inputs": "mfcc40", "hidden": [4], "widht": 3})
    with pytest.raises(ValueError, match="CNN needs"):
        NetworkConfig.from_dict({"name": "x", "kind": "cnn2d", "inputs": "kaggle57", "hidden": [4]})


def test_make_model_caps_epochs_and_knows_every_name():
    assert make_model("mlp-mfcc", max_epochs=3).train_config.epochs == 3
    for name in BASELINES:
        assert hasattr(make_model(name), "predict_proba")
    with pytest.raises(KeyError):
        make_model("nope")
