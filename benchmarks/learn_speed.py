"""Time and memory to learn a library's genres (``musicgenre learn``) from N tracks: reading tags, embedding, fitting.

    .venv/bin/python benchmarks/learn_speed.py [--tracks 1000 10000] [--jobs 2] [--work DIR]

The library is N copies of the distinct shared GTZAN WAV clips (30 s each, ``../shared/gtzan/audio``), each copy
tagged (an ID3 chunk) with its clip's genre and one of 20 artists per genre; every file is analysed (learning
keeps no cache). The accuracy such a library reports is meaningless (copies of 17 clips fall on both sides of
every fold) and is not printed; this measures cost only.

``--fit-only`` times just what follows the embedding (the head's CV and fit, writing the model) at each size,
on the distinct clips' real taggrams repeated as the copies would repeat them.

Phases are timed from learn()'s own log lines: reading tags, analysing (the shipped musicnn model's inference
path on ``--jobs`` processes, one thread each; the column says "embed"), fitting the head (C grid x
artist-grouped folds) and writing the model. Peak memory is the largest resident set of this process and of any
one child (``ru_maxrss``).
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_AUDIO = ROOT.parent / "shared" / "gtzan" / "audio"
ARTISTS_PER_GENRE = 20


def make_library(source: Path, folder: Path, n: int) -> list[str]:
    """``n`` tagged copies of the distinct WAV clips under ``source`` in ``folder``; their paths."""
    from mutagen.id3 import TCON, TPE1
    from mutagen.wave import WAVE

    clips = sorted({p.stem: p for p in source.glob("*/*.wav")}.values())
    paths = []
    for i in range(n):
        clip = clips[i % len(clips)]
        target = folder / f"{i:05d}-{clip.name}"
        shutil.copyfile(clip, target)
        audio = WAVE(target)
        audio.add_tags()
        audio.tags.add(TCON(encoding=3, text=[clip.parent.name]))
        audio.tags.add(TPE1(encoding=3, text=[f"{clip.parent.name} artist {i % ARTISTS_PER_GENRE}"]))
        audio.save()
        paths.append(str(target))
    return paths


def run(n: int, source: Path, work: Path, jobs: int) -> dict:
    """Learn from ``n`` tracks; the phase times (s) and peak memory (MiB)."""
    from musicgenre.inference.batch import BatchConfig
    from musicgenre.learning import CollectConfig, read_labels
    from musicgenre.learning.learn import LearnConfig, learn

    folder = work / f"library-{n}"
    folder.mkdir(parents=True)
    start = time.perf_counter()
    paths = make_library(source, folder, n)
    made = time.perf_counter()
    files, aside = read_labels(paths)
    read = time.perf_counter()
    marks: dict[str, float] = {}

    def log(line: str) -> None:
        marks["embed" if line.startswith("learning") else "fit"] = time.perf_counter()

    config = LearnConfig(CollectConfig(min_tracks=2), analysis=BatchConfig(jobs=jobs))
    learned = learn(files, work / f"model-{n}.onnx", config, set_aside=aside, log=log)
    end = time.perf_counter()
    shutil.rmtree(folder)
    return {
        "tracks": n,
        "learned_from": len(learned.training),
        "windows": learned.fit.n_windows,
        "copy_s": made - start,
        "read_tags_s": read - made,
        "embed_s": marks["fit"] - marks["embed"],
        "fit_and_write_s": end - marks["fit"],
        "learn_s": end - read,
        "self_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "child_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def fit_only(n: int, source: Path, work: Path) -> dict:
    """The part after embedding at ``n`` tracks: the real taggrams of the distinct clips (embedded once), repeated
    as ``n`` copies would be (identical audio, identical tags), grouped by the same artists; the head fitted with
    artist-grouped CV and written. Seconds and peak MiB of this process."""
    import numpy as np

    from musicgenre.backbones.musicnn.embed import EmbedConfig, embed_files
    from musicgenre.backbones.musicnn.genre_graph import export_onnx
    from musicgenre.training.head_fitting import fit_tag_head

    clips = sorted({p.stem: p for p in source.glob("*/*.wav")}.values())
    run = embed_files(clips, EmbedConfig(cache_dir=work / "cache-fit-only", jobs=2))
    taggrams = [t.patches("taggram") for t in run.tracks]
    genres = sorted({c.parent.name for c in clips})
    labels = [clips[i % len(clips)].parent.name for i in range(n)]
    y = np.array([genres.index(g) for g in labels])
    groups = np.array([f"{g} artist {i % ARTISTS_PER_GENRE}" for i, g in enumerate(labels)])
    start = time.perf_counter()
    fit = fit_tag_head([taggrams[i % len(clips)] for i in range(n)], y, genres, groups=groups)
    export_onnx(work / f"fit-only-{n}.onnx", fit.head, "fit-only", extra=fit.metadata())
    return {
        "tracks": n,
        "windows": fit.n_windows,
        "fit_and_write_s": time.perf_counter() - start,
        "self_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--audio", type=Path, default=DEFAULT_AUDIO)
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument(
        "--fit-only", action="store_true", help="time only what follows embedding, at each --tracks (see fit_only)"
    )
    args = parser.parse_args()
    if not args.audio.is_dir():
        raise SystemExit(f"{args.audio}: no shared clips here (the benchmark copies real clips)")
    work = Path(tempfile.mkdtemp(prefix="learn-speed-", dir=args.work))
    if args.fit_only:
        try:
            for n in args.tracks:
                r = fit_only(n, args.audio, work)
                print(
                    f"{r['tracks']} tracks, {r['windows']} windows: fit + write {r['fit_and_write_s']:.1f} s, "
                    f"peak {r['self_mib']:.0f} MiB",
                    flush=True,
                )
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    print("| tracks | windows | read tags s | embed s | fit + write s | learn s | tracks/s | peak MiB (self, child) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    try:
        for n in args.tracks:
            r = run(n, args.audio, work, args.jobs)
            print(
                f"| {r['tracks']} | {r['windows']} | {r['read_tags_s']:.1f} | {r['embed_s']:.1f} | "
                f"{r['fit_and_write_s']:.1f} | {r['learn_s'] + r['read_tags_s']:.1f} | "
                f"{r['tracks'] / (r['learn_s'] + r['read_tags_s']):.2f} | {r['self_mib']:.0f}, {r['child_mib']:.0f} |",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"(--jobs {args.jobs}, one thread per process, {os.cpu_count()} cores; copying the files is not counted)")


if __name__ == "__main__":
    main()
