"""Fit a musicnn genre head on your own labelled tracks, with any genres: the model ``predict --model`` runs as is.

Each track is cut into the windows inference uses (30 s every 15 s,
:func:`~musicgenre.models.windows.plan_windows`); each window's rows are the patches centred in it. The head
(standardized mean, max and std of each tag -> multinomial logistic regression) is fitted on windows. A track's
answer is the mean of its windows' probabilities, as :func:`~musicgenre.inference.classify` gives it.

Cross-validation folds are over tracks: all windows of a track are on one side and, given each track's artist,
all tracks of an artist. So the CV accuracy is the honest figure for tracks the head has not seen. With no
separate test set it is the only figure, and it slightly flatters the chosen C.

The temperature is fitted on the out-of-fold window decision values, the "uncertain" threshold on the
out-of-fold track probabilities (:mod:`musicgenre.metrics.calibration`). With fewer than a few out-of-fold
mistakes there is no evidence of where the head goes wrong. The threshold is then 0.5, or lower when every
out-of-fold answer was less sure than that.

In use:

    taggrams = [...]                                   # per track: MSD tags of its 3 s patches, (patches, 50)
    fit = fit_tag_head(taggrams, y, classes)           # C by stratified k-fold CV over tracks, T, "uncertain"
    fit = fit_tag_head(taggrams, y, classes, groups=artists)   # the same, no artist on both sides of a fold
    export_onnx("model.onnx", fit.head, "my-genres", extra=fit.metadata())   # backbones.musicnn.genre_graph
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import softmax

from musicgenre.models.linear_head import LinearHead, window_statistics
from musicgenre.models.model_file import partial_props
from musicgenre.models.windows import WindowConfig, patch_centres, plan_windows, window_patches

#: Seconds between patch starts at musicnn's default input (187 frames of 256 samples at 16 kHz).
PATCH_SECONDS = 187 * 256 / 16000


@dataclass(frozen=True)
class TagHeadConfig:
    """How the head is chosen: statistics per window, CV folds over tracks, the grid of C, the windows."""

    statistics: tuple[str, ...] = ("mean", "max", "std")
    folds: int = 5
    seed: int = 0
    c_grid: tuple[float, ...] = (0.1, 0.01, 0.03, 0.3, 1.0, 3.0)  # first: the default; ties go to the earlier
    windows: WindowConfig = WindowConfig()


@dataclass(frozen=True)
class TagHeadFit:
    """The fitted head and what CV said about it (fractions; ``oof_proba`` ``(n_tracks, k)`` calibrated)."""

    head: LinearHead
    c: float
    cv_accuracy: dict[float, float]
    accuracy: float
    ci_low: float
    ci_high: float
    per_class: dict[str, tuple[int, int]]  # genre -> (right, tracks), out of fold
    oof_proba: np.ndarray = field(repr=False)
    uncertain_below: float = 0.5
    folds: int = 5
    n_windows: int = 0

    def metadata(self) -> dict[str, str]:
        """Extra Model file metadata: the uncertain threshold and the CV figure."""
        return partial_props(
            uncertain_below=float(self.uncertain_below),
            cv_accuracy=self.accuracy,
            description=f"musicnn MSD tags ({', '.join(self.head.statistics)} per window) -> "
            f"logistic regression (C = {self.c:g}), temperature-scaled",
        )


def track_windows(n_patches: int, config: WindowConfig = WindowConfig()) -> list[np.ndarray]:
    """Patch indices of each inference window of a track of ``n_patches`` patches (its length taken as
    ``n_patches`` whole patches), as the engine groups them."""
    centres = patch_centres(n_patches)
    return [window_patches(centres, w.start_s, w.end_s) for w in plan_windows(n_patches * PATCH_SECONDS, config)]


def fit_tag_head(
    taggrams: Sequence[np.ndarray],
    y: np.ndarray,
    classes: Sequence[str],
    config: TagHeadConfig = TagHeadConfig(),
    groups: np.ndarray | None = None,
) -> TagHeadFit:
    """Choose C by k-fold CV over tracks, fit on every track, calibrate; ``taggrams[i]`` ``(patches, 50)``
    of track ``i``, cut into the inference windows here (:func:`track_windows`), then :func:`fit_window_head`."""
    statistics = []
    for frames in taggrams:
        frames = np.asarray(frames, np.float64)
        windows = track_windows(len(frames), config.windows)
        statistics.append(np.stack([window_statistics(frames[patches], config.statistics) for patches in windows]))
    return fit_window_head(statistics, y, classes, config, groups)


def fit_window_head(
    statistics: Sequence[np.ndarray],
    y: np.ndarray,
    classes: Sequence[str],
    config: TagHeadConfig = TagHeadConfig(),
    groups: np.ndarray | None = None,
) -> TagHeadFit:
    """Choose C by k-fold CV over tracks, fit on every track, calibrate; ``statistics[i]`` ``(windows, d)`` the
    tag statistics (``config.statistics``) of track ``i``'s windows, as a tag model's head reads them
    (``Prediction.window_statistics``), ``y`` ``(n_tracks,)`` indices into ``classes``. With ``groups``
    ``(n_tracks,)`` (e.g. each track's artist) no group is on both sides of a fold, and the interval resamples
    groups; without, folds are stratified over tracks. Raises ValueError when a genre has fewer than two tracks
    (or groups): no fold could hold it out."""
    from sklearn.exceptions import ConvergenceWarning

    from musicgenre.datasets.kfold import grouped_kfold_covering, stratified_kfold
    from musicgenre.metrics.calibration import fit_temperature, uncertainty_threshold
    from musicgenre.metrics.classification import bootstrap_interval, grouped_bootstrap_interval

    y = np.asarray(y, np.int64)
    classes = tuple(classes)
    counts = np.bincount(y, minlength=len(classes))
    if len(classes) < 2 or counts.min() < 2:
        short = [f"{c} ({n})" for c, n in zip(classes, counts, strict=True) if n < 2]
        raise ValueError(
            f"every genre needs at least 2 tracks and there must be 2 genres; too few: {', '.join(short) or classes}"
        )
    x = np.concatenate([np.asarray(s, np.float64) for s in statistics])
    owner = np.repeat(np.arange(len(statistics)), [len(s) for s in statistics])  # the track of each window
    if groups is None:
        splits = list(stratified_kfold(y, k=int(min(config.folds, counts.min())), seed=config.seed))
    else:
        splits = grouped_kfold_covering(y, np.asarray(groups), k=config.folds, seed=config.seed)
    folds = len(splits)

    best: tuple[float, float, np.ndarray] | None = None  # accuracy, C, out-of-fold window decision values
    scores: dict[float, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for c in config.c_grid:
            decision = np.zeros((len(x), len(classes)))
            for fit_tracks, held_tracks in splits:
                fit_rows, held_rows = np.isin(owner, fit_tracks), np.isin(owner, held_tracks)
                # every fit part holds every genre (each has >= folds tracks), so the head has all k outputs
                model = _pipeline(c, config.seed).fit(x[fit_rows], y[owner[fit_rows]])
                decision[held_rows] = _head(model, classes, config).decision(x[held_rows])
            scores[c] = float((_track_proba(decision, owner, len(y), 1.0).argmax(1) == y).mean())
            if best is None or scores[c] > best[0]:
                best = (scores[c], c, decision)
        if best is None:
            raise ValueError("the grid of C values is empty")
        _, c, decision = best
        temperature = fit_temperature(decision, y[owner])
        oof = _track_proba(decision, owner, len(y), temperature)
        min_count = max(3, len(y) // 20)
        if int((oof.argmax(1) != y).sum()) >= min_count:
            threshold, _ = uncertainty_threshold(oof, y, min_count=min_count)
        else:  # too few out-of-fold mistakes to see where it is mostly wrong: under 50 %, or under all of them
            threshold = min(float(oof.max(1).min()), 0.5)
        head = _head(_pipeline(c, config.seed).fit(x, y[owner]), classes, config, temperature)
    right = oof.argmax(1) == y
    if groups is None:
        low, high = bootstrap_interval(right, seed=config.seed)
    else:
        low, high = grouped_bootstrap_interval(right, np.asarray(groups), seed=config.seed)
    per_class = {name: (int(right[y == k].sum()), int((y == k).sum())) for k, name in enumerate(classes)}
    return TagHeadFit(head, c, scores, float(right.mean()), low, high, per_class, oof, threshold, folds, len(x))


def _pipeline(c: float, seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000, random_state=seed))


def _head(model, classes: tuple[str, ...], config: TagHeadConfig, temperature: float = 1.0) -> LinearHead:
    """The shipped form of a fitted pipeline: the CV scores exactly what the model file will compute."""
    return LinearHead.from_sklearn(model, config.statistics, [classes[int(k)] for k in model[-1].classes_], temperature)


def _track_proba(decision: np.ndarray, owner: np.ndarray, n_tracks: int, temperature: float) -> np.ndarray:
    """Mean over each track's windows of ``softmax(decision / T)``: what ``classify`` averages."""
    p = softmax(decision / temperature, axis=1)
    out = np.zeros((n_tracks, decision.shape[1]))
    np.add.at(out, owner, p)
    return out / out.sum(axis=1, keepdims=True)


__all__ = ["TagHeadConfig", "TagHeadFit", "fit_tag_head", "fit_window_head", "track_windows"]
