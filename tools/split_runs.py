"""How contiguous in clip number are the fault-filtered split's parts? (the artist proxy of the blocked inner CV)

    .venv/bin/python tools/split_runs.py

The fault-filtered split (Kereliuk, Sturm & Larsen 2015) keeps each artist on one side. Within each genre, walk
the 930 kept clips in clip-number order and count the places where the part (train/valid/test) changes, against
the same parts shuffled (200 permutations). If an artist's clips were scattered over the numbers, the artist-
conditional split would change parts about as often as the shuffle; few changes mean artists come in runs of
consecutive numbers, which is what the blocked inner CV (contiguous number blocks per genre) relies on.
"""

from __future__ import annotations

import numpy as np

from musicgenre.datasets.splits import load_splits
from musicgenre.genres import GENRES


def main() -> None:
    part = {clip: name for name, ids in load_splits("filtered").items() for clip in ids}
    rng = np.random.default_rng(0)
    pairs = changes = 0
    shuffled = 0.0
    print(f"{'genre':<10} {'clips':>5} {'part changes':>12} {'shuffled':>9}")
    for genre in GENRES:
        seq = np.array([part[c] for c in (f"{genre}.{i:05d}" for i in range(100)) if c in part])
        n = int((seq[1:] != seq[:-1]).sum())
        r = float(np.mean([(p[1:] != p[:-1]).sum() for p in (rng.permutation(seq) for _ in range(200))]))
        pairs, changes, shuffled = pairs + len(seq) - 1, changes + n, shuffled + r
        print(f"{genre:<10} {len(seq):>5} {n:>12} {r:>9.1f}")
    print(f"{'all':<10} {len(part):>5} {changes:>12} {shuffled:>9.1f}")
    print(
        f"adjacent clips (by number, within a genre) on different sides: {changes} of {pairs} pairs "
        f"({100 * changes / pairs:.1f} %), shuffled parts: {100 * shuffled / pairs:.1f} %"
    )


if __name__ == "__main__":
    main()
