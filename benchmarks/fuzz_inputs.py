"""Fuzz campaign: hostile inputs through every entry point, reported as figures.

    .venv/bin/python benchmarks/fuzz_inputs.py [--n 10000] [--seed 0] [--chunk 500] [--long]
                                               [--entries predict,predict-j2,classify,features,embed,api]

The corpus is ``tests/hostile_inputs.py`` (header lies, bad floats, non-music signals, junk, wrong extensions,
filesystem oddities, and real music excerpts re-encoded to every format then truncated, bit-flipped and overwritten).
Inputs are written ``--chunk`` at a time into a temporary folder and each chunk goes through:

- ``predict``: the ``musicgenre predict DIR --format csv -o FILE`` command in this process (click's runner);
- ``predict-j2``: the same command as a child process with ``-j 2`` (a hang is a run past its time limit);
- ``classify``: ``musicgenre.classify(path)`` per file: a ``Prediction`` or an ``AudioError``, nothing else;
- ``features``: ``features.extract`` (kaggle30) in this process: one row or one failure per file;
- ``embed``: ``backbones.musicnn.embed_files`` (what ``tags`` and ``embed`` run; needs torch): the same;
- ``api``: ``POST /api/classify`` with each regular file's bytes through the ASGI test client (process pool of 2).

Figures: inputs tried, crashes (an exception escaping an entry point, or a batch that died), hangs (a file past
``HANG_S`` plus a tenth of its audio's length, or a child past its limit), HTTP 5xx, inputs without exactly one
result or error row, stderr lines in the child runs, confident answers (not marked uncertain) on non-music, peak
resident memory of this process and of its children. The exit status is 1 when any must-be-zero figure is not.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")  # the test client's own notice
sys.path.insert(0, str(ROOT / "tests"))

from hostile_inputs import NON_MUSIC, HostileInput, hostile_inputs, materialize, row_mismatches  # noqa: E402

ENTRIES = ("predict", "predict-j2", "classify", "features", "embed", "api")
HANG_S = 60.0  # one file taking longer than this (plus HANG_PER_AUDIO_S of its length) counts as a hang
HANG_PER_AUDIO_S = 0.1  # the default model runs at about 0.02 s per second of audio on one core
CHILD_LIMIT_S_PER_FILE = 5.0  # a predict -j 2 child gets this per file (plus a minute to start)


@dataclass
class Tally:
    """What one entry point did over the whole campaign."""

    tried: int = 0
    results: int = 0
    errors: int = 0
    crashes: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    http_5xx: list[str] = field(default_factory=list)
    row_mismatches: list[str] = field(default_factory=list)
    stderr_lines: list[str] = field(default_factory=list)
    confident_non_music: list[str] = field(default_factory=list)
    non_music_seen: int = 0
    slowest: tuple[float, str] = (0.0, "")
    seconds: float = 0.0
    reasons: collections.Counter = field(default_factory=collections.Counter)

    def timed_file(self, seconds: float, name: str, audio_s: float = 0.0) -> None:
        if seconds > self.slowest[0]:
            self.slowest = (seconds, name)
        if seconds > HANG_S + HANG_PER_AUDIO_S * audio_s:
            self.hangs.append(f"{name}: {seconds:.0f} s")


def _name(path: Path) -> str:
    return os.fsdecode(path.name).encode("unicode_escape").decode()


def _check_rows(tally: Tally, chunk: list[tuple[HostileInput, Path]], counts: collections.Counter) -> None:
    tally.row_mismatches += [f"{name}: {got} rows" for name, got in row_mismatches(chunk, counts).items()]


def _note_prediction(tally: Tally, item: HostileInput, path: Path, genre: str, uncertain: bool | None) -> None:
    if item.kind in NON_MUSIC:
        tally.non_music_seen += 1
        if not uncertain:
            tally.confident_non_music.append(f"{_name(path)} -> {genre}")


def run_predict(tally: Tally, chunk, folder: Path, work: Path) -> None:
    from click.testing import CliRunner

    from musicgenre.interfaces.cli.main import cli

    out = work / "predict.csv"
    result = CliRunner().invoke(cli, ["predict", str(folder), "--format", "csv", "-o", str(out), "--no-progress"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tally.crashes.append("".join(traceback.format_exception(result.exception))[-800:])
        return
    _read_predict_csv(tally, chunk, out)


def _read_predict_csv(tally: Tally, chunk, out: Path) -> None:
    by_path = {str(path): item for item, path in chunk}
    counts: collections.Counter = collections.Counter()
    with open(out, newline="", encoding="utf-8", errors="surrogateescape") as handle:
        for row in csv.DictReader(handle):
            counts[row["file"]] += 1
            if row.get("error"):
                tally.errors += 1
                tally.reasons[row["error"].split(": ")[-1][:70]] += 1
            else:
                tally.results += 1
                item = by_path.get(row["file"])
                if item is not None:
                    _note_prediction(tally, item, Path(row["file"]), row["genre"], row.get("uncertain") == "true")
    _check_rows(tally, chunk, counts)


def run_predict_j2(tally: Tally, chunk, folder: Path, work: Path) -> None:
    out = work / "predict-j2.csv"
    command = [str(ROOT / ".venv" / "bin" / "musicgenre"), "predict", str(folder), "-j", "2", "--format", "csv"]
    limit = 60 + CHILD_LIMIT_S_PER_FILE * len(chunk)
    try:
        done = subprocess.run([*command, "-o", str(out), "--no-progress"], capture_output=True, timeout=limit)
    except subprocess.TimeoutExpired:
        tally.hangs.append(f"predict -j 2 on a chunk of {len(chunk)} ran past {limit:.0f} s")
        return
    stderr = done.stderr.decode(errors="replace").splitlines()
    summary = [line for line in stderr if " classified, " in line]
    tally.stderr_lines += [line for line in stderr if line not in summary][:20]
    if done.returncode not in (0, 1) or not summary:
        tally.crashes.append(f"predict -j 2 exited {done.returncode}: {stderr[-5:]}")
        return
    _read_predict_csv(tally, chunk, out)


def run_classify(tally: Tally, chunk, folder: Path, work: Path) -> None:
    from musicgenre import classify
    from musicgenre.audio import AudioError

    for item, path in chunk:
        targets = [path] if item.special != "symlink-loop" else [path, Path(str(path) + ".loop.wav")]
        if item.special == "folder":
            continue  # classify() takes a file
        for target in targets:
            start = time.perf_counter()
            audio_s = 0.0
            try:
                prediction = classify(target)
                audio_s = prediction.duration_s
                tally.results += 1
                _note_prediction(tally, item, target, prediction.genre, prediction.uncertain)
            except AudioError as error:
                tally.errors += 1
                tally.reasons[error.reason[:70]] += 1
                if "\n" in str(error) or os.fsdecode(target.name) not in str(error):
                    tally.crashes.append(f"{_name(target)}: the error is not one line naming the file: {error!r}"[:300])
            except Exception as error:  # what the fuzz is here to find
                tally.crashes.append(f"{_name(target)}: {type(error).__name__}: {error}"[:300])
            tally.timed_file(time.perf_counter() - start, _name(target), audio_s)


def run_features(tally: Tally, chunk, folder: Path, work: Path) -> None:
    from musicgenre.features.extract import ExtractConfig, extract

    try:
        run = extract([folder], ExtractConfig(recipe="kaggle30", jobs=1, cache_dir=None))
    except Exception as error:
        tally.crashes.append(f"extract: {type(error).__name__}: {error}"[:300])
        return
    _tally_outcomes(tally, chunk, [row.path for row in run.rows], run.failures)


def run_embed(tally: Tally, chunk, folder: Path, work: Path) -> None:
    from musicgenre.backbones.musicnn.embed import EmbedConfig, embed_files

    try:
        run = embed_files([folder], EmbedConfig(cache_dir=None, jobs=1))
    except Exception as error:
        tally.crashes.append(f"embed_files: {type(error).__name__}: {error}"[:300])
        return
    _tally_outcomes(tally, chunk, [track.path for track in run.tracks], run.failures)


def _tally_outcomes(tally: Tally, chunk, done: list[Path], failures: list) -> None:
    """Count a library run's results (their paths) and failures (``.path``, ``.reason``), and check the rows."""
    counts = collections.Counter(str(path) for path in done)
    counts.update(str(failure.path) for failure in failures)
    tally.results += len(done)
    tally.errors += len(failures)
    tally.reasons.update(failure.reason[:70] for failure in failures)
    _check_rows(tally, chunk, counts)


