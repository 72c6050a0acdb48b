"""Measure how to score tracks shorter than the model's 30 s clips: as they are, zero-padded, or looped to 30 s.

    .venv/bin/python tools/short_track_policy.py        # needs ../shared/gtzan/audio

For each distinct real clip and each length L (s), crops [0, L) and [30 - L, 30) are scored three ways; a policy is
better when its top genre agrees more often with the whole clip's top genre (and with the true label).
The result decided the policy of musicgenre.inference.classify: short tracks are scored as they are.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from musicgenre.audio import find_audio_files, load
from musicgenre.datasets.splits import clip_id
from musicgenre.inference import load_model

SHARED_AUDIO = Path(__file__).resolve().parents[2] / "shared" / "gtzan" / "audio"
LENGTHS_S = (3.0, 5.0, 10.0, 15.0, 20.0, 25.0)


def policies(crop: np.ndarray, target: int) -> dict[str, np.ndarray]:
    """The crop as it is, zero-padded to ``target`` samples, and repeated (looped) to ``target`` samples."""
    reps = int(np.ceil(target / crop.size))
    return {"as-is": crop, "zero-pad": np.pad(crop, (0, target - crop.size)), "loop": np.tile(crop, reps)[:target]}


def main() -> None:
    files, _ = find_audio_files([SHARED_AUDIO])
    by_clip = {clip_id(f.name): f for f in files}  # one file per distinct clip
    if not by_clip:
        sys.exit(f"no clips under {SHARED_AUDIO}")
    model = load_model("features")  # a feature model: scores one feature vector per signal
    sr, target = model.sample_rate, int(model.clip_seconds * model.sample_rate)
    tally: dict[tuple[float, str], list[int]] = {}
    for clip, path in sorted(by_clip.items()):
        y = load(path, sr=sr)
        full = int(np.argmax(model.predict_proba(model.features(y))[0]))
        truth = model.genres.index(clip.split(".")[0])
        for length in LENGTHS_S:
            n = int(length * sr)
            for crop in (y[:n], y[-n:]):
                for name, signal in policies(crop, target).items():
                    top = int(np.argmax(model.predict_proba(model.features(signal))[0]))
                    cell = tally.setdefault((length, name), [0, 0, 0])
                    cell[0] += top == full
                    cell[1] += top == truth
                    cell[2] += 1
        print(f"  {clip} done", file=sys.stderr)
    print(f"{len(by_clip)} distinct clips, crops at the start and the end; agreement of the crop's top genre with the")
    print("whole clip's top genre (and with the true label):")
    print(f"{'length':>8}  " + "  ".join(f"{name:>22}" for name in ("as-is", "zero-pad", "loop")))
    totals: dict[str, list[int]] = {}
    for length in LENGTHS_S:
        cells = []
        for name in ("as-is", "zero-pad", "loop"):
            agree, right, n = tally[(length, name)]
            totals.setdefault(name, [0, 0, 0])
            totals[name] = [a + b for a, b in zip(totals[name], (agree, right, n), strict=True)]
            cells.append(f"{agree / n:6.2f} ({right / n:4.2f} true)")
        print(f"{length:>7g}s  " + "  ".join(f"{c:>22}" for c in cells))
    print(
        f"{'all':>8}  " + "  ".join(f"{f'{t[0] / t[2]:6.2f} ({t[1] / t[2]:4.2f} true)':>22}" for t in totals.values())
    )


if __name__ == "__main__":
    main()
