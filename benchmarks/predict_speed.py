"""Speed of the predict path (every shipped model) against the naive librosa recipe; a 4-minute MP3; peak memory for
a 60-minute track.

    .venv/bin/python benchmarks/predict_speed.py [AUDIO_DIR] [--minutes 60] [--skip-memory]

(a) naive: ``musicgenre.audio.load`` + ``kaggle30_reference`` (one plain librosa call per feature, each with its own
    STFT, scipy's median filters in HPSS) + the features model;
(b) ``musicgenre.classify`` with each shipped model: ``features`` (windowed decode + fast features + the model),
    ``musicnn`` (decode at 16 kHz, log-mel, the graph, the head), ``efficientat`` (decode at 32 kHz, streamed
    log-mel, 10 s parts through the graph, the fixed genre map), and the default ``musicnn+efficientat`` (one decode
    at 32 kHz feeding both networks, fused per window).
All run on the same files in the same run, one core (the process is pinned), alternating per file so that all see
the same machine load; one warm-up file each first. The process keeps its freed heap between files
(``musicgenre.runtime.keep_freed_memory``, as the ``musicgenre`` command and its workers do), for all paths.
Then a synthesized 4-minute MP3 (22050 Hz mono, libsndfile's MP3 encoder) goes through the default model, timed
over 3 runs (median); then a synthesized ``--minutes`` long WAV (22050 Hz mono 16-bit, in a temporary folder)
goes through ``classify`` with each model in a fresh process whose peak resident memory is reported (with its
baseline after imports).
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_long_track(path: Path, minutes: float, sr: int = 22050, **options) -> Path:
    """A synthesized track of ``minutes`` written 30 s at a time (never whole in memory): chords, clicks, noise;
    the format from ``path``'s extension (``options`` go to ``soundfile.SoundFile``)."""
    import numpy as np
    import soundfile as sf

    rng = np.random.default_rng(0)
    chunk = 30 * sr
    t = np.arange(chunk) / sr
    options = {"subtype": "PCM_16", **options} if path.suffix == ".wav" else options
    with sf.SoundFile(path, "w", samplerate=sr, channels=1, **options) as f:
        for k in range(int(np.ceil(minutes * 60 / 30))):
            root = 110.0 * 2 ** ((k % 12) / 12)
            y = sum(np.sin(2 * np.pi * root * r * t) for r in (1.0, 1.25, 1.5)) / 6
            beat = (np.sin(2 * np.pi * 2.0 * t) > 0.95).astype(float) * rng.standard_normal(chunk) * 0.3
            y = (y + beat + 0.02 * rng.standard_normal(chunk)) * (0.4 + 0.1 * np.sin(k))
            f.write(y[: min(chunk, int(minutes * 60 * sr) - k * chunk)].astype(np.float32))
    return path


def peak_memory(path: Path, model_name: str) -> tuple[float, float, float, int]:
    """Run ``classify(path)`` with a shipped model in a fresh process: (baseline MB after imports and a warm-up,
    peak MB, seconds, windows)."""
    code = textwrap.dedent(f"""
        import resource, time, numpy as np
        import musicgenre
        from musicgenre.inference import classify, load_model
        from musicgenre.runtime import keep_freed_memory
        keep_freed_memory()
        model = load_model({model_name!r})
        classify((0.3 * np.sin(np.arange(22050 * 5) / 22050 * 2 * np.pi * 220)).astype(np.float32), 22050, model=model)
        def peak_mb():
            # VmHWM: this process's own peak (ru_maxrss would start from the parent's size at fork on Linux)
            try:
                with open("/proc/self/status") as status:
                    return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
            except (OSError, StopIteration):
                return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        base = peak_mb()
        start = time.perf_counter()
        p = classify({str(path)!r}, model=model, timeline=True)
        seconds = time.perf_counter() - start
        peak = peak_mb()
        print(base, peak, seconds, p.windows)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    base, peak, seconds, windows = out.stdout.split()
    return float(base), float(peak), float(seconds), int(windows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio_dir", nargs="?", default=str(ROOT.parent / "shared" / "gtzan" / "audio"))
    parser.add_argument("--minutes", type=float, default=60.0, help="Length of the synthesized long track.")
    parser.add_argument("--skip-memory", action="store_true", help="Only the speed comparison.")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    from musicgenre.audio import find_audio_files, load
    from musicgenre.features.kaggle30 import kaggle30_reference
    from musicgenre.inference import classify, load_model
    from musicgenre.runtime import keep_freed_memory

    keep_freed_memory()  # as the musicgenre command does: both paths run with it
    files, _ = find_audio_files([args.audio_dir])
    if not files:
        raise SystemExit(f"no audio under {args.audio_dir}")
    features = load_model("features")
    models = {name: load_model(name) for name in ("features", "musicnn", "efficientat", "musicnn+efficientat")}

    def naive(path: Path) -> str:
        y = load(path, sr=features.sample_rate)
        return features.genres[int(features.predict_proba(kaggle30_reference(y, features.sample_rate)[None]).argmax())]

    paths = {"naive": naive, **{name: (lambda p, m=m: classify(p, model=m).genre) for name, m in models.items()}}
    for run in paths.values():
        run(files[0])  # warm-up (librosa's numba kernels, onnxruntime)
    spent = dict.fromkeys(paths, 0.0)
    answers: dict[str, list[str]] = {name: [] for name in paths}
    for path in files:
        for name, run in paths.items():
            start = time.perf_counter()
            answers[name].append(run(path))
            spent[name] += time.perf_counter() - start
    n = len(files)
    print(f"{n} files from {args.audio_dir} (one core, {os.cpu_count()} on the machine)")
    labels = {
        "naive": "(a) naive load + kaggle30_reference + features model",
        "features": "(b) classify, features",
        "musicnn": "(b) classify, musicnn",
        "efficientat": "(b) classify, efficientat",
        "musicnn+efficientat": "(b) classify, musicnn+efficientat (default)",
    }
    for name, label in labels.items():
        print(f"{label:52s} {n / spent[name]:6.2f} clips/s ({spent[name] / n * 1000:6.0f} ms per clip)")
    agree = sum(a == b for a, b in zip(answers["naive"], answers["features"], strict=True))
    print(f"same top genre from (a) and the features model: {agree}/{n}")
    print(f"speed ratio features/naive: {spent['naive'] / spent['features']:.1f}x")

    with tempfile.TemporaryDirectory() as folder:
        mp3 = write_long_track(Path(folder) / "four-minutes.mp3", 4.0)
        default = models["musicnn+efficientat"]
        times = []
        for _ in range(3):
            start = time.perf_counter()
            p = classify(mp3, model=default)
            times.append(time.perf_counter() - start)
        print(
            f"4-minute MP3 ({mp3.stat().st_size / 1e6:.1f} MB), default model: {sorted(times)[1]:.2f} s "
            f"(median of 3; {p.windows} windows)"
        )

    if not args.skip_memory:
        with tempfile.TemporaryDirectory() as folder:
            long_track = write_long_track(Path(folder) / "long.wav", args.minutes)
            size_mb = long_track.stat().st_size / 1e6
            for name in models:
                base, peak, seconds, windows = peak_memory(long_track, name)
                print(
                    f"{args.minutes:g}-minute track ({size_mb:.0f} MB WAV), {name} model: {windows} windows in "
                    f"{seconds:.1f} s; peak RSS {peak:.0f} MB (baseline after imports {base:.0f} MB, so "
                    f"+{peak - base:.0f} MB)"
                )


if __name__ == "__main__":
    main()
