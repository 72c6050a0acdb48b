"""Two networks, one answer: musicnn's genre head and EfficientAT's AudioSet genres, fused per window.

The track is decoded once, at EfficientAT's 32 kHz, in the blocks the musicnn model reads; musicnn hears each
block resampled to its 16 kHz (its 3 s patches, its head on each window's tag statistics), and the same
samples, joined into the exact track, stream into EfficientAT's log-mel and its 10 s parts
(:class:`~musicgenre.inference.audioset_model.PartAnalysis`). For each window scored by musicnn (windows that are
silent or under a second are left out by its rule), EfficientAT's ten genre scores come from the parts centred in
it, and the window's probabilities are the equal-weight geometric mean (:func:`fuse`). Nothing is fitted: the
weights and the AudioSet-to-genre map are fixed in advance.

A track is uncertain when the two networks' track answers name different genres, or under musicnn's own rule
(its top probability below the threshold calibrated for it). ``--explain`` shows each network's answer and what
it heard most: musicnn's MSD tags, EfficientAT's "Music genre" classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from musicgenre import audio
from musicgenre.backbones.efficientat.vocabulary import MUSIC_GENRES, music_genre_indices
from musicgenre.inference.audioset_model import (
    MARGIN_SECONDS,
    AudioSetModel,
    PartAnalysis,
    Stitcher,
    probabilities_runner,
)
from musicgenre.inference.explain import N_TOP_TAGS, Explanation, NetworkAnswer
from musicgenre.inference.model import GenreModel, WindowReader, WindowScores, shipped_card
from musicgenre.inference.prediction import average_probabilities, probabilities_by_genre
from musicgenre.inference.tag_model import TagModel
from musicgenre.models.model_file import partial_props
from musicgenre.models.windows import Window


def fuse(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The equal-weight geometric mean of two rows of probabilities ``(w, k)``, renormalised: ``sqrt(p q) /
    sum(sqrt(p q))`` per row (float64). A row where the two share no mass at all falls back to their mean."""
    p = np.asarray(first, dtype=np.float64)
    q = np.asarray(second, dtype=np.float64)
    geometric = np.sqrt(p * q)
    total = geometric.sum(axis=1, keepdims=True)
    arithmetic = (p + q) / 2
    fallback = arithmetic / arithmetic.sum(axis=1, keepdims=True)
    return np.where(total > 0, geometric / np.where(total > 0, total, 1.0), fallback)


@dataclass(frozen=True)
class FusedModel(GenreModel):
    """``musicnn`` and ``efficientat`` (GTZAN vocabulary) fused; its rate is EfficientAT's, its windows musicnn's."""

    musicnn: TagModel = field(repr=False, compare=False, kw_only=True)
    efficientat: AudioSetModel = field(repr=False, compare=False, kw_only=True)

    @property
    def uncertain_below(self) -> float | None:
        return None  # the verdict is the model's own (score_windows): disagreement or musicnn's threshold

    def score_windows(self, name: str, read: WindowReader, windows: Sequence[Window]) -> WindowScores:
        """musicnn's windows and probabilities, EfficientAT's scores of the same windows, fused; one decode."""
        sr = self.sample_rate
        parts = PartAnalysis(probabilities_runner(self.efficientat.session), self.efficientat.input)
        stitcher = Stitcher(guard=int(MARGIN_SECONDS * sr / 2))

        def read_once(window: Window, last: bool) -> np.ndarray:
            y = read(window, last)
            parts.push(stitcher.add(int(round(window.start_s * sr)), y, last))
            return audio.resample(y, sr, self.musicnn.sample_rate)

        heard = self.musicnn.score_windows(name, read_once, windows)
        parts.finish()
        if not heard.windows or not parts.frames:
            return heard
        decoded_s = stitcher.consumed / sr
        _, class_means, groups = self.efficientat.score_parts(parts, heard.windows, decoded_s, skip_silent=False)
        other = self.efficientat.window_probabilities(class_means)
        fused = fuse(heard.probabilities, other).astype(np.float32)
        first, second = average_probabilities(heard.probabilities), average_probabilities(other)
        used = np.unique(np.concatenate(groups))
        classes = np.concatenate(parts.probabilities)[used].mean(axis=0)
        threshold = self.musicnn.uncertain_below
        uncertain = bool(np.argmax(first) != np.argmax(second) or (threshold is not None and first.max() < threshold))
        answers = (
            self._answer("musicnn", first, self.musicnn.tag_names, heard.tags),
            self._answer("efficientat", second, MUSIC_GENRES, classes[music_genre_indices(self.efficientat.classes)]),
        )
        return replace(heard, probabilities=fused, uncertain=uncertain, networks=answers)

    def _answer(
        self, network: str, probabilities: np.ndarray, tag_names: Sequence[str], tags: np.ndarray | None
    ) -> NetworkAnswer:
        top: tuple[tuple[str, float], ...] = ()
        if tags is not None:
            order = np.argsort(-np.asarray(tags, dtype=np.float64), kind="stable")[:N_TOP_TAGS]
            top = tuple((tag_names[i], float(tags[i])) for i in order)
        best = int(np.argmax(probabilities))
        by_genre = probabilities_by_genre(probabilities, self.genres)
        return NetworkAnswer(network, self.genres[best], float(probabilities[best]), by_genre, top)

    @property
    def explain_unavailable(self) -> str | None:
        return None

    def explain(self, scores: WindowScores, probabilities: np.ndarray) -> Explanation | None:
        """musicnn's head explained on its own answer (the tags that pushed it: the explanation's ``genre`` and
        ``probability`` are musicnn's, which may differ from the fused answer), with both networks' answers and the
        tags (MSD tags, AudioSet "Music genre" classes) behind them in ``networks``."""
        if not scores.networks:
            return self.musicnn.explain(scores, probabilities)
        own = np.asarray(list(scores.networks[0].probabilities.values()), dtype=np.float64)
        heard = self.musicnn.explain(scores, own)
        return None if heard is None else replace(heard, networks=scores.networks)

    def card(self) -> dict | None:
        return shipped_card(self.name) or super().card()


def fused_model(musicnn: TagModel, efficientat: AudioSetModel, name: str) -> FusedModel:
    """The :class:`FusedModel` of two loaded models, named ``name``."""
    if musicnn.genres != efficientat.genres:
        raise ValueError(f"cannot fuse {musicnn.name} and {efficientat.name}: their genres differ")
    recipe = f"{musicnn.recipe_name}+{efficientat.recipe_name}"
    return FusedModel(
        path=f"{musicnn.path}+{efficientat.path}",
        name=name,
        genres=musicnn.genres,
        sample_rate=efficientat.sample_rate,
        clip_seconds=musicnn.clip_seconds,
        feature_names=musicnn.feature_names,
        session=musicnn.session,
        metadata={**musicnn.metadata, **partial_props(name=name, recipe=recipe, sample_rate=efficientat.sample_rate)},
        meta=None
        if musicnn.meta is None
        else replace(musicnn.meta, name=name, recipe=recipe, sample_rate=efficientat.sample_rate),
        musicnn=musicnn,
        efficientat=efficientat,
    )
