"""Find the feature function a model file names in its ``musicgenre.recipe`` metadata.

A model file is data: its recipe names one of the package's own recipes (:func:`known_recipes`: the features
registry, ``musicgenre.features.recipes``, and the two network recipes), and nothing else. No name read from a
file is ever imported. Code of your own that computes custom features passes a :class:`FeatureRecipe` to
``load_model(path, recipe=...)``: the caller's code chooses it, not the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from musicgenre.features.recipes import RECIPES

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
    return (*sorted(RECIPES), *NETWORK_RECIPES)


def resolve_recipe(name: str) -> FeatureRecipe:
    """The feature recipe called ``name`` from the package's registry (raises :class:`RecipeError` otherwise;
    nothing is imported by name)."""
    if name in RECIPES:
        entry = RECIPES[name]
        return FeatureRecipe(name, entry.function, tuple(entry.columns), entry.sample_rate)
    shown = name if len(name) <= 80 else name[:77] + "..."
    raise RecipeError(
        f"unknown feature recipe {shown!r}: a model file names one of the package's recipes "
        f"({', '.join(known_recipes())}); custom features need load_model(path, recipe=FeatureRecipe(...))"
    )
