"""Time per 30 s clip of the kaggle30 recipe (reference and fast) and of each feature family, on one core.

    python benchmarks/feature_speed.py [--audio ../shared/gtzan/audio] [--limit N] [--repeat R]

Decodes each shared clip once (decoding is not timed here), then runs every feature on it,
interleaved clip by clip so that the reference and the fast path see the same machine load.
Prints the median and best time per clip for each, and the reference/fast ratio as the last line. The process
keeps its freed heap between clips (``musicgenre.runtime.keep_freed_memory``), as the ``musicgenre`` command does.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"  # one core, before numpy/scipy load their thread pools

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from musicgenre.audio import find_audio_files, load  # noqa: E402
from musicgenre.features import families  # noqa: E402
from musicgenre.features.kaggle30 import kaggle30_features, kaggle30_reference  # noqa: E402
from musicgenre.features.spectrum import magnitude  # noqa: E402
from musicgenre.runtime import keep_freed_memory  # noqa: E402

SR = 22050

FEATURES = {
    "kaggle30 reference": lambda y: kaggle30_reference(y, SR),
    "kaggle30 fast": lambda y: kaggle30_features(y, SR),
    "stft magnitude": lambda y: magnitude(y),
    "mfcc (40)": lambda y: families.mfcc(y=y, sr=SR, n_mfcc=40),
    "chroma_stft": lambda y: families.chroma_stft(y=y, sr=SR),
    "chroma_cqt": lambda y: families.chroma_cqt(y=y, sr=SR),
    "spectral_contrast": lambda y: families.spectral_contrast(y=y, sr=SR),
    "tonnetz (chroma_cqt of the harmonic part)": lambda y: families.tonnetz(y=y, sr=SR),
    "log_mel (128 bands)": lambda y: families.log_mel(y=y, sr=SR),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio", type=Path, default=ROOT.parent / "shared" / "gtzan" / "audio")
    parser.add_argument("--limit", type=int, default=0, help="at most this many clips (0: all)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per clip and feature; the best counts")
    parser.add_argument("--only", default="", help="comma-separated substrings of feature names to run")
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass
    keep_freed_memory()

    files, _ = find_audio_files([args.audio])
    if args.limit:
        files = files[: args.limit]
    if not files:
        sys.exit(f"no audio under {args.audio}")
    wanted = {k: f for k, f in FEATURES.items() if not args.only or any(s in k for s in args.only.split(","))}
    # Warm-up (imports, numba compilation, filter-bank caches) on the first clip, not timed.
    warm = load(files[0], sr=SR)
    for f in wanted.values():
        f(warm)
    times: dict[str, list[float]] = {k: [] for k in wanted}
    seconds = []
    for path in files:
        y = load(path, sr=SR)
        seconds.append(y.size / SR)
        for name, f in wanted.items():
            best = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                f(y)
                best = min(best, time.perf_counter() - start)
            times[name].append(best * 30.0 / (y.size / SR))  # per 30 s of audio
    print(
        f"{len(files)} clips from {args.audio} ({statistics.mean(seconds):.1f} s each), one core, "
        f"best of {args.repeat} run(s) per clip; times per 30 s clip"
    )
    print(f"{'feature':45s} {'median ms':>10s} {'min ms':>8s} {'max ms':>8s}")
    for name, ts in times.items():
        ms = np.array(ts) * 1000
        print(f"{name:45s} {np.median(ms):10.1f} {ms.min():8.1f} {ms.max():8.1f}")
    if "kaggle30 reference" in times and "kaggle30 fast" in times:
        ratio = np.array(times["kaggle30 reference"]) / np.array(times["kaggle30 fast"])
        print(
            f"kaggle30 fast is {np.median(ratio):.1f}x faster than the reference (median over clips of the "
            f"per-clip ratio; range {ratio.min():.1f}-{ratio.max():.1f})"
        )


if __name__ == "__main__":
    main()
