"""Find the feature function a model file names in its ``musicgenre.recipe`` metadata.

Named recipes (e.g. ``kaggle30``) come from ``musicgenre.features.recipes``. A recipe written
``package.module:function`` is imported from an installed module, for models trained on custom features;
such a function takes ``(y, sr)`` and returns the ``(n_features,)`` vector in the model's column order.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import numpy as np

FeatureFunction = Callable[..., np.ndarray]


@dataclass(frozen=True)
class FeatureRecipe:
    """A feature extractor: ``function(y, sr) -> (n_features,)`` on a mono float32 signal at ``sample_rate`` Hz."""

    name: str
    function: FeatureFunction
    columns: tuple[str, ...] | None  # None when the recipe does not list its columns
    sample_rate: int | None  # Hz; None: any rate


class RecipeError(LookupError):
    """The model names a feature recipe this installation does not have."""


def resolve_recipe(name: str) -> FeatureRecipe:
    """The :class:`FeatureRecipe` called ``name`` (raises :class:`RecipeError`)."""
    if ":" in name:
        module_name, _, attribute = name.partition(":")
        try:
            function = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as error:
            raise RecipeError(f"feature recipe {name!r} cannot be imported: {error}") from None
        return FeatureRecipe(name, function, getattr(function, "columns", None), getattr(function, "sample_rate", None))
    registry = _registry()
    if registry is not None:
        return _from_registry(registry, name)
    if name == "kaggle30":  # the features package without its registry: the one recipe the default model needs
        from musicgenre.features.kaggle30 import KAGGLE30_COLUMNS, KAGGLE30_SR, kaggle30_features

        return FeatureRecipe(name, kaggle30_features, tuple(KAGGLE30_COLUMNS), KAGGLE30_SR)
    raise RecipeError(f"unknown feature recipe {name!r}")


def _registry() -> ModuleType | None:
    """The features package's recipe registry, or None when it is not installed."""
    try:
        from musicgenre.features import recipes
    except ImportError:
        return None
    return recipes


def _from_registry(registry: ModuleType, name: str) -> FeatureRecipe:
    """Adapt the features package's registry entry to a :class:`FeatureRecipe`."""
    getter = getattr(registry, "get_recipe", None) or getattr(registry, "get", None)
    try:
        entry = getter(name) if getter else registry.RECIPES[name]
    except KeyError:
        raise RecipeError(f"unknown feature recipe {name!r}") from None
    function = getattr(entry, "function", None) or getattr(entry, "extract", None) or entry
    columns = getattr(entry, "columns", None)
    sample_rate = getattr(entry, "sample_rate", None) or getattr(entry, "sr", None)
    return FeatureRecipe(name, function, tuple(columns) if columns is not None else None, sample_rate)