class ApiClient:
    """The web app in this process (ASGI test client) with its real process pool of two analysis workers."""

    def __init__(self, work: Path):
        from fastapi.testclient import TestClient

        from musicgenre.interfaces.web.app import create_app
        from musicgenre.interfaces.web.settings import WebSettings

        self.uploads = work / "uploads"
        self.uploads.mkdir()
        self.client = TestClient(create_app(WebSettings(workers=2, tmp_dir=self.uploads)))
        self.client.__enter__()

    def close(self) -> None:
        self.client.__exit__(None, None, None)

    def run(self, tally: Tally, chunk, folder: Path, work: Path) -> None:
        for item, path in chunk:
            if item.special is not None:
                continue  # only bytes can be uploaded
            start = time.perf_counter()
            name = os.fsdecode(path.name).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            try:
                response = self.client.post(
                    "/api/classify", files={"file": (name, item.data, "application/octet-stream")}
                )
            except Exception as error:
                tally.crashes.append(f"{_name(path)}: {type(error).__name__}: {error}"[:300])
                continue
            tally.timed_file(time.perf_counter() - start, _name(path))
            if response.status_code >= 500:
                tally.http_5xx.append(f"{_name(path)}: {response.status_code} {response.text[:200]}")
            elif response.status_code == 200:
                tally.results += 1
                body = response.json()
                _note_prediction(tally, item, path, body["genre"], body.get("uncertain"))
            else:
                tally.errors += 1
                tally.reasons[f"HTTP {response.status_code}"] += 1
        leftovers = list(self.uploads.iterdir())
        if leftovers:
            tally.crashes.append(f"{len(leftovers)} temporary uploads left behind")


