"""Classify one track of any length: cut into windows, score each, average the probabilities.

How the windows are read and scored is the model's (``score_windows``): a feature model decodes each window on
its own (``musicgenre.audio.load(path, offset=, duration=)``, memory bounded by one window); the musicnn model
decodes the track once and computes its tags once for all windows.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from musicgenre import audio
from musicgenre.audio import AudioError
from musicgenre.inference.loading import load_model
from musicgenre.inference.model import GenreModel
from musicgenre.inference.prediction import Prediction, WindowPrediction, average_probabilities, probabilities_by_genre
from musicgenre.models.windows import MIN_SECONDS, Window, WindowConfig, plan_windows

#: Default distance between window starts (s); windows are the model's clip length.
DEFAULT_HOP_S = 15.0

_default_model: GenreModel | None = None


def default_model() -> GenreModel:
    """The shipped model, loaded once per process."""
    global _default_model
    if _default_model is None:
        _default_model = load_model()
    return _default_model


def classify(
    path_or_array: str | Path | np.ndarray,
    sr: int | None = None,
    *,
    timeline: bool = False,
    model: GenreModel | None = None,
    hop_s: float = DEFAULT_HOP_S,
    explain: bool = False,
    keep_statistics: bool = False,
) -> Prediction:
    """Genre of a track: a file path, or a mono signal ``(n_samples,)`` at ``sr`` Hz (default: the model's rate).

    The track is cut into windows of ``model.clip_seconds`` (30 s) every ``hop_s`` seconds (see
    :func:`~musicgenre.models.windows.plan_windows`); tracks up to one window long are scored as they are,
    without padding. Window probabilities are averaged (silent windows are left out). ``timeline=True`` keeps
    one :class:`WindowPrediction` per scored window. ``explain=True`` adds which tags pushed the answer
    (``Prediction.explanation``, from what the model computed anyway; None for a model without tags).
    ``keep_statistics=True`` keeps each scored window's tag statistics (``Prediction.window_statistics``), what
    a head on this model's tags learns from (None for a model without tags).

    Raises :class:`~musicgenre.audio.AudioError` (one line naming the file) for unreadable, too short or
    silent input.
    """
    model = model or default_model()
    config = WindowConfig(window_s=model.clip_seconds, hop_s=min(hop_s, model.clip_seconds))
    if isinstance(path_or_array, np.ndarray):
        name, reader, duration_s = _array_reader(path_or_array, sr, model.sample_rate)
    else:
        name = str(path_or_array)
        reader, duration_s = _file_reader(Path(path_or_array), model.sample_rate)
    if duration_s < MIN_SECONDS:
        raise AudioError(name, f"too short to classify: {duration_s:.2f} s (needs at least {MIN_SECONDS:g} s)")
    scores = model.score_windows(name, reader, plan_windows(duration_s, config))
    scored, probabilities = scores.windows, scores.probabilities  # (w, n_genres)
    duration_s = scores.decoded_s if scores.decoded_s is not None else duration_s  # the header may have lied
    if not scored:
        raise AudioError(
            name, "silent: no window rises above -70 dBFS (a constant offset does not count), nothing to classify"
        )
    track = average_probabilities(probabilities, multi_label=scores.multi_label)
    threshold = model.uncertain_below
    if scores.not_music:
        uncertain: bool | None = True
    elif scores.uncertain is not None:
        uncertain = scores.uncertain
    else:
        uncertain = None if threshold is None else bool(track.max() < threshold)
    return Prediction(
        file=None if isinstance(path_or_array, np.ndarray) else name,
        duration_s=float(duration_s),
        genre=model.genres[int(np.argmax(track))],
        probabilities=probabilities_by_genre(track, model.genres),
        timeline=[
            WindowPrediction(
                w.start_s, w.end_s, model.genres[int(np.argmax(p))], probabilities_by_genre(p, model.genres)
            )
            for w, p in zip(scored, probabilities, strict=True)
        ]
        if timeline
        else [],
        windows=len(scored),
        uncertain=uncertain,
        not_music=scores.not_music,
        explanation=model.explain(scores, track) if explain else None,
        multi_label=scores.multi_label,
        window_statistics=scores.statistics if keep_statistics else None,
    )


def warm_up(model: GenreModel) -> None:
    """Run ``model`` once on 3 s of noise so that first-call costs (JIT compilation, caches) are paid before real
    work is timed or served; best effort: a failure here is left to the real files to report."""
    rng = np.random.default_rng(0)
    try:
        classify(0.1 * rng.standard_normal(3 * model.sample_rate).astype(np.float32), model.sample_rate, model=model)
    except Exception:
        pass


def _file_reader(path: Path, sample_rate: int):
    """A function reading one window of ``path`` at ``sample_rate`` Hz, and the file's duration (s)."""
    duration_s = audio.info(path).duration
    if not math.isfinite(duration_s) or duration_s <= 0:
        # the container does not state its length: decode once to measure it (rare: some raw streams)
        duration_s = audio.load(path, sr=sample_rate).size / sample_rate

    def read(window: Window, last: bool) -> np.ndarray:
        # the last window reads to the end of the file, so header rounding never cuts a few samples off
        return audio.load(path, sr=sample_rate, offset=window.start_s, duration=None if last else window.duration_s)

    return read, duration_s


def _array_reader(y: np.ndarray, sr: int | None, sample_rate: int):
    """Like :func:`_file_reader` for an in-memory mono signal ``(n_samples,)`` at ``sr`` Hz."""
    name = "<array>"
    y = np.asarray(y)
    if y.ndim != 1:
        raise AudioError(name, f"expected a mono signal of shape (n_samples,), got shape {y.shape}")
    if y.size == 0:
        raise AudioError(name, "no audio samples")
    y = audio.limit_range(y.astype(np.float32, copy=False), name)  # NaN/inf or far too loud: refused
    y = audio.resample(y, sr or sample_rate, sample_rate)

    def read(window: Window, last: bool) -> np.ndarray:
        start = int(round(window.start_s * sample_rate))
        end = y.size if last else int(round(window.end_s * sample_rate))
        return y[start:end]

    return name, read, y.size / sample_rate
