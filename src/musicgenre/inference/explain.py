"""Why a tag-head model chose its genre: the exact contributions of each tag to the logit of its linear head.

The musicnn models (:class:`~musicgenre.inference.tag_model.TagModel`, the shipped one and those a user trains on
own genres) score a window by a linear head on the window's statistics (mean, max, std) of the 50 MSD tags::

    logit_k(window) = sum_i coef[k, i] * (x_i - center_i) / scale_i + intercept_k

so the logit splits exactly into one term per statistic column plus the intercept. A track of several 30 s
windows is scored by the mean of the windows' ``softmax(logit / T)``; the head being linear, the mean of the
windows' logits splits the same way on the mean of the windows' statistics. That mean window logit is what is
explained here: for a track of one window (any track up to 30 s) it is exactly the logit the model used; for a
longer one it is the exact average of the logits the model used, whose softmax need not give the averaged
probabilities (the genre shown is still the model's, from the averaged probabilities).

A tag's contribution is the sum of its statistics' terms, in logit units (before the temperature ``T``). It is
measured against the training clips' average (``center``): a tag at its average contributes 0, and the
intercept is the logit of a clip whose every statistic is average. "Why genre g and not r" is the difference
of the two logits, which splits the same way: tags with positive terms pushed toward g, negative toward r.
These are contributions of a linear head, not causes: a tag with a large term is one the head leans on for
this track, and the tags themselves are another network's guesses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from musicgenre.models.linear_head import LinearHead

#: Tags shown for and against by default, and top tags of the track.
N_FOR, N_AGAINST, N_TOP_TAGS = 4, 3, 5


@dataclass(frozen=True)
class LogitParts:
    """One genre's mean window logit (before the temperature) as ``bias + sum(contributions.values())``.

    ``contributions``: tag -> the summed terms of its statistics (logit units), every tag in the model's order.
    """

    genre: str
    logit: float
    bias: float
    contributions: dict[str, float]

    def to_dict(self) -> dict:
        return {
            "genre": self.genre,
            "logit": round(self.logit, 6),
            "bias": round(self.bias, 6),
            "contributions": {tag: round(c, 6) for tag, c in self.contributions.items()},
        }


@dataclass(frozen=True)
class NetworkAnswer:
    """One network's own answer inside a model of several: its track genre and probability, its probabilities of
    every genre, and the tags (or classes) it heard most in the track, with their probabilities."""

    network: str
    genre: str
    probability: float
    probabilities: dict[str, float]
    top_tags: tuple[tuple[str, float], ...]

    def summary(self) -> str:
        """``efficientat: jazz 0.48 (Jazz 0.41, Swing music 0.12)``."""
        tags = ", ".join(f"{t} {p:.2f}" for t, p in self.top_tags)
        return f"{self.network}: {self.genre} {self.probability:.2f}" + (f" ({tags})" if tags else "")

    def to_dict(self) -> dict:
        return {
            "network": self.network,
            "genre": self.genre,
            "probability": round(self.probability, 6),
            "probabilities": {g: round(p, 6) for g, p in self.probabilities.items()},
            "top_tags": [{"tag": t, "probability": round(p, 6)} for t, p in self.top_tags],
        }


@dataclass(frozen=True)
class Explanation:
    """Why ``genre`` (probability ``probability``) and not ``rival`` (the next most probable genre).

    ``pushed_for``: up to :data:`N_FOR` tags with the largest positive terms in ``logit(genre) - logit(rival)``,
    largest first, with those terms; ``pushed_against``: up to :data:`N_AGAINST` with the most negative ones (they
    pushed toward ``rival``). ``top_tags``: the track's most probable tags (mean over the scored windows' 3 s
    patches). ``parts``/``rival_parts``: each logit decomposed over every tag. ``windows``: how many windows the
    logits are averaged over; ``temperature``: what the model divides logits by before the softmax.
    ``networks``: in a model of several networks, each one's own answer (the tag head explained is the first's).
    """

    genre: str
    probability: float
    rival: str
    rival_probability: float
    pushed_for: tuple[tuple[str, float], ...]
    pushed_against: tuple[tuple[str, float], ...]
    top_tags: tuple[tuple[str, float], ...]
    parts: LogitParts
    rival_parts: LogitParts
    windows: int
    temperature: float
    networks: tuple[NetworkAnswer, ...] = ()

    def summary(self) -> str:
        """One line: ``jazz 0.62: jazz, instrumental, piano; against blues: guitar, male vocalists``."""
        why = ", ".join(tag for tag, _ in self.pushed_for) or f"no tag favoured it over {self.rival}"
        text = f"{self.genre} {self.probability:.2f}: {why}"
        if self.pushed_against:
            text += f"; against {self.rival}: " + ", ".join(tag for tag, _ in self.pushed_against)
        return text

    def tags_line(self) -> str:
        """The track's top tags with their probabilities: ``jazz 0.41, instrumental 0.38``."""
        return ", ".join(f"{tag} {p:.2f}" for tag, p in self.top_tags)

    def to_dict(self) -> dict:
        """JSON-ready: the summary, the tags for and against with their terms, top tags, both logits' parts."""
        return {
            "summary": self.summary(),
            "genre": self.genre,
            "probability": round(self.probability, 6),
            "rival": self.rival,
            "rival_probability": round(self.rival_probability, 6),
            "for": [{"tag": t, "contribution": round(c, 6)} for t, c in self.pushed_for],
            "against": [{"tag": t, "contribution": round(c, 6)} for t, c in self.pushed_against],
            "top_tags": [{"tag": t, "probability": round(p, 6)} for t, p in self.top_tags],
            "logit": self.parts.to_dict(),
            "rival_logit": self.rival_parts.to_dict(),
            "windows": self.windows,
            "temperature": round(self.temperature, 6),
            "units": "logit before the temperature, mean over windows; contribution = coef * standardized statistic",
            **({"networks": [n.to_dict() for n in self.networks]} if self.networks else {}),
        }


