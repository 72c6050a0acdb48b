"""Write the shipped musicnn head's held-out twin: the same head fitted on the fault-filtered TRAINING clips only.

    .venv/bin/python tools/build_musicnn_heldout_head.py     # needs ../shared/gtzan/musicnn (taggrams); seconds

The shipped head (``tools/build_musicnn_model.py``) is fitted on all 733 clips with published taggrams, the 290
test clips among them, so scoring the shipped model on that test would score clips it learned from.
``musicgenre evaluate`` therefore swaps in this head, fitted exactly as the model card's study fits it (the head
``tag-meanmaxstd-logreg``, C chosen by 5-fold blocked CV inside the 443 training clips, its temperature fitted on
that CV's out-of-fold probabilities) and stored as JSON (``LinearHead.to_json``; no pickle) in
``src/musicgenre/inference/shipped_models/musicnn/heldout_head.json``. As a check, it is scored on the published
test taggrams, which must give the card's study accuracy.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "gtzan" / "musicnn"
OUT = ROOT / "src" / "musicgenre" / "inference" / "shipped_models" / "musicnn"
HEAD = "tag-meanmaxstd-logreg"
STATISTICS = ("mean", "max", "std")


def main() -> None:
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    from musicgenre.evaluation.protocols import fault_filtered
    from musicgenre.evaluation.runner import fit_on, select_by_cv
    from musicgenre.evaluation.taggram_study import load_taggram_study
    from musicgenre.genres import GENRES
    from musicgenre.metrics.calibration import fit_temperature
    from musicgenre.models.linear_head import LinearHead
    from musicgenre.training.zoo import make_model

    data = load_taggram_study(SHARED)
    view = data.views["taggram-meanmaxstd"]
    fold = fault_filtered(data.clip_ids.tolist(), valid=False)[0]
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        params, _, oof = select_by_cv(HEAD, data, view, fold.train, k=5, seed=0, inner_cv="blocked")
        model = fit_on(make_model(HEAD, seed=0, params=params), data, view, fold.train, None)
    temperature = fit_temperature(oof, data.y[fold.train])
    classes = [GENRES[int(c)] for c in model.pipeline_.classes_] if hasattr(model, "pipeline_") else GENRES
    head = LinearHead.from_sklearn(model, STATISTICS, classes, temperature)
    accuracy = float((model.predict_proba(view.x[fold.test]).argmax(1) == data.y[fold.test]).mean())
    card = json.loads((OUT / "model.card.json").read_text())
    print(f"C = {params['C']}, T = {temperature:.3f}; on the 290 published test taggrams: {100 * accuracy:.1f} %")
    if not np.isclose(accuracy, card["study"]["accuracy"]):
        raise SystemExit(f"not the card's study head: {accuracy} != {card['study']['accuracy']}")
    (OUT / "heldout_head.json").write_text(head.to_json() + "\n")
    print(f"wrote {(OUT / 'heldout_head.json').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
