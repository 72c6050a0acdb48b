"""Build time and page size of the library report (``musicgenre report PREDICTIONS``) for a large library.

    .venv/bin/python benchmarks/library_report_speed.py [--tracks 10000] [--format jsonl] [--keep DIR]

Synthesizes a ``predict -o`` output of ``--tracks`` rows with ``--timeline`` windows (every 15 s of 30 s to 6 min
tracks) and ``--explain`` top tags (``tests/visualization/fake_predictions.py``, written by the real writer), then
times ``write_library_report`` on it once, in this process (reading, summaries, the PCA map, the page), and
reports the input's size, the build seconds (wall and CPU) and the page's size. One run, no repetition: the
machine is shared.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from visualization.fake_predictions import write_fake_predictions  # noqa: E402

from musicgenre.visualization.library_report import write_library_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tracks", type=int, default=10_000)
    parser.add_argument("--format", choices=("jsonl", "json", "csv"), default="jsonl")
    parser.add_argument("--keep", type=Path, help="Write the predictions and the page here (else a temp folder).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        predictions = folder / f"predictions.{args.format}"
        fake = write_fake_predictions(predictions, args.tracks, args.format)
        wall, cpu = time.perf_counter(), time.process_time()
        report = write_library_report(predictions, folder / "library.html", read_cache=False)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"input: {args.tracks} tracks ({args.format}, --timeline --explain), "
            f"{predictions.stat().st_size / 1e6:.1f} MB; {fake.uncertain} uncertain, {fake.not_music} not music, "
            f"{fake.failed} failed, {fake.changing} change genre"
        )
        print(f"build: {wall:.2f} s wall, {cpu:.2f} s CPU (read, summaries, PCA map, page)")
        print(f"page: {report.size / 1e6:.2f} MB ({report.size} bytes), map from {report.map_source}")
        if args.keep:
            print(f"kept: {predictions} and {report.path}")


if __name__ == "__main__":
    main()
