"""A model file is data: its ``musicgenre.recipe`` names one of the package's recipes or the file is refused, and no
name read from it is ever imported; its genres are a JSON list, so any name survives (older comma-joined files load).
"""

from __future__ import annotations

import json
import sys

import numpy as np
import onnx
import pytest
from click.testing import CliRunner

from musicgenre.genres import GENRES
from musicgenre.inference import SHIPPED_MODELS, ModelError, load_model
from musicgenre.inference.recipes import NETWORK_RECIPES, known_recipes
from musicgenre.models.model_file import read_genres


def _refused(path) -> str:
    with pytest.raises(ModelError) as caught:
        load_model(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: unknown feature recipe") and "\n" not in text
    return text


@pytest.mark.parametrize("recipe", ["this:nothing", "os:system", "no_such_recipe", "musicgenre.features.kaggle30"])
def test_a_recipe_the_package_does_not_have_is_refused_and_nothing_is_imported(tmp_path, rms, capsys, recipe):
    had_this = "this" in sys.modules
    path = rms.write_model(tmp_path / "m.onnx", metadata={"musicgenre.recipe": recipe})
    text = _refused(path)
    assert "kaggle30" in text and "musicnn-msd-logmel" in text  # the line lists what a file may name
    assert ("this" in sys.modules) == had_this
    assert "Beautiful is better than ugly" not in capsys.readouterr().out


def test_a_module_planted_beside_the_model_never_runs(tmp_path, rms, monkeypatch):
    evil = tmp_path / "evil_recipe.py"
    evidence = tmp_path / "ran.txt"
    evil.write_text(f"open({str(evidence)!r}, 'w').write('ran')\ndef run(y, sr):\n    return y[:1]\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))  # importable, as the current directory is for `python -m`
    monkeypatch.delitem(sys.modules, "evil_recipe", raising=False)
    path = rms.write_model(tmp_path / "model.onnx", metadata={"musicgenre.recipe": "evil_recipe:run"})
    _refused(path)
    result = CliRunner().invoke(_cli(), ["predict", str(tmp_path), "--model", str(path), "--no-progress"])
    assert result.exit_code != 0 and "unknown feature recipe 'evil_recipe:run'" in result.output
    assert "Traceback" not in result.output
    assert "evil_recipe" not in sys.modules and not evidence.exists()


def _cli():
    from musicgenre.interfaces.cli.main import cli

    return cli


def test_the_caller_may_still_pass_a_recipe_object(tmp_path, rms):
    """Custom features: the caller's code chooses the recipe, the file only names it."""
    model = load_model(rms.write_model(tmp_path / "m.onnx"), recipe=rms.recipe)
    assert model.recipe is rms.recipe


def test_the_package_recipes_are_the_registry_and_the_two_networks():
    from musicgenre.features.recipes import RECIPES

    assert set(known_recipes()) == set(RECIPES) | set(NETWORK_RECIPES)
    assert NETWORK_RECIPES == ("musicnn-msd-logmel", "efficientat-mn04-logmel")


def test_src_imports_no_module_named_by_data():
    """Only fixed tables feed import_module (the CLI's commands, lazy package attributes); never a recipe name."""
    from pathlib import Path

    import musicgenre

    root = Path(musicgenre.__file__).parent
    users = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "import_module(" in p.read_text() or "__import__(" in p.read_text()
    )
    assert users == ["backbones/musicnn/__init__.py", "datasets/__init__.py", "interfaces/cli/lazy_group.py"]


GENRES_WITH_COMMAS = ("Rock, Pop", "Jazz", "[odd] name", "Drum & Bass")


def test_genres_with_commas_round_trip_through_a_learned_model(tmp_path):
    """``learn`` writes its model with ``genre_graph.export_onnx``; a genre ``Rock, Pop`` comes back as written."""
    from musicgenre.backbones.musicnn.genre_graph import export_onnx
    from musicgenre.models.linear_head import LinearHead

    rng = np.random.default_rng(0)
    k = len(GENRES_WITH_COMMAS)
    head = LinearHead(("mean",), np.zeros(50), np.ones(50), rng.normal(size=(k, 50)), np.zeros(k), GENRES_WITH_COMMAS)
    path = export_onnx(tmp_path / "mine.onnx", head, "mine")
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert json.loads(meta["musicgenre.genres"]) == list(GENRES_WITH_COMMAS)
    assert load_model(path).genres == GENRES_WITH_COMMAS


def test_genres_with_commas_round_trip_through_a_feature_model(tmp_path, rms):
    from musicgenre.models.model_file import genres_metadata

    genres = (*GENRES_WITH_COMMAS, *GENRES[: len(GENRES) - len(GENRES_WITH_COMMAS)])
    path = rms.write_model(tmp_path / "m.onnx", metadata={"musicgenre.genres": genres_metadata(genres)})
    assert load_model(path, recipe=rms.recipe).genres == genres


def test_the_feature_model_exporter_writes_json_genres():
    from musicgenre.models.export import to_onnx

    class Tiny:  # anything with onnx_model(n_features): the rms test graph
        def onnx_model(self, n_features):
            from onnx import TensorProto, helper

            graph = helper.make_graph(
                [helper.make_node("Softmax", ["features"], ["probabilities"], axis=1)],
                "tiny",
                [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, len(GENRES)])],
                [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, len(GENRES)])],
            )
            return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])

    proto = to_onnx(Tiny(), [f"f{i}" for i in range(len(GENRES))], "kaggle30", name="tiny")
    meta = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(meta["musicgenre.genres"]) == list(GENRES)


