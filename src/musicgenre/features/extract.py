"""Batch feature extraction: files and folders in, one table row per file out.

Files are decoded with :func:`musicgenre.audio.load` at the recipe's rate, run through the recipe
and cached per file (:mod:`musicgenre.features.cache`). The caller's executor (:mod:`musicgenre.executors`)
spreads the work; a file that cannot be read or computed, or that kills its worker, becomes a :class:`FileFailure`
(one line naming it and the reason) and never stops the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path, PurePosixPath

import numpy as np

from musicgenre.audio import AudioError, FileFailure, file_hash, find_inputs, is_url, load, local_copy
from musicgenre.audio.cache import settle_from_cache
from musicgenre.executors import Executor, executor_for
from musicgenre.executors.dask import checked_on_worker
from musicgenre.features.cache import FeatureCache
from musicgenre.features.recipes import get_recipe
from musicgenre.features.warmup import warm_numba_cache, warm_numba_cache_once
from musicgenre.genres import GENRES


@dataclass(frozen=True)
class ExtractConfig:
    """How a batch runs."""

    recipe: str = "kaggle30"
    jobs: int = 1  # worker processes; 1 computes in this process
    cache_dir: Path | None = None  # None: no cache
    cluster: str | None = None  # a Dask scheduler address or local:N (musicgenre.executors.dask); None: this machine


@dataclass(frozen=True)
class Row:
    """Features of one file (``path``: a local path, or the URL it was read from)."""

    path: Path | str
    length: int  # samples at the recipe's sample rate
    values: np.ndarray  # (n_features,) float64
    label: str | None  # genre from the parent folder's name, when it is one of GENRES
    cached: bool = False


@dataclass
class Extraction:
    """Result of a batch: rows in input order, failures, and the column names of ``Row.values``."""

    columns: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)

    @property
    def n_cached(self) -> int:
        return sum(r.cached for r in self.rows)

    def to_frame(self):
        """pandas DataFrame: ``filename, length, <columns>, label`` (label only when some file has one)."""
        import pandas as pd

        frame = pd.DataFrame(
            np.array([r.values for r in self.rows]).reshape(len(self.rows), len(self.columns)),
            columns=list(self.columns),
        )
        frame.insert(0, "filename", [PurePosixPath(r.path).name for r in self.rows])
        frame.insert(1, "length", np.array([r.length for r in self.rows], dtype=np.int64))
        if any(r.label for r in self.rows):
            frame["label"] = [r.label for r in self.rows]
        return frame


def label_of(path: Path | str) -> str | None:
    """The genre named by the file's parent folder (``…/jazz/x.wav``, ``s3://b/jazz/x.wav`` -> ``"jazz"``), else
    ``None``."""
    name = PurePosixPath(path).parent.name.lower()
    return name if name in GENRES else None


def extract_file(
    path: Path | str, recipe_name: str, cache_dir: Path | None = None, key: str | None = None
) -> Row | FileFailure:
    """Features of one file (from the cache when there); a :class:`FileFailure` instead of raising. A URL is read
    through a temporary local copy (its cache key is that copy's content hash)."""
    if isinstance(path, str) and is_url(path):
        try:
            with local_copy(path) as local:
                outcome = extract_file(local, recipe_name, cache_dir, key)
        except AudioError as error:
            return FileFailure(path, error.reason)
        if isinstance(outcome, Row):
            return replace(outcome, path=path, label=label_of(path))
        return replace(outcome, path=path)
    path = Path(path)
    recipe = get_recipe(recipe_name)
    cache = FeatureCache(cache_dir, recipe.name) if cache_dir is not None else None
    try:
        if cache is not None:
            if key is None:
                key = file_hash(path)
            hit = cache.get(key, len(recipe.columns))
            if hit is not None:
                return Row(path, hit.length, hit.values, label_of(path), cached=True)
        y = load(path, sr=recipe.sample_rate)
        values = recipe(y, recipe.sample_rate)
        if not np.all(np.isfinite(values)):
            bad = [c for c, v in zip(recipe.columns, values, strict=True) if not np.isfinite(v)]
            return FileFailure(path, f"non-finite features: {', '.join(bad[:5])}")
    except AudioError as error:
        return FileFailure(path, error.reason)
    except OSError as error:
        return FileFailure(path, f"cannot read: {error.strerror or error}")
    except Exception as error:  # a bug or an odd signal must not take the batch down
        return FileFailure(path, " ".join(f"{type(error).__name__}: {error}".split())[:300])
    if cache is not None and key is not None:  # key: set above whenever there is a cache
        cache.put(key, values, y.size)
    return Row(path, int(y.size), values, label_of(path))


_Job = tuple[int, "Path | str", "str | None"]


def _extract_here(recipe_name: str, cache_dir: Path | None, job: _Job, _state: object) -> Row | FileFailure:
    """A file in this process or a worker process of this machine, cached there."""
    return extract_file(job[1], recipe_name, cache_dir, job[2])


def _extract_on_worker(recipe_name: str, job: _Job, _state: object) -> Row | FileFailure:
    """A file on a worker that may be another machine, uncached there; a path the worker cannot see says so."""
    outcome = extract_file(job[1], recipe_name)
    return checked_on_worker(job[1], outcome, isinstance(outcome, FileFailure), FileFailure)


def _lost(job: _Job, reason: str) -> FileFailure:
    return FileFailure(job[1], reason)


def extract(
    paths: Iterable[str | Path],
    config: ExtractConfig = ExtractConfig(),
    progress: Callable[[int], object] | None = None,
    total: Callable[[int], object] | None = None,
    executor: Executor | None = None,
) -> Extraction:
    """Extract ``config.recipe`` features of every audio file under ``paths``.

    Cached files are read in this process; ``executor`` runs the rest (:mod:`musicgenre.executors`; None: the one
    ``config.jobs`` and ``config.cluster`` ask for).
    ``total(n)`` is called once with the number of files, ``progress(1)`` after each file (e.g.
    a tqdm bar's attributes). ``paths`` are files, folders (searched recursively) and glob patterns
    (:func:`musicgenre.audio.find_audio_files`); rows keep its order, and an input that names no audio
    is a failure.
    """
    recipe = get_recipe(config.recipe)
    names, missing = find_inputs(paths)
    files: list[Path | str] = [name if is_url(name) else Path(name) for name in names]
    failures: list[FileFailure] = [FileFailure(Path(item), reason) for item, reason in missing]
    if total:
        total(len(files))
    cache = FeatureCache(config.cache_dir, recipe.name) if config.cache_dir is not None else None

    def cached_row(path: Path, key: str) -> Row | None:
        assert cache is not None
        hit = cache.get(key, len(recipe.columns))
        return None if hit is None else Row(path, hit.length, hit.values, label_of(path), cached=True)

    results, todo = settle_from_cache(files, None if cache is None else cached_row, progress)

    if executor is None:
        executor = executor_for(config.jobs, config.cluster)
    remote = executor.remote
    work = partial(_extract_on_worker, recipe.name) if remote else partial(_extract_here, recipe.name, config.cache_dir)
    prepare = warm_numba_cache_once if remote else warm_numba_cache
    for (i, _, key), outcome in executor.run(todo, work, _lost, prepare=prepare):
        if remote and isinstance(outcome, Row) and cache is not None and key is not None:
            cache.put(key, outcome.values, outcome.length)  # the client's cache: workers may be elsewhere
        results[i] = outcome
        progress and progress(1)

    out = Extraction(recipe.columns, failures=failures)
    for i in sorted(results):
        outcome = results[i]
        if isinstance(outcome, Row):
            out.rows.append(outcome)
        else:
            out.failures.append(outcome)
    return out


def write_table(frame, path: str | Path) -> None:
    """Write a table (features, embeddings) to ``.parquet`` (needs pyarrow) or CSV (``.csv``, ``.txt``, no
    extension)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix in (".csv", ".txt", ""):
        frame.to_csv(path, index=False, errors="surrogateescape")  # a non-UTF-8 file name as its bytes
    else:
        raise ValueError(f"{path}: output must end in .csv or .parquet")
