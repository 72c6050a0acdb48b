"""The genre model: an ONNX file (contract in DEVELOPING.md, "Model file") run with onnxruntime."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from musicgenre.genres import GENRES
from musicgenre.inference.recipes import FeatureRecipe, RecipeError, resolve_recipe

#: The model that ships inside the package.
DEFAULT_MODEL_PATH = Path(__file__).with_name("default_model") / "model.onnx"

_REQUIRED_METADATA = ("musicgenre.recipe", "musicgenre.feature_names", "musicgenre.genres",
                      "musicgenre.sample_rate", "musicgenre.clip_seconds")


class ModelError(ValueError):
    """A model file cannot be used; ``str(err)`` is one line ``"<path>: <reason>"``."""

    def __init__(self, path: str | Path, reason: str):
        self.path, self.reason = str(path), " ".join(str(reason).split())
        super().__init__(f"{self.path}: {self.reason}")


@dataclass(frozen=True)
class GenreModel:
    """A loaded model: what it expects (recipe, features, rate, clip length) and its onnxruntime session."""

    path: str
    name: str
    recipe: FeatureRecipe
    feature_names: tuple[str, ...]
    genres: tuple[str, ...]
    sample_rate: int  # Hz the features are computed at
    clip_seconds: float  # length of the clips it was trained on (s)
    session: object = field(repr=False, compare=False)

    def features(self, y: np.ndarray) -> np.ndarray:
        """Feature vector ``(n_features,)`` float32 of a mono signal ``y`` at :attr:`sample_rate`."""
        vector = np.asarray(self.recipe.function(y, self.sample_rate), dtype=np.float32).reshape(-1)
        if vector.size != len(self.feature_names):
            raise ValueError(f"recipe {self.recipe.name!r} gave {vector.size} features, the model takes {len(self.feature_names)}")
        return vector

    def card(self) -> dict | None:
        """The model card's figures (``<model>.card.json`` beside the file: protocols, accuracies, limits), if any."""
        facts = Path(self.path).with_suffix(".card.json")
        try:
            return json.loads(facts.read_text())
        except (OSError, ValueError):
            return None

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probabilities ``(n, n_genres)`` float32 for feature rows ``(n, n_features)``."""
        rows = np.ascontiguousarray(np.atleast_2d(features), dtype=np.float32)
        (probabilities,) = self.session.run(["probabilities"], {"features": rows})
        return np.asarray(probabilities, dtype=np.float32)


def load_model(path: str | Path | None = None, *, recipe: FeatureRecipe | None = None) -> GenreModel:
    """Load a model file (default: the one shipped in the package) and check it against the contract.

    ``recipe`` overrides the feature recipe named in the file (tests, custom pipelines).
    Raises :class:`ModelError` naming the file and what is wrong.
    """
    import onnxruntime as ort

    path = Path(path) if path is not None else DEFAULT_MODEL_PATH
    if not path.is_file():
        raise ModelError(path, "no such model file" + (" (the package was installed without its default model)" if path == DEFAULT_MODEL_PATH else ""))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # a few dense layers on 57 numbers: threads cost more than they save
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as error:
        raise ModelError(path, f"not a readable ONNX model ({str(error).splitlines()[0][:200]})") from None
    metadata = session.get_modelmeta().custom_metadata_map
    missing = [key for key in _REQUIRED_METADATA if key not in metadata]
    if missing:
        raise ModelError(path, f"metadata lacks {', '.join(missing)} (see DEVELOPING.md, Model file)")
    feature_names = tuple(name.strip() for name in metadata["musicgenre.feature_names"].split(","))
    genres = tuple(name.strip() for name in metadata["musicgenre.genres"].split(","))
    if genres != GENRES:
        raise ModelError(path, f"genres {genres} differ from musicgenre.GENRES {GENRES}")
    inputs = {i.name: i for i in session.get_inputs()}
    outputs = {o.name for o in session.get_outputs()}
    if "features" not in inputs or "probabilities" not in outputs:
        raise ModelError(path, f"needs input 'features' and output 'probabilities', has {sorted(inputs)} -> {sorted(outputs)}")
    width = inputs["features"].shape[-1]
    if isinstance(width, int) and width != len(feature_names):
        raise ModelError(path, f"input takes {width} features, metadata names {len(feature_names)}")
    try:
        recipe = recipe or resolve_recipe(metadata["musicgenre.recipe"])
    except RecipeError as error:
        raise ModelError(path, str(error)) from None
    if recipe.columns is not None and tuple(recipe.columns) != feature_names:
        raise ModelError(path, f"feature names differ from the columns of recipe {recipe.name!r}")
    sample_rate = int(float(metadata["musicgenre.sample_rate"]))
    if recipe.sample_rate is not None and int(recipe.sample_rate) != sample_rate:
        raise ModelError(path, f"model expects {sample_rate} Hz, recipe {recipe.name!r} computes at {recipe.sample_rate} Hz")
    return GenreModel(
        path=str(path),
        name=metadata.get("musicgenre.name", path.stem),
        recipe=recipe,
        feature_names=feature_names,
        genres=genres,
        sample_rate=sample_rate,
        clip_seconds=float(metadata["musicgenre.clip_seconds"]),
        session=session,
    )
