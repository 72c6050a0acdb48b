"""Model files from disk: the shipped models by name, the file checked against the contract (DEVELOPING.md,
"Model file"), and the right kind of model for it (:class:`~musicgenre.inference.model.FeatureModel` or
:class:`~musicgenre.inference.tag_model.TagModel`)."""

from __future__ import annotations

from pathlib import Path

from musicgenre.backbones.efficientat.graph import GRAPH_PATH as EFFICIENTAT_GRAPH
from musicgenre.backbones.efficientat.graph import RECIPE as EFFICIENTAT_RECIPE
from musicgenre.inference.audioset_model import AudioSetModel, audioset_model
from musicgenre.inference.fused_model import fused_model
from musicgenre.inference.model import FeatureModel, GenreModel, ModelError
from musicgenre.inference.recipes import FeatureRecipe, RecipeError, known_recipes, resolve_recipe
from musicgenre.inference.tag_model import TagModel, tag_model
from musicgenre.models.linear_head import RECIPE as TAG_RECIPE
from musicgenre.models.model_file import ModelFileError, ModelFileMeta
from musicgenre.models.sessions import ort_session

_SHIPPED = Path(__file__).with_name("shipped_models")
#: Models inside the package that are one file, by the name ``--model`` accepts. ``efficientat`` and
#: ``audioset-genres`` read the same graph in two vocabularies (GTZAN's ten genres; every AudioSet "Music genre").
SHIPPED_MODELS: dict[str, Path] = {
    "musicnn": _SHIPPED / "musicnn" / "model.onnx",
    "features": _SHIPPED / "features" / "model.onnx",
    "efficientat": EFFICIENTAT_GRAPH,
    "audioset-genres": EFFICIENTAT_GRAPH,
}
#: The vocabulary each shipped name gives an EfficientAT graph.
_VOCABULARY = {"efficientat": "gtzan", "audioset-genres": "music-genres"}
#: Models of several shipped networks, fused per window (:mod:`~musicgenre.inference.fused_model`).
FUSED_MODELS: dict[str, tuple[str, str]] = {"musicnn+efficientat": ("musicnn", "efficientat")}
#: The model used when none is given.
DEFAULT_MODEL = "musicnn+efficientat"
#: Every name ``--model`` accepts besides a file, the default first.
MODEL_NAMES: tuple[str, ...] = (DEFAULT_MODEL, *SHIPPED_MODELS)


def model_path(model: str | Path) -> Path:
    """The file of ``model``: a shipped model's name (:data:`SHIPPED_MODELS`) or a path."""
    if isinstance(model, str) and model in SHIPPED_MODELS:
        return SHIPPED_MODELS[model]
    return Path(model)


def load_model(path: str | Path | None = None, *, recipe: FeatureRecipe | None = None) -> GenreModel:
    """Load a model (default :data:`DEFAULT_MODEL`; or one of :data:`MODEL_NAMES`, or a file) and check it against
    the contract; returns a :class:`FeatureModel`, a :class:`~musicgenre.inference.tag_model.TagModel`, an
    :class:`~musicgenre.inference.audioset_model.AudioSetModel` or a
    :class:`~musicgenre.inference.fused_model.FusedModel`.

    ``recipe`` overrides the feature recipe named in a feature model's file (tests, custom pipelines).
    Raises :class:`ModelError` naming the file and what is wrong.
    """
    name = DEFAULT_MODEL if path is None else path
    if isinstance(name, str) and name in FUSED_MODELS:
        first, second = (load_model(member) for member in FUSED_MODELS[name])
        if not isinstance(first, TagModel) or not isinstance(second, AudioSetModel):
            raise ModelError(name, "a fused model needs a musicnn model and an EfficientAT model")
        return fused_model(first, second, name)
    vocabulary = _VOCABULARY.get(name, "gtzan") if isinstance(name, str) else "gtzan"
    shipped_name = name if isinstance(name, str) and name in SHIPPED_MODELS else None
    return _load_file(model_path(name), recipe, vocabulary, shipped_name)


def _load_file(path: Path, recipe: FeatureRecipe | None, vocabulary: str, shipped_name: str | None) -> GenreModel:
    """One model file, checked; an EfficientAT graph in ``vocabulary`` (named ``shipped_name`` when shipped)."""
    if not path.is_file():
        shipped = path in SHIPPED_MODELS.values()
        raise ModelError(
            path, "no such model file" + (" (the package was installed without its shipped models)" if shipped else "")
        )
    try:  # one thread: batches run one file per process; threads cost more than they save
        session = ort_session(path, threads=1, log_severity=3)
    except Exception as error:
        raise ModelError(path, f"not a readable ONNX model ({str(error).splitlines()[0][:200]})") from None
    metadata = dict(session.get_modelmeta().custom_metadata_map)
    try:
        meta = ModelFileMeta.from_props(metadata)
    except ModelFileError as error:
        raise ModelError(path, str(error)) from None
    if recipe is None and meta.recipe not in known_recipes():
        try:
            resolve_recipe(meta.recipe)  # raises the one line that lists the package's recipes
        except RecipeError as error:
            raise ModelError(path, str(error)) from None
    common = dict(
        path=str(path),
        name=path.stem if meta.name is None else meta.name,
        genres=meta.genres,
        sample_rate=meta.sample_rate,
        clip_seconds=meta.clip_seconds,
        feature_names=meta.feature_names,
        session=session,
        metadata=metadata,
        meta=meta,
    )
    if meta.recipe == TAG_RECIPE:
        return tag_model(**common)
    if meta.recipe == EFFICIENTAT_RECIPE:
        return audioset_model(vocabulary, shipped_name, **common)
    return _feature_model(recipe, meta.recipe, **common)


def _feature_model(recipe: FeatureRecipe | None, recipe_name: str, **common) -> FeatureModel:
    """Check a feature model's session and recipe (``recipe``, else the file's ``recipe_name``) against its metadata."""
    path, session = common["path"], common["session"]
    feature_names = common["feature_names"]
    inputs = {i.name: i for i in session.get_inputs()}
    outputs = {o.name for o in session.get_outputs()}
    if "features" not in inputs or "probabilities" not in outputs:
        raise ModelError(
            path, f"needs input 'features' and output 'probabilities', has {sorted(inputs)} -> {sorted(outputs)}"
        )
    width = inputs["features"].shape[-1]
    if isinstance(width, int) and width != len(feature_names):
        raise ModelError(path, f"input takes {width} features, metadata names {len(feature_names)}")
    try:
        recipe = recipe or resolve_recipe(recipe_name)
    except RecipeError as error:
        raise ModelError(path, str(error)) from None
    if recipe.columns is not None and tuple(recipe.columns) != feature_names:
        raise ModelError(path, f"feature names differ from the columns of recipe {recipe.name!r}")
    sample_rate = common["sample_rate"]
    if recipe.sample_rate is not None and int(recipe.sample_rate) != sample_rate:
        raise ModelError(
            path, f"model expects {sample_rate} Hz, recipe {recipe.name!r} computes at {recipe.sample_rate} Hz"
        )
    return FeatureModel(**common, recipe=recipe)
