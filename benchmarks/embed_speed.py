"""Speed of ``musicgenre embed`` (musicnn) on one CPU core: clips per second on the shared GTZAN clips.

    .venv/bin/python benchmarks/embed_speed.py [--model msd] [--limit N] [AUDIO_DIR]

Pins the process to one core and one torch thread, disables the cache, and times the same path the
command takes (decode + resample to 16 kHz, log-mel, network on every 3 s patch), split into the input
pipeline and the network. Each distinct file (by content) is embedded once and counts as one clip (the
shared folder holds 4 of its 23 clips both as .au and .wav: 27 files of 30 s); the first is run once more
before timing to warm up.

Wall-clock figures depend on what else runs on the machine, so the load average before and after is
printed, and so is the process's CPU time: on a pinned single thread it is close to what a free core
would take (it still counts cache and memory contention from neighbours).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio_dir", nargs="?", default=str(ROOT.parent / "shared" / "gtzan" / "audio"))
    parser.add_argument("--model", default="msd", choices=["msd", "mtt"])
    parser.add_argument("--limit", type=int, default=None, help="Embed at most N clips.")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    import torch

    torch.set_num_threads(1)
    from clips import distinct_audio_files

    from musicgenre.audio import load
    from musicgenre.backbones.musicnn import load_network, patches_from_signal, run_patches

    distinct = distinct_audio_files(args.audio_dir, args.limit)
    if not distinct:
        raise SystemExit(f"no audio under {args.audio_dir}")
    net = load_network(args.model)
    run_patches(net, patches_from_signal(load(distinct[0], sr=16000)))  # warm-up

    load_before = os.getloadavg()
    cpu_start = time.process_time()
    t_input = t_net = seconds_audio = 0.0
    n_patches = 0
    for path in distinct:
        t0 = time.perf_counter()
        y = load(path, sr=16000)
        patches = patches_from_signal(y)
        t1 = time.perf_counter()
        run_patches(net, patches)
        t2 = time.perf_counter()
        t_input += t1 - t0
        t_net += t2 - t1
        seconds_audio += y.size / 16000
        n_patches += patches.shape[0]
    total = t_input + t_net
    cpu = time.process_time() - cpu_start
    load_after = os.getloadavg()
    n = len(distinct)
    print(
        f"musicnn {net.cfg.name} embed speed, 1 core, 1 torch thread, no cache "
        f"({platform.processor() or platform.machine()}, torch {torch.__version__})"
    )
    print(f"{n} distinct files ({seconds_audio:.0f} s of audio, {n_patches} patches of 3 s) from {args.audio_dir}")
    print(
        f"total {total:.1f} s: {n / total:.2f} clips/s, {total / n:.2f} s per clip, "
        f"{seconds_audio / total:.1f}x real time"
    )
    print(f"  input pipeline (decode, resample, log-mel): {t_input / n:.3f} s per clip")
    print(f"  network: {t_net / n_patches * 1000:.0f} ms per 3 s patch")
    print(f"CPU time {cpu:.1f} s: {n / cpu:.2f} clips/s on the CPU time this process got")
    print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