@pytest.mark.parametrize("name", ["musicnn", "features", "efficientat"])
def test_old_comma_joined_model_files_still_load(name):
    """The shipped files were written comma-joined and are not rebuilt."""
    meta = {p.key: p.value for p in onnx.load(str(SHIPPED_MODELS[name]), load_external_data=False).metadata_props}
    assert not meta["musicgenre.genres"].startswith("[")
    assert load_model(name).genres == GENRES


def test_read_genres_takes_both_forms():
    assert read_genres("blues, classical,country") == ("blues", "classical", "country")
    assert read_genres('["Rock, Pop", "Jazz"]') == ("Rock, Pop", "Jazz")
    assert read_genres("[live],jazz") == ("[live]", "jazz")  # not JSON: the old form


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("musicgenre.sample_rate", "fast", "musicgenre.sample_rate must be a positive number of Hz, got 'fast'"),
        ("musicgenre.sample_rate", "inf", "musicgenre.sample_rate must be a positive number of Hz, got 'inf'"),
        ("musicgenre.clip_seconds", "0", "musicgenre.clip_seconds must be a positive number of seconds, got '0'"),
        ("musicgenre.uncertain_below", "high\nlow", "musicgenre.uncertain_below must be a number, got 'high\\nlow'"),
    ],
)
def test_a_malformed_number_is_refused_in_one_line(tmp_path, rms, key, value, says):
    """Once a traceback (``int(float("fast"))``) or a failure only when the value was used; now one line."""
    path = rms.write_model(tmp_path / "m.onnx", metadata={key: value})
    with pytest.raises(ModelError) as caught:
        load_model(path, recipe=rms.recipe)
    assert str(caught.value) == f"{path}: {says}"


def test_a_file_keeps_its_other_metadata_and_reads_a_float_rate(tmp_path, rms):
    path = rms.write_model(
        tmp_path / "m.onnx", metadata={"musicgenre.sample_rate": "22050.0", "musicgenre.zzz": "1", "other": "x"}
    )
    model = load_model(path, recipe=rms.recipe)
    assert model.sample_rate == 22050 and model.metadata["musicgenre.zzz"] == "1" and model.metadata["other"] == "x"


def test_loading_runs_one_thread_and_logs_only_errors(rms, tmp_path):
    """The session options loading chose before it used models.sessions' builder."""
    options = load_model(rms.write_model(tmp_path / "m.onnx"), recipe=rms.recipe).session.get_session_options()
    assert (options.intra_op_num_threads, options.inter_op_num_threads, options.log_severity_level) == (1, 1, 3)
