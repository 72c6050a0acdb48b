"""Classic scikit-learn baselines behind the zoo's ``fit``/``predict_proba`` shape.

Each is a ``scaler -> estimator`` pipeline (Yeo-Johnson + z-score clipped to +-5, fitted on train only; trees
take the raw features). A small grid of
hyper-parameters is tried when a validation set is given and the best on *valid* is kept; ``params=`` fixes one
entry (what selection by cross-validation on the training clips uses, ``evaluation.runner.select_by_cv``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PowerTransformer, StandardScaler
from sklearn.svm import SVC

from musicgenre.models.export import ONNX_OPSET
from musicgenre.models.networks import N_CLASSES
from musicgenre.models.scaling import YeoJohnson


@dataclass(frozen=True)
class BaselineSpec:
    """A baseline: how to make its estimator, and the grid tried on valid (first entry is the default)."""

    name: str
    description: str
    make: Callable[..., ClassifierMixin]
    grid: tuple[dict[str, Any], ...] = field(default_factory=lambda: ({},))
    #: ``power``: Yeo-Johnson, standardise and clip (tames the heavy-tailed ``*_var`` columns and the rare extreme
    #: values); ``none`` for trees, which are blind to monotone rescaling (and then match their ONNX graph exactly);
    #: ``standard``: plain z-scores (bounded inputs such as tag probabilities)
    scaler: str = "power"
    #: the study view it reads (per-clip vectors, or per-frame rows scored per clip by the mean of their probabilities)
    inputs: str = "kaggle57"


def _svm(seed: int, **kw: Any) -> SVC:
    return SVC(kernel="rbf", probability=True, random_state=seed, **{"C": 10.0, "gamma": "scale", **kw})


def _logreg(seed: int, **kw: Any) -> LogisticRegression:
    return LogisticRegression(max_iter=3000, random_state=seed, **{"C": 1.0, **kw})


def _gboost(seed: int, **kw: Any) -> GradientBoostingClassifier:
    # classic gradient boosting: skl2onnx converts it (its HistGradientBoosting converter fails on sklearn 1.9)
    return GradientBoostingClassifier(
        random_state=seed,
        **{"n_estimators": 150, "learning_rate": 0.1, "max_depth": 3, "subsample": 0.8, "max_features": "sqrt", **kw},
    )


def _forest(seed: int, **kw: Any) -> RandomForestClassifier:
    return RandomForestClassifier(random_state=seed, n_jobs=1, **{"n_estimators": 300, **kw})


BASELINES: dict[str, BaselineSpec] = {
    "logreg": BaselineSpec(
        "logreg", "logistic regression, C tuned on valid", _logreg, ({"C": 0.3}, {"C": 0.1}, {"C": 1.0}, {"C": 3.0})
    ),
    "svm": BaselineSpec("svm", "RBF SVM, C tuned on valid", _svm, ({"C": 10.0}, {"C": 1.0}, {"C": 3.0}, {"C": 30.0})),
    "gboost": BaselineSpec("gboost", "gradient boosting, 150 trees of depth 3", _gboost, ({},), scaler="none"),
    "forest": BaselineSpec("forest", "random forest, 300 trees", _forest, ({},), scaler="none"),
}


class ClippedYeoJohnson(TransformerMixin, BaseEstimator):
    """Yeo-Johnson + z-score fitted as scikit-learn's ``PowerTransformer`` does, applied by the torch layer
    :class:`~musicgenre.models.scaling.YeoJohnson` (float64, clipped to +-5): the very numbers of the exported graph,
    and finite for any finite input (scikit-learn's own transform overflows to inf on far-out values and refuses)."""

    def fit(self, x, y=None) -> ClippedYeoJohnson:
        self.layer_ = YeoJohnson.from_sklearn(PowerTransformer().fit(np.asarray(x, np.float64)))
        return self

    def transform(self, x) -> np.ndarray:
        with torch.no_grad():
            return self.layer_(torch.as_tensor(np.asarray(x, np.float64))).numpy().astype(np.float64)


class BaselineClassifier:
    """``scaler -> estimator``; ``fit(X, y, X_val, y_val)`` tunes the grid on valid.

    ``X`` ``(n, n_features)``, ``y`` int genre indices; ``predict_proba`` always returns ``(n, 10)``.
    After fitting: ``pipeline_``, ``params_`` (the chosen grid entry), ``val_scores_``. ``params`` fixes the
    hyper-parameters (no grid).
    """

    def __init__(
        self, spec: BaselineSpec, *, seed: int = 0, tune: bool = True, params: dict[str, Any] | None = None
    ) -> None:
        self.spec, self.seed, self.tune = spec, seed, tune
        self.grid = spec.grid if params is None else (dict(params),)

    def _pipeline(self, params: dict[str, Any]) -> Pipeline:
        if self.spec.scaler == "none":
            return Pipeline([("model", self.spec.make(self.seed, **params))])
        if self.spec.scaler == "standard":
            return Pipeline([("scale", StandardScaler()), ("model", self.spec.make(self.seed, **params))])
        if self.spec.scaler != "power":
            raise ValueError(
                f"{self.spec.name}: scaler must be 'power', 'standard' or 'none', not {self.spec.scaler!r}"
            )
        return Pipeline([("scale", ClippedYeoJohnson()), ("model", self.spec.make(self.seed, **params))])

    def fit(
        self, x: np.ndarray, y: np.ndarray, x_val: np.ndarray | None = None, y_val: np.ndarray | None = None, **_: Any
    ) -> BaselineClassifier:
        x, y = np.asarray(x, np.float64), np.asarray(y)
        x_tune = x_val if (self.tune and x_val is not None and len(x_val)) else None
        grid = self.grid if x_tune is not None else self.grid[:1]
        best: tuple[float, Pipeline, dict[str, Any]] | None = None
        self.val_scores_: dict[str, float] = {}
        for params in grid:
            with warnings.catch_warnings():  # sklearn 1.9 deprecates SVC(probability=True); it still works
                warnings.simplefilter("ignore", FutureWarning)
                pipeline = self._pipeline(params).fit(x, y)
            score = (
                float((self._proba(pipeline, x_tune).argmax(1) == y_val).mean())
                if x_tune is not None and len(grid) > 1
                else 0.0
            )
            self.val_scores_[repr(params)] = score
            if best is None or score > best[0]:
                best = (score, pipeline, params)
        if best is None:
            raise ValueError(f"{self.spec.name}: no hyper-parameters to try")
        self.pipeline_, self.params_ = best[1], best[2]
        return self

    @staticmethod
    def _proba(pipeline: Pipeline, x: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            proba = pipeline.predict_proba(np.asarray(x, np.float64))
        out = np.zeros((len(proba), N_CLASSES), np.float32)
        out[:, pipeline.classes_.astype(int)] = proba
        return out

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self._proba(self.pipeline_, x)

    def onnx_model(self, n_features: int):
        """ONNX graph: input ``features`` float32 ``(batch, n_features)``, output ``probabilities``.

        The scaler is its torch layer exported (float64 inside; skl2onnx's own PowerTransformer converter computes
        in float32 and drifts by ~1e-5), chained to the skl2onnx graph of the estimator.
        """
        import onnx
        from onnx import compose, helper, numpy_helper
        from skl2onnx import to_onnx
        from skl2onnx.common.data_types import FloatTensorType

        power = self.spec.scaler == "power"
        head = self.pipeline_[-1:] if power else self.pipeline_
        input_name = "scaled" if power else "features"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            proto = to_onnx(
                head,
                initial_types=[(input_name, FloatTensorType([None, n_features]))],
                options={id(self.pipeline_.steps[-1][1]): {"zipmap": False}},
                target_opset={"": ONNX_OPSET, "ai.onnx.ml": 3},
            )
        graph = proto.graph
        prob = next(o for o in graph.output if "prob" in o.name)
        if prob.name == "probabilities":  # free the contract's name for the final output below
            for node in graph.node:
                node.output[:] = ["estimator_probabilities" if o == prob.name else o for o in node.output]
            prob.name = "estimator_probabilities"
        classes = self.pipeline_.classes_.astype(int)
        if len(classes) != N_CLASSES or (classes != np.arange(N_CLASSES)).any():
            # trained on some genres only: scatter its columns into the ten GENRES columns (others 0)
            spread = np.zeros((len(classes), N_CLASSES), np.float32)
            spread[np.arange(len(classes)), classes] = 1.0
            graph.initializer.append(numpy_helper.from_array(spread, "genre_spread"))
            graph.node.append(
                helper.make_node("MatMul", [prob.name, "genre_spread"], ["probabilities"], name="probabilities_out")
            )
        else:
            graph.node.append(helper.make_node("Identity", [prob.name], ["probabilities"], name="probabilities_out"))
        del graph.output[:]
        graph.output.append(helper.make_tensor_value_info("probabilities", onnx.TensorProto.FLOAT, [None, N_CLASSES]))
        if not power:
            return proto
        scaler = self.pipeline_[0].layer_.onnx_model(n_features, output="scaled")
        scaler.ir_version = proto.ir_version = max(scaler.ir_version, proto.ir_version)
        opsets = {o.domain or "": o.version for o in list(scaler.opset_import) + list(proto.opset_import)}
        for model in (scaler, proto):
            del model.opset_import[:]
            model.opset_import.extend(helper.make_opsetid(d, v) for d, v in opsets.items())
        return compose.merge_models(scaler, proto, io_map=[("scaled", "scaled")])
