"""Genre heads on musicnn's MSD tag probabilities (``musicgenre experiment taggrams --taggrams DIR``).

Scikit-learn estimators behind the baselines' ``scaler -> estimator`` pipeline (plain z-scores: the inputs are
probabilities in [0, 1]). Each head names the study view it reads: per-clip statistics of the taggram
(``taggram-meanmax``, ``taggram-meanmaxstd``, ``taggram-quantiles``; see
:mod:`musicgenre.features.taggram_stats`) or the frames themselves (``taggram-frames``: fitted on every 3 s
frame of the training clips, a clip's vote is the mean of its frames' probabilities, as musicnn's author scored
GTZAN). Hyper-parameters come from each grid (first entry: the default), chosen by the experiment's protocol:
on GTZAN's taggrams by k-fold CV over the training clips (``evaluation.runner.select_by_cv``: blocked by clip
number by default, or stratified).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import softmax
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from musicgenre.models.baselines import BaselineSpec


class SoftmaxRidge(RidgeClassifier):
    """Ridge classifier (one-vs-rest least squares on +-1 targets) whose ``predict_proba`` is the softmax of its
    decision values: the argmax is ridge's, but the values are scores, not calibrated probabilities."""

    def predict_proba(self, x) -> np.ndarray:
        return softmax(np.atleast_2d(self.decision_function(x)), axis=1)


def _logreg(seed: int, **kw: Any) -> LogisticRegression:
    return LogisticRegression(max_iter=5000, random_state=seed, **{"C": 0.1, **kw})


def _svm_linear(seed: int, **kw: Any) -> SVC:
    return SVC(kernel="linear", probability=True, random_state=seed, **{"C": 0.01, **kw})


def _svm_rbf(seed: int, **kw: Any) -> SVC:
    return SVC(kernel="rbf", probability=True, random_state=seed, **{"C": 10.0, "gamma": "scale", **kw})


def _ridge(seed: int, **kw: Any) -> SoftmaxRidge:
    return SoftmaxRidge(**{"alpha": 10.0, **kw})


def _mlp(seed: int, **kw: Any) -> MLPClassifier:
    return MLPClassifier(
        solver="lbfgs", max_iter=1000, random_state=seed, **{"hidden_layer_sizes": (64,), "alpha": 1.0, **kw}
    )


LOGREG_GRID = tuple({"C": c} for c in (0.1, 0.01, 0.03, 0.3, 1.0, 3.0))
RIDGE_GRID = tuple({"alpha": a} for a in (10.0, 1.0, 100.0, 1000.0))


def _head(name: str, description: str, make, grid, inputs: str) -> BaselineSpec:
    return BaselineSpec(name, description, make, grid, scaler="standard", inputs=inputs)


#: Every taggram head, in run order. Ridge's "probabilities" are softmaxed scores (``SoftmaxRidge``).
TAGGRAM_HEADS: dict[str, BaselineSpec] = {
    spec.name: spec
    for spec in (
        _head(
            "tag-meanmax-logreg",
            "logistic regression on the clip's tag means and maxima, C by CV",
            _logreg,
            LOGREG_GRID,
            "taggram-meanmax",
        ),
        _head(
            "tag-meanmax-svm-linear",
            "linear SVM (Platt probabilities) on tag means and maxima, C by CV",
            _svm_linear,
            tuple({"C": c} for c in (0.01, 0.003, 0.03, 0.1, 0.3, 1.0)),
            "taggram-meanmax",
        ),
        _head(
            "tag-meanmax-svm-rbf",
            "RBF SVM (Platt probabilities) on tag means and maxima, C by CV",
            _svm_rbf,
            tuple({"C": c} for c in (10.0, 1.0, 3.0, 30.0, 100.0)),
            "taggram-meanmax",
        ),
        _head(
            "tag-meanmax-ridge",
            "ridge classifier on tag means and maxima, alpha by CV",
            _ridge,
            RIDGE_GRID,
            "taggram-meanmax",
        ),
        _head(
            "tag-meanmax-mlp",
            "MLP 64 (L-BFGS) on tag means and maxima, L2 alpha by CV",
            _mlp,
            tuple({"alpha": a} for a in (1.0, 0.1, 3.0, 10.0)),
            "taggram-meanmax",
        ),
        _head(
            "tag-meanmaxstd-logreg",
            "logistic regression on tag means, maxima and std, C by CV",
            _logreg,
            LOGREG_GRID,
            "taggram-meanmaxstd",
        ),
        _head(
            "tag-meanmaxstd-ridge",
            "ridge classifier on tag means, maxima and std, alpha by CV",
            _ridge,
            RIDGE_GRID,
            "taggram-meanmaxstd",
        ),
        _head(
            "tag-quantiles-logreg",
            "logistic regression on tag mean, max, std, 10/50/90 % quantiles, C by CV",
            _logreg,
            LOGREG_GRID,
            "taggram-quantiles",
        ),
        _head(
            "tag-quantiles-ridge",
            "ridge classifier on tag mean, max, std, 10/50/90 % quantiles, alpha by CV",
            _ridge,
            RIDGE_GRID,
            "taggram-quantiles",
        ),
        _head(
            "tag-frames-logreg",
            "logistic regression on every 3 s frame's 50 tags; clip = mean of its frames' probabilities; C by CV",
            _logreg,
            tuple({"C": c} for c in (0.1, 0.01, 1.0)),
            "taggram-frames",
        ),
    )
}

#: Heads whose probabilities are real class probabilities (the fusion with another model takes one of these).
PROBABILISTIC_HEADS = tuple(name for name, spec in TAGGRAM_HEADS.items() if spec.make is not _ridge)

__all__ = ["PROBABILISTIC_HEADS", "SoftmaxRidge", "TAGGRAM_HEADS"]