def feature_terms(head: LinearHead, statistics: np.ndarray) -> np.ndarray:
    """Each column's term in each genre's mean window logit, ``(k, d)`` float64, from window statistics ``(w, d)``.

    ``terms.sum(axis=1) + head.intercept`` equals ``head.decision(statistics).mean(axis=0)`` up to float64
    rounding: the head is linear, so the mean of the windows' logits is the head on the windows' mean statistics.
    """
    x = np.asarray(statistics, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != head.n_features or len(x) == 0:
        raise ValueError(f"expected statistics (windows >= 1, {head.n_features}), got {x.shape}")
    standardized = (x.mean(axis=0) - head.center) / head.scale
    return head.coef * standardized


def tag_terms(head: LinearHead, terms: np.ndarray) -> np.ndarray:
    """Column terms ``(k, d)`` summed over each tag's statistics: ``(k, n_tags)`` (columns: all tags of the first
    statistic, then of the next, :func:`~musicgenre.models.linear_head.window_statistics`)."""
    return np.asarray(terms).reshape(len(head.genres), len(head.statistics), head.n_tags).sum(axis=1)


def logit_parts(head: LinearHead, tags: Sequence[str], per_tag: np.ndarray, genre: int) -> LogitParts:
    """Genre ``genre``'s mean window logit decomposed over ``tags`` from per-tag terms ``(k, n_tags)``."""
    contributions = {tag: float(c) for tag, c in zip(tags, per_tag[genre], strict=True)}
    bias = float(head.intercept[genre])
    logit = bias + float(np.sum(per_tag[genre]))
    return LogitParts(head.genres[genre], logit, bias, contributions)


def explain(
    head: LinearHead,
    tags: Sequence[str],
    statistics: np.ndarray,
    track_tags: np.ndarray,
    probabilities: np.ndarray,
    *,
    n_for: int = N_FOR,
    n_against: int = N_AGAINST,
    n_top_tags: int = N_TOP_TAGS,
) -> Explanation:
    """The explanation of a track scored by ``head``.

    ``tags``: the ``head.n_tags`` tag names; ``statistics``: the scored windows' statistics ``(w, d)`` (what the
    head read); ``track_tags``: the track's tag probabilities ``(n_tags,)``; ``probabilities``: the track's genre
    probabilities ``(k,)`` the model gave (the genre is their argmax, the rival the runner-up).
    """
    if len(tags) != head.n_tags:
        raise ValueError(f"{len(tags)} tag names for a head on {head.n_tags} tags")
    probabilities = np.asarray(probabilities, dtype=np.float64)
    order = np.argsort(-probabilities, kind="stable")
    genre, rival = int(order[0]), int(order[1])
    per_tag = tag_terms(head, feature_terms(head, statistics))
    margin = per_tag[genre] - per_tag[rival]
    ranked = np.argsort(-margin, kind="stable")
    pushed_for = tuple((tags[i], float(margin[i])) for i in ranked[:n_for] if margin[i] > 0)
    pushed_against = tuple((tags[i], float(margin[i])) for i in ranked[::-1][:n_against] if margin[i] < 0)
    track_tags = np.asarray(track_tags, dtype=np.float64)
    top = np.argsort(-track_tags, kind="stable")[:n_top_tags]
    return Explanation(
        genre=head.genres[genre],
        probability=float(probabilities[genre]),
        rival=head.genres[rival],
        rival_probability=float(probabilities[rival]),
        pushed_for=pushed_for,
        pushed_against=pushed_against,
        top_tags=tuple((tags[i], float(track_tags[i])) for i in top),
        parts=logit_parts(head, tags, per_tag, genre),
        rival_parts=logit_parts(head, tags, per_tag, rival),
        windows=len(statistics),
        temperature=head.temperature,
    )
