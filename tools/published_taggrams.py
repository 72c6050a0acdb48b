"""Our musicnn port against the MSD_musicnn taggrams its author published for GTZAN (../shared/gtzan/musicnn).

    .venv/bin/python tools/published_taggrams.py [SHARED_GTZAN_DIR]

The published frames were made by musicnn 0.1.0 under TensorFlow and librosa 0.7 from the original ``.au``
audio (``extractor(file, model="MSD_musicnn", input_overlap=1)``, jordipons/sklearn-audio-transfer-learning).
13 of the clips in ``../shared/gtzan/audio`` are in them. For each recipe this prints, per clip, the largest
absolute difference of the tag probabilities over all frames and the correlation of all frames' values, then
what the difference costs: the clip's top tag (argmax of the mean over frames) and the genre a logistic
regression head (C = 0.1, standardized mean and max tag probabilities, fitted on the published training
frames of the clips not among the 13) gives from our frames and from the published ones.

Recipes: ``soxr``, patch hop 61 (today's default resampler) and ``PUBLISHED_GTZAN_INPUT`` (resampy's
``kaiser_best`` as librosa 0.7 ran it, hop 61). blues.00099 is only here as a 56 kbit/s MP3 of the original
clip: its residual is the MP3's, not the port's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FILES = ("training", "evaluation")
SUFFIX_ORDER = (".au", ".wav", ".mp3")  # the original audio first; the MP3 is lossy


def published_frames(shared: Path) -> dict[str, tuple[str, np.ndarray]]:
    """clip id (``"jazz.00054"``) -> (which file, its frames ``(n, 50)`` in time order)."""
    out = {}
    for split in FILES:
        with np.load(shared / "musicnn" / f"{split}_data_GTZAN_MSDmusicnn_taggram.npz", allow_pickle=False) as data:
            x, ids = data["X"], data["IDS"]
        for clip in np.unique(ids):
            out[str(clip).split("/")[-1].removesuffix(".au")] = (split, x[ids == clip])
    return out


def shared_clips(audio_dir: Path, published: dict) -> dict[str, Path]:
    """The clips of ``audio_dir`` that are in the published files, one path each (.au, else .wav, else .mp3)."""
    found: dict[str, Path] = {}
    for path in sorted(
        audio_dir.glob("*/*.*"), key=lambda p: SUFFIX_ORDER.index(p.suffix) if p.suffix in SUFFIX_ORDER else 9
    ):
        clip = path.name.rsplit(".", 1)[0]
        if clip in published and clip not in found:
            found[clip] = path
    return dict(sorted(found.items()))


def compare(ours: np.ndarray, published: np.ndarray) -> tuple[float, float]:
    """(max absolute difference, correlation) of two taggrams of the same shape."""
    if ours.shape != published.shape:
        raise ValueError(f"taggram shapes differ: ours {ours.shape}, published {published.shape}")
    return float(np.abs(ours - published).max()), float(np.corrcoef(ours.ravel(), published.ravel())[0, 1])


def clip_stats(frames: np.ndarray) -> np.ndarray:
    return np.concatenate([frames.mean(axis=0), frames.max(axis=0)])


def genre_head(published: dict, leave_out: set[str]):
    """Logistic regression on (mean, max) of the published training frames, without the clips in ``leave_out``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clips = [c for c, (split, _) in published.items() if split == "training" and c not in leave_out]
    x = np.stack([clip_stats(published[c][1]) for c in clips])
    y = [c.split(".")[0] for c in clips]
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=5000)).fit(x, y)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", nargs="?", default=str(ROOT.parent / "shared" / "gtzan"))
    args = parser.parse_args()
    shared = Path(args.shared)

    import torch

    from musicgenre.backbones import musicnn
    from musicgenre.backbones.musicnn.config import MSD_TAGS, PUBLISHED_GTZAN_INPUT, InputConfig

    torch.manual_seed(0)
    published = published_frames(shared)
    clips = shared_clips(shared / "audio", published)
    head = genre_head(published, set(clips))
    net = musicnn.load_network("msd")
    recipes = {
        "soxr, hop 61": InputConfig(patch_hop=61),
        "kaiser_best, hop 61 (PUBLISHED_GTZAN_INPUT)": PUBLISHED_GTZAN_INPUT,
    }
    print(
        f"{len(clips)} shared clips in the published taggrams; genre head fitted on "
        f"{sum(s == 'training' for s, _ in published.values()) - sum(published[c][0] == 'training' for c in clips)} "
        "other training clips"
    )
    worst = {}
    for name, cfg in recipes.items():
        print(f"\n== {name}")
        print(
            f"{'clip':<14}{'file':<7}{'split':<11}{'frames':>6}{'max abs':>10}{'corr':>11}"
            "  top tag ours / published     genre ours / published (max |dp|)"
        )
        top_changed = genre_changed = 0
        for clip, path in clips.items():
            split, theirs = published[clip]
            ours = musicnn.analyze(path, model=net, cfg=cfg).taggram
            dmax, corr = compare(ours, theirs)
            top_o, top_p = MSD_TAGS[ours.mean(0).argmax()], MSD_TAGS[theirs.mean(0).argmax()]
            po, pp = head.predict_proba(np.stack([clip_stats(ours), clip_stats(theirs)]))
            g_o, g_p = head.classes_[po.argmax()], head.classes_[pp.argmax()]
            top_changed += top_o != top_p
            genre_changed += g_o != g_p
            if path.suffix != ".mp3":
                worst[name] = max(worst.get(name, 0.0), dmax)
            print(
                f"{clip:<14}{path.suffix:<7}{split:<11}{len(ours):>6}{dmax:>10.2e}{corr:>11.7f}"
                f"  {top_o:>10} / {top_p:<14}"
                f"{g_o:>9} / {g_p:<9} ({np.abs(po - pp).max():.3f})",
                flush=True,
            )
        print(
            f"top tag changed on {top_changed}/{len(clips)} clips; "
            f"head's genre changed on {genre_changed}/{len(clips)}; "
            f"largest difference on the original (non-MP3) audio: {worst.get(name, float('nan')):.2e}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
