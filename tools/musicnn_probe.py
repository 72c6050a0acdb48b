"""A leave-one-out probe on the few real GTZAN clips in ../shared: musicnn embeddings vs MFCC means.

    .venv/bin/python tools/musicnn_probe.py [AUDIO_DIR] [--backbone musicnn-msd] [--layer max_pool]

Each clip is classified by a logistic regression (z-scored inputs) fitted on all the other clips.
With 23 clips, some genres having a single clip (which leave-one-out can never get right), this only
shows the pipeline works end to end and which input separates genres more easily on these clips; it
is no GTZAN accuracy (the published 77 % for MSD musicnn + SVM is on the 290-clip fault-filtered test set).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def loo_correct(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    correct = np.zeros(len(y), bool)
    for i in range(len(y)):
        train = np.arange(len(y)) != i
        model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=5000))
        model.fit(x[train], y[train])
        correct[i] = model.predict(x[i : i + 1])[0] == y[i]
    return correct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio_dir", nargs="?", default=str(ROOT.parent / "shared" / "gtzan" / "audio"))
    parser.add_argument("--backbone", default="musicnn-msd", choices=["musicnn-msd", "musicnn-mtt"])
    parser.add_argument("--layer", default="max_pool", choices=["max_pool", "mean_pool", "penultimate"])
    args = parser.parse_args()

    import librosa

    from musicgenre.audio import load
    from musicgenre.datasets import find_dataset
    from musicgenre.evaluation.backbone_views import backbone_view

    dataset = find_dataset(args.audio_dir)
    y = dataset.label_indices
    emb = backbone_view(dataset.paths, args.backbone, args.layer).x
    mfcc = np.stack([librosa.feature.mfcc(y=load(p), sr=22050, n_mfcc=40).mean(axis=1) for p in dataset.paths])
    counts = dataset.counts()
    reachable = sum(counts[t.label] > 1 for t in dataset)
    print(f"{len(y)} clips from {args.audio_dir}: {counts}")
    print(
        f"leave-one-out, logistic regression; at most {reachable}/{len(y)} reachable "
        "(single-clip genres never seen in training)"
    )
    for name, x in ((f"{args.backbone} {args.layer} ({emb.shape[1]})", emb), ("MFCC40 means", mfcc)):
        correct = loo_correct(x, y)
        wrong = [t.clip_id for t, ok in zip(dataset, correct, strict=True) if not ok]
        print(f"  {name:<32} {correct.sum()}/{len(y)} correct; wrong: {', '.join(wrong)}")


if __name__ == "__main__":
    main()
