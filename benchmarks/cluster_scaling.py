"""Throughput of predict on one set of real files, in one run: this process, the local process pool, and a Dask
LocalCluster of 1 and 2 workers; parallel efficiency; the scheduler's overhead per file; a projection for 100
workers on 10^5 three-minute files.

    .venv/bin/python benchmarks/cluster_scaling.py [AUDIO_DIR] [--copies 4] [--model musicnn]

The files are ``--copies`` copies of every clip under AUDIO_DIR (default ``../shared/gtzan/audio``) in a temporary
folder (copies, not links: a library holds distinct files). Each executor classifies all of them through
``run_batch``, the path ``predict`` takes, after a warm-up. A cluster is started before its run (its start is
reported apart: a user's scheduler is already up); the run includes connecting and preparing the workers. Every
process uses one BLAS/OpenMP thread, so N workers use N cores.

The overhead per file is the cost of a no-op task through the same result stream (:func:`run_on_cluster`), per
file, at the batch size the stream picks. The projection takes the measured cost of a 3-minute track (six real
clips joined, classified in this process) and the measured efficiency.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_AUDIO = ROOT.parent / "shared" / "gtzan" / "audio"


def library(source: Path, folder: Path, copies: int) -> list[str]:
    """``copies`` copies of every audio file under ``source`` in ``folder``; their paths."""
    from musicgenre.audio import find_audio_files

    originals, _ = find_audio_files([source])
    paths = []
    for k in range(copies):
        for original in originals:
            target = folder / f"{k}-{original.name}"
            shutil.copyfile(original, target)
            paths.append(str(target))
    return paths


def timed_run(files: list[str], config) -> tuple[float, int]:
    """Seconds to classify ``files`` with ``config`` (all results consumed) and how many failed."""
    from musicgenre.inference.batch import run_batch

    start = time.perf_counter()
    failed = sum(not result.ok for result in run_batch(files, config))
    return time.perf_counter() - start, failed


def start_cluster(workers: int):
    import distributed

    from musicgenre.features.warmup import warm_numba_cache_once

    warm_numba_cache_once()
    start = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    return cluster, time.perf_counter() - start


def _noop(items: list[int], _plugin: str) -> list[int]:
    return items


def overhead_per_file(address: str, n: int) -> tuple[float, int]:
    """Seconds per item of a no-op task through run_on_cluster (connect and prepare excluded), and the batch size."""
    import distributed

    from musicgenre.executors.dask import chunk_size, run_on_cluster

    with distributed.Client(address) as client:
        workers = len(client.scheduler_info()["workers"])
    list(run_on_cluster(address, list(range(workers * 4)), _noop, lambda i, r: i))  # connect once, warm
    start = time.perf_counter()
    count = sum(1 for _ in run_on_cluster(address, list(range(n)), _noop, lambda i, r: i))
    assert count == n
    return (time.perf_counter() - start) / n, chunk_size(n, workers)


def three_minute_cost(sources: list[str], folder: Path, model: str) -> float:
    """Seconds to classify one 180 s track (six real clips joined) in this process, best of two."""
    import numpy as np
    import soundfile as sf

    from musicgenre.audio import load
    from musicgenre.inference import classify, load_model

    track = folder / "three-minutes.wav"
    y = np.concatenate([load(path, sr=22050)[: 30 * 22050] for path in sources[:6]])
    sf.write(track, y, 22050)
    loaded = load_model(model)
    classify(str(track), model=loaded)
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        classify(str(track), model=loaded)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="?", type=Path, default=DEFAULT_AUDIO)
    parser.add_argument("--copies", type=int, default=4, help="copies of each clip (default 4)")
    parser.add_argument("--model", default=None, help="shipped model name or file (default: the shipped default)")
    args = parser.parse_args()
    if not args.audio.is_dir():
        parser.error(f"{args.audio} is not a folder of audio files")

    from musicgenre.inference.batch import BatchConfig
    from musicgenre.inference.classify import warm_up
    from musicgenre.inference.loading import load_model
    from musicgenre.runtime import keep_freed_memory

    keep_freed_memory()
    folder = Path(tempfile.mkdtemp(prefix="musicgenre-cluster-bench-"))
    try:
        files = library(args.audio, folder, args.copies)
        model_name = args.model or "default"
        print(f"{len(files)} files ({args.copies} copies of the clips under {args.audio}), model {model_name}")
        warm_up(load_model(args.model))
        rows: dict[str, tuple[float, int]] = {}
        rows["this process (-j 1)"] = timed_run(files, BatchConfig(model_path=args.model, jobs=1))
        rows["process pool (-j 2)"] = timed_run(files, BatchConfig(model_path=args.model, jobs=2))
        starts = {}
        for workers in (1, 2):
            cluster, started = start_cluster(workers)
            starts[workers] = started
            try:
                config = BatchConfig(model_path=args.model, cluster=cluster.scheduler_address)
                rows[f"LocalCluster, {workers} worker{'s' if workers > 1 else ''}"] = timed_run(files, config)
                if workers == 2:
                    overhead, batch = overhead_per_file(cluster.scheduler_address, 20_000)
            finally:
                cluster.close()

        print(f"\n{'executor':<26} {'wall s':>7} {'files/s':>8} {'s/file':>7} {'failed':>6}")
        for name, (seconds, failed) in rows.items():
            print(f"{name:<26} {seconds:7.1f} {len(files) / seconds:8.2f} {seconds / len(files):7.3f} {failed:6d}")
        serial = rows["this process (-j 1)"][0]
        pool = rows["process pool (-j 2)"][0]
        one, two = rows["LocalCluster, 1 worker"][0], rows["LocalCluster, 2 workers"][0]
        efficiency = one / (2 * two)
        print(
            f"\nLocalCluster start: {starts[1]:.1f} s (1 worker), {starts[2]:.1f} s (2 workers); not in the runs above"
        )
        print(
            f"parallel efficiency on 2 cores: cluster {efficiency:.2f} (1 worker / (2 x 2 workers)), "
            f"process pool {serial / (2 * pool):.2f} (this process / (2 x pool))"
        )
        print(f"cluster against the pool: {pool / two:.2f}x the pool's throughput with the same 2 cores")
        print(f"scheduler overhead: {overhead * 1e3:.2f} ms per file (no-op tasks of {batch} files, 20,000 files)")

        cost = three_minute_cost(files, folder, args.model)
        n_files, n_workers = 100_000, 100
        hours = (n_files * cost / (n_workers * efficiency) + n_files * overhead) / 3600
        print(f"\none 3-minute track: {cost:.2f} s on one core")
        print(
            f"projection, {n_workers} workers (one core each) on {n_files:,} files of 3 min: "
            f"{n_files:,} x {cost:.2f} s / ({n_workers} x {efficiency:.2f}) + {n_files:,} x {overhead * 1e3:.2f} ms "
            f"= {hours:.2f} h (one core alone: {n_files * cost / 3600:.0f} h)"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
