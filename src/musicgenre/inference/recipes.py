"""Find the feature function a model file names in its ``musicgenre.recipe`` metadata.

A model file is data: its recipe names one of the package's own recipes (:func:`known_recipes`: the features
registry, ``musicgenre.features.recipes``, and the two network recipes), and nothing else. No name read from a
file is ever imported. Code of your own that computes custom features passes a :class:`FeatureRecipe` to
``load_model(path, recipe=...)``: the caller's code chooses it, not the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import numpy as np

FeatureFunction = Callable[..., np.ndarray]

#: The recipes of the network models (musicnn's genre graph, EfficientAT): their inputs are made by the model
#: classes themselves, not by a feature function.
NETWORK_RECIPES: tuple[str, ...] = ("musicnn-msd-logmel", "efficientat-mn04-logmel")


@dataclass(frozen=True)
class FeatureRecipe:
    """A feature extractor: ``function(y, sr) -> (n_features,)`` on a mono float32 signal at ``sample_rate`` Hz."""

    name: str
    function: FeatureFunction
    columns: tuple[str, ...] | None  # None when the recipe does not list its columns
    sample_rate: int | None  # Hz; None: any rate


class RecipeError(LookupError):
    """The model names a feature recipe this installation does not have."""


def known_recipes() -> tuple[str, ...]:
    """Every name a model file's ``musicgenre.recipe`` may hold: the feature recipes, then the network ones."""
    registry = _registry()
    features = tuple(sorted(registry.RECIPES)) if registry is not None else ("kaggle30",)
    return (*features, *NETWORK_RECIPES)


def resolve_recipe(name: str) -> FeatureRecipe:
    """The feature recipe called ``name`` from the package's registry (raises :class:`RecipeError` otherwise;
    nothing is imported by name)."""
    registry = _registry()
    if registry is not None and name in registry.RECIPES:
        return _from_registry(registry, name)
    if registry is None and name == "kaggle30":  # the features package without its registry
        from musicgenre.features.kaggle30 import KAGGLE30_COLUMNS, KAGGLE30_SR, kaggle30_features

        return FeatureRecipe(name, kaggle30_features, tuple(KAGGLE30_COLUMNS), KAGGLE30_SR)
    shown = name if len(name) <= 80 else name[:77] + "..."
    raise RecipeError(
        f"unknown feature recipe {shown!r}: a model file names one of the package's recipes "
        f"({', '.join(known_recipes())}); custom features need load_model(path, recipe=FeatureRecipe(...))"
    )


def _registry() -> ModuleType | None:
    """The features package's recipe registry, or None when it is not installed."""
    try:
        from musicgenre.features import recipes
    except ImportError:
        return None
    return recipes


def _from_registry(registry: ModuleType, name: str) -> FeatureRecipe:
    """Adapt the features package's registry entry to a :class:`FeatureRecipe`."""
    entry = registry.RECIPES[name]
    return FeatureRecipe(name, entry.function, tuple(entry.columns), entry.sample_rate)
