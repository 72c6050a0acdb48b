"""Speed of musicnn's genre graph on one CPU core: PyTorch vs onnxruntime, per 30 s clip and stage; peak memory.

    .venv/bin/python benchmarks/musicnn_speed.py [--limit N] [--repeats R] [AUDIO_DIR]
    .venv/bin/python benchmarks/musicnn_speed.py --memory          # peak RSS of one ORT call on n = 10, 28, 100 patches

Pins the process to one core (and one torch / onnxruntime thread), keeps freed memory as the command does, and
times per distinct clip (by content): decode + resample to 16 kHz (soxr), log-mel + patches
(``patches_from_signal``), then the network at patch hop 187 (10 patches of a 30 s clip) and 61 (28 patches, the
published GTZAN taggrams): PyTorch ``run_patches`` and the exported graph (musicnn + window statistics + a head)
under onnxruntime in several variants: the plain export or the one with ReLU and batch norm after the frequency
max (``fast``), at graph optimization levels basic / extended / all, and the ``all``-optimized model saved and
reloaded. Each network figure is the best of ``--repeats`` runs per clip, summed over clips (the machine is
shared: the load average before and after is printed, and the process's CPU time beside wall time).
``--check`` holds each ORT variant's taggram to the float32 rounding bound of ``tests/backbones/rounding.py`` on
two patches of the first clip.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HOPS = (187, 61)


def _head():
    """A head of the shipped shape (mean, max of 50 tags -> 10 genres); its values do not change the speed."""
    from musicgenre.genres import GENRES
    from musicgenre.models.linear_head import LinearHead

    rng = np.random.default_rng(0)
    return LinearHead(
        ("mean", "max"), np.full(100, 0.1), np.full(100, 0.1), rng.normal(size=(10, 100)), np.zeros(10), GENRES
    )


def _timed(fn, repeats: int) -> tuple[float, float, object]:
    """Best wall and CPU seconds of ``repeats`` calls, and the last result."""
    best_wall = best_cpu = float("inf")
    out = None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best_wall, best_cpu = min(best_wall, time.perf_counter() - w0), min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu, out


def speed(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(1)
    from clips import distinct_audio_files

    from musicgenre.audio import load
    from musicgenre.backbones.musicnn import InputConfig, load_network, patches_from_signal, run_patches, to_patches
    from musicgenre.backbones.musicnn.genre_graph import export_onnx, run_onnx
    from musicgenre.models.sessions import ort_session
    from musicgenre.runtime import keep_freed_memory

    keep_freed_memory()
    distinct = distinct_audio_files(args.audio_dir, args.limit)
    net, head = load_network("msd"), _head()
    tmp = Path(tempfile.mkdtemp(prefix="musicnn-speed-"))
    variants: dict[str, object] = {}
    build: dict[str, float] = {}
    for fast in (False, True):
        path = export_onnx(tmp / f"graph{int(fast)}.onnx", head, "bench", fast_frontend=fast)
        for level in args.levels:
            name = f"ort {'fast' if fast else 'plain'} {level}"
            t0 = time.perf_counter()
            optimized = tmp / f"opt{int(fast)}.onnx" if level == "all" else None
            variants[name] = ort_session(path, level=level, optimized_path=optimized)
            build[name] = time.perf_counter() - t0
        if "all" in args.levels:  # the ENABLE_ALL graph saved, reloaded with optimizations off
            name = f"ort {'fast' if fast else 'plain'} saved-all"
            t0 = time.perf_counter()
            variants[name] = ort_session(tmp / f"opt{int(fast)}.onnx", level="none")
            build[name] = time.perf_counter() - t0

    y0 = load(distinct[0], sr=16000)
    p0 = np.ascontiguousarray(patches_from_signal(y0))
    run_patches(net, p0)
    for s in variants.values():
        run_onnx(s, p0)
    if args.check:
        sys.path.insert(0, str(ROOT / "tests"))
        from backbones.rounding import network_sigmas

        rows = [0, len(p0) - 1]
        tol = network_sigmas(net, p0[rows]).tolerance("taggram")
        ref = run_patches(net, p0)["taggram"][rows]
        for name, s in variants.items():
            gap = np.abs(run_onnx(s, p0)[1][rows].astype(np.float64) - ref)
            print(
                f"check {name}: taggram worst gap {gap.max():.2e}, {float((gap / tol).max()):.3f} of the float32 bound"
                f" -> {'ok' if np.all(gap <= tol) else 'PAST THE BOUND'}"
            )

    load_before = os.getloadavg()
    cpu0 = time.process_time()
    totals: dict[tuple[str, str], list[float]] = {}

    def add(key, wall, cpu):
        acc = totals.setdefault(key, [0.0, 0.0])
        acc[0] += wall
        acc[1] += cpu

    n_patches = {h: 0 for h in HOPS}
    for path in distinct:
        wall, cpu, y = _timed(partial(load, path, sr=16000), 1)
        add(("decode + resample", ""), wall, cpu)
        wall, cpu, patches = _timed(partial(patches_from_signal, y), 1)
        add(("log-mel + patches", ""), wall, cpu)
        from musicgenre.backbones.musicnn.preprocess import log_mel

        spec = log_mel(y)
        for hop in HOPS:
            p = np.ascontiguousarray(to_patches(spec, InputConfig(patch_hop=hop)))
            n_patches[hop] += len(p)
            wall, cpu, _ = _timed(partial(run_patches, net, p), args.repeats)
            add(("pytorch run_patches", hop), wall, cpu)
            for name, s in variants.items():
                wall, cpu, _ = _timed(partial(run_onnx, s, p), args.repeats)
                add((name, hop), wall, cpu)
    cpu_total = time.process_time() - cpu0
    load_after = os.getloadavg()
    n = len(distinct)
    import onnxruntime
    import torch as _torch

    print(
        f"musicnn genre graph speed, 1 core (taskset to CPU {sorted(os.sched_getaffinity(0))}), 1 thread "
        f"({platform.processor() or platform.machine()}; "
        f"torch {_torch.__version__}, onnxruntime {onnxruntime.__version__})"
    )
    print(
        f"{n} distinct 30 s clips from {args.audio_dir}; patches per clip: "
        + ", ".join(f"hop {h}: {n_patches[h] / n:.1f}" for h in HOPS)
        + f"; network best of {args.repeats}"
    )
    print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} cores")
    print()
    print("| stage | hop | wall ms/clip | CPU ms/clip |")
    print("|---|---|---|---|")
    for (stage, hop), (wall, cpu) in totals.items():
        print(f"| {stage} | {hop or '-'} | {wall / n * 1000:.0f} | {cpu / n * 1000:.0f} |")
    front = [sum(totals[(k, "")][i] for k in ("decode + resample", "log-mel + patches")) / n for i in (0, 1)]
    print()
    for hop in HOPS:
        best = min((k for k in totals if k[1] == hop and k[0].startswith("ort")), key=lambda k: totals[k][1])
        torch_e2e = [front[i] + totals[("pytorch run_patches", hop)][i] / n for i in (0, 1)]
        ort_e2e = [front[i] + totals[best][i] / n for i in (0, 1)]
        print(
            f"end to end, hop {hop}: PyTorch {torch_e2e[0] * 1000:.0f} ms wall ({torch_e2e[1] * 1000:.0f} CPU); "
            f"{best[0]} {ort_e2e[0] * 1000:.0f} ms wall ({ort_e2e[1] * 1000:.0f} CPU) per clip"
        )
    print("session creation (s): " + ", ".join(f"{k} {v:.2f}" for k, v in build.items()))
    print(f"CPU time of the timed loop {cpu_total:.1f} s")


def _one_memory(n: int, fast: bool, arena: bool, path: str) -> dict:
    import onnxruntime as ort

    from musicgenre.backbones.musicnn.genre_graph import run_onnx

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = arena
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    patches = np.random.default_rng(0).normal(1.0, 1.0, size=(n, 187, 96)).astype(np.float32)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    run_onnx(session, patches)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "fast": fast, "arena": arena, "rss_before_mb": before, "peak_mb": peak, "seconds": seconds}


def memory(args: argparse.Namespace) -> None:
    from musicgenre.backbones.musicnn.genre_graph import export_onnx

    tmp = Path(tempfile.mkdtemp(prefix="musicnn-mem-"))
    print(
        f"peak RSS of one onnxruntime call (ENABLE_ALL, 1 thread) in a fresh process; load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    print("| graph | CPU arena | patches n | RSS before the call MB | peak RSS MB | growth MB | growth per patch MB |")
    print("|---|---|---|---|---|---|---|")
    for fast in (True, False):
        path = export_onnx(tmp / f"g{int(fast)}.onnx", _head(), "bench", fast_frontend=fast)
        for arena in (True, False):
            for n in args.sizes:
                out = subprocess.run(
                    [sys.executable, __file__, "--one-memory", str(n), str(int(fast)), str(int(arena)), str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                r = json.loads(out.stdout.strip().splitlines()[-1])
                growth = r["peak_mb"] - r["rss_before_mb"]
                print(
                    f"| {'fast' if fast else 'plain'} | {'on' if arena else 'off'} | {n} | {r['rss_before_mb']:.0f} | "
                    f"{r['peak_mb']:.0f} | {growth:.0f} | {growth / n:.1f} |"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio_dir", nargs="?", default=str(ROOT.parent / "shared" / "gtzan" / "audio"))
    parser.add_argument("--limit", type=int, default=None, help="At most N clips.")
    parser.add_argument("--repeats", type=int, default=2, help="Network runs per clip and variant (best kept).")
    parser.add_argument(
        "--levels", nargs="+", default=["basic", "extended", "all"], choices=["none", "basic", "extended", "all"]
    )
    parser.add_argument("--check", action="store_true", help="Hold every ORT variant to the float32 bound first.")
    parser.add_argument("--memory", action="store_true", help="Peak RSS per call instead of speed.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 28, 100])
    parser.add_argument("--one-memory", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    if args.one_memory:
        n, fast, arena, path = args.one_memory
        print(json.dumps(_one_memory(int(n), bool(int(fast)), bool(int(arena)), path)))
    elif args.memory:
        memory(args)
    else:
        speed(args)


if __name__ == "__main__":
    main()