def peak_rss_mb() -> tuple[float, float]:
    return (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


def report(tallies: dict[str, Tally], n_inputs: int, kinds: collections.Counter, wall: float) -> int:
    print(f"\n{n_inputs} inputs ({', '.join(f'{k} {v}' for k, v in kinds.most_common())}), {wall / 60:.1f} min")
    head = f"{'entry':<11}{'tried':>7}{'results':>8}{'errors':>8}{'crash':>6}{'hang':>5}{'5xx':>5}{'rows!':>6}"
    print(head + f"{'stderr':>7}{'confident/non-music':>21}{'slowest':>9}{'time':>8}")
    must_be_zero = 0
    for name, t in tallies.items():
        zero = len(t.crashes) + len(t.hangs) + len(t.http_5xx) + len(t.row_mismatches) + len(t.stderr_lines)
        must_be_zero += zero
        print(
            f"{name:<11}{t.tried:>7}{t.results:>8}{t.errors:>8}{len(t.crashes):>6}{len(t.hangs):>5}"
            f"{len(t.http_5xx):>5}{len(t.row_mismatches):>6}{len(t.stderr_lines):>7}"
            f"{f'{len(t.confident_non_music)}/{t.non_music_seen}':>21}{t.slowest[0]:>8.1f}s{t.seconds / 60:>6.1f}min"
        )
    self_mb, children_mb = peak_rss_mb()
    print(f"peak RSS: this process {self_mb:.0f} MB, largest child {children_mb:.0f} MB")
    for name, t in tallies.items():
        for label, items in (
            ("crash", t.crashes),
            ("hang", t.hangs),
            ("HTTP 5xx", t.http_5xx),
            ("rows", t.row_mismatches),
            ("stderr", t.stderr_lines),
            ("confident on non-music", t.confident_non_music),
        ):
            for line in items[:5]:
                print(f"  {name} {label}: {line}")
        print(f"  {name} commonest reasons: {'; '.join(f'{r} ({c})' for r, c in t.reasons.most_common(6))}")
    return 1 if must_be_zero else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="inputs to generate (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk", type=int, default=500, help="inputs written and run at a time")
    parser.add_argument("--long", action="store_true", help="add a 2-hour WAV (115 MB)")
    parser.add_argument("--entries", default=",".join(ENTRIES), help=f"comma-separated subset of {','.join(ENTRIES)}")
    args = parser.parse_args()
    entries = [e for e in args.entries.split(",") if e]
    unknown = set(entries) - set(ENTRIES)
    if unknown:
        parser.error(f"unknown entries: {', '.join(sorted(unknown))}")

    from musicgenre.runtime import keep_freed_memory

    keep_freed_memory()
    work = Path(tempfile.mkdtemp(prefix="musicgenre-fuzz-"))
    api = ApiClient(work) if "api" in entries else None
    runners = {
        "predict": run_predict,
        "predict-j2": run_predict_j2,
        "classify": run_classify,
        "features": run_features,
        "embed": run_embed,
        "api": api.run if api else None,
    }
    tallies = {name: Tally() for name in entries}
    kinds: collections.Counter = collections.Counter()
    started = time.perf_counter()
    inputs = hostile_inputs(args.n, args.seed, long_input=args.long)
    n_done = 0
    try:
        while True:
            batch = [item for _, item in zip(range(args.chunk), inputs, strict=False)]
            if not batch:
                break
            folder = work / f"chunk-{n_done // args.chunk:04d}"
            folder.mkdir()
            chunk = [(item, materialize(item, folder, n_done + i)) for i, item in enumerate(batch)]
            kinds.update(item.kind for item in batch)
            for name in entries:
                start = time.perf_counter()
                tallies[name].tried += len(chunk)
                runners[name](tallies[name], chunk, folder, work)
                tallies[name].seconds += time.perf_counter() - start
            n_done += len(batch)
            shutil.rmtree(folder, ignore_errors=True)
            print(
                f"{n_done} inputs, {(time.perf_counter() - started) / 60:.1f} min: "
                + json.dumps(
                    {
                        k: len(t.crashes) + len(t.hangs) + len(t.http_5xx) + len(t.row_mismatches)
                        for k, t in tallies.items()
                    }
                ),
                flush=True,
            )
    finally:
        if api:
            api.close()
        shutil.rmtree(work, ignore_errors=True)
    return report(tallies, n_done, kinds, time.perf_counter() - started)


if __name__ == "__main__":
    sys.exit(main())
