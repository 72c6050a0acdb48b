"""The genre models: ONNX files (contract in DEVELOPING.md, "Model file") run with onnxruntime.

Two kinds, told apart by the file's ``musicgenre.recipe``:

- :class:`FeatureModel`: a feature vector per window (a recipe such as ``kaggle30``) -> probabilities; each
  window is decoded and analysed on its own.
- :class:`~musicgenre.inference.tag_model.TagModel` (recipe ``musicnn-msd-logmel``): the track's log-mel
  patches -> musicnn tags -> a head on each window's tag statistics; the track is analysed once and every
  window reads its patches' tags.

Both score a track's windows with ``score_windows`` (what :func:`~musicgenre.inference.classify` calls).
Two models ship in the package (:data:`~musicgenre.inference.loading.SHIPPED_MODELS`; files are read by
:func:`~musicgenre.inference.loading.load_model`): ``musicnn`` (the default) and ``features``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from musicgenre import audio
from musicgenre.audio import AudioError
from musicgenre.inference.recipes import FeatureRecipe
from musicgenre.models.sessions import OnnxSession
from musicgenre.models.windows import MIN_SECONDS, Window

if TYPE_CHECKING:
    from musicgenre.inference.explain import Explanation, NetworkAnswer
    from musicgenre.models.model_file import ModelFileMeta

#: ``read(window, last) -> mono float32 signal`` of one window at the model's rate (``last``: read to the end).
WindowReader = Callable[[Window, bool], np.ndarray]


class ModelError(ValueError):
    """A model file cannot be used; ``str(err)`` is one line ``"<path>: <reason>"``."""

    def __init__(self, path: str | Path, reason: str):
        self.path, self.reason = str(path), " ".join(str(reason).split())
        super().__init__(f"{self.path}: {self.reason}")


@dataclass(frozen=True)
class WindowScores:
    """What a model made of a track: the windows scored (silent ones left out), their probabilities
    ``(w, n_genres)``, why the track is not music when the model can tell (see :mod:`.non_music`), and the
    length found by decoding it (s) when that ended before the header's duration (a damaged or lying header).

    A tag model also keeps what its head read, for :meth:`GenreModel.explain` (no second pass over the audio):
    ``statistics`` ``(w, d)`` float64, each scored window's tag statistics, and ``tags`` ``(n_tags,)``, the
    track's tag probabilities (mean over the scored windows' patches). None for models without tags.

    A model of several networks also gives its own verdict on whether the track is ``uncertain`` (None: leave it
    to the threshold rule) and each network's answer (``networks``). ``multi_label``: the probabilities are
    independent (one per class, not summing to 1), so a track's are the plain mean of its windows'."""

    windows: list[Window]
    probabilities: np.ndarray
    not_music: str | None = None
    decoded_s: float | None = None
    statistics: np.ndarray | None = None
    tags: np.ndarray | None = None
    uncertain: bool | None = None
    networks: tuple[NetworkAnswer, ...] = ()
    multi_label: bool = False


_SHIPPED = Path(__file__).with_name("shipped_models")


def shipped_card(name: str) -> dict | None:
    """The card's figures of a shipped model whose folder holds no model file of its own
    (``shipped_models/<name>/model.card.json``), if there is one."""
    try:
        return json.loads((_SHIPPED / name / "model.card.json").read_text())
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class GenreModel:
    """What every loaded model has: its file, genres, rate, window length and onnxruntime session."""

    path: str
    name: str
    genres: tuple[str, ...]
    sample_rate: int  # Hz the model hears
    clip_seconds: float  # window length: the clips it was trained on (s)
    feature_names: tuple[str, ...]  # what the head reads
    session: OnnxSession = field(repr=False, compare=False)
    metadata: dict = field(repr=False, compare=False, default_factory=dict)  # the file's metadata_props, as read
    meta: ModelFileMeta | None = field(repr=False, compare=False, default=None)  # the same, checked and typed

    @property
    def recipe_name(self) -> str:
        return self.meta.recipe if self.meta is not None else ""

    @property
    def multi_label(self) -> bool:
        """The genres are independent classes (each window's probabilities need not sum to 1)."""
        return False

    @property
    def uncertain_below(self) -> float | None:
        """Top probability under which a prediction is marked uncertain (from the model file), if it has one."""
        return self.meta.uncertain_below if self.meta is not None else None

    def card(self) -> dict | None:
        """The model card's figures (``<model>.card.json`` beside the file: protocols, accuracies, limits), if any."""
        facts = Path(self.path).with_suffix(".card.json")
        try:
            return json.loads(facts.read_text())
        except (OSError, ValueError):
            return None

    def score_windows(self, name: str, read: WindowReader, windows: Sequence[Window]) -> WindowScores:
        """The windows scored (silent ones left out) and their probabilities."""
        raise NotImplementedError

    @property
    def explain_unavailable(self) -> str | None:
        """Why this model cannot say which tags made its answer (one line), or None when it can."""
        recipe = self.recipe_name or "features"
        return f"model {self.name} reads a feature vector ({recipe}), not tags: it has no tag contributions to show"

    def explain(self, scores: WindowScores, probabilities: np.ndarray) -> Explanation | None:
        """Why the track scored ``scores`` got the track ``probabilities`` ``(n_genres,)``; None when the model has no
        tags (see :attr:`explain_unavailable`)."""
        return None


@dataclass(frozen=True)
class FeatureModel(GenreModel):
    """A model on one feature vector per window, computed by ``recipe`` from that window's signal."""

    recipe: FeatureRecipe = field(kw_only=True)

    @property
    def recipe_name(self) -> str:
        return self.recipe.name

    def features(self, y: np.ndarray) -> np.ndarray:
        """Feature vector ``(n_features,)`` float32 of a mono signal ``y`` at :attr:`sample_rate`."""
        vector = np.asarray(self.recipe.function(y, self.sample_rate), dtype=np.float32).reshape(-1)
        if vector.size != len(self.feature_names):
            raise ValueError(
                f"recipe {self.recipe.name!r} gave {vector.size} features, the model takes {len(self.feature_names)}"
            )
        return vector

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probabilities ``(n, n_genres)`` float32 for feature rows ``(n, n_features)``."""
        rows = np.ascontiguousarray(np.atleast_2d(features), dtype=np.float32)
        (probabilities,) = self.session.run(["probabilities"], {"features": rows})
        return np.asarray(probabilities, dtype=np.float32)

    def score_windows(self, name: str, read: WindowReader, windows: Sequence[Window]) -> WindowScores:
        """Each window decoded and analysed on its own (memory: one window), silent or sub-second ones skipped."""
        scored: list[Window] = []
        rows: list[np.ndarray] = []
        decoded_s = None
        last = windows[-1]
        for window in windows:
            y = read(window, window == last)
            if window != last and y.size + 2 < window.duration_s * self.sample_rate:
                decoded_s = window.start_s + y.size / self.sample_rate  # the file ended early: no more windows
            if y.size >= MIN_SECONDS * self.sample_rate and not audio.is_silent(y):
                rows.append(self.features(y))
                scored.append(window)
            if decoded_s is not None:
                break
        if not rows:
            return WindowScores([], np.zeros((0, len(self.genres)), np.float32), decoded_s=decoded_s)
        features = np.stack(rows)
        if not np.all(np.isfinite(features)):
            raise AudioError(name, "the features came out NaN or infinite (degenerate signal)")
        return WindowScores(scored, self.predict_proba(features), decoded_s=decoded_s)
