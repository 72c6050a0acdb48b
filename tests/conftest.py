"""Shared fixtures: where the real GTZAN material lies (skip cleanly without it) and small synthesized signals."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "gtzan"


@pytest.fixture(scope="session")
def shared_gtzan() -> Path:
    """``../shared/gtzan`` beside the project root; skips the test where it is absent."""
    if not (SHARED / "features_30_sec.csv").is_file():
        pytest.skip(f"real GTZAN material not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def shared_audio(shared_gtzan: Path) -> Path:
    """Folder of the 23 real GTZAN clips (``<genre>/<genre>.000NN.{wav,au,mp3}``)."""
    audio = shared_gtzan / "audio"
    if not audio.is_dir():
        pytest.skip(f"real GTZAN clips not found at {audio}")
    return audio


@pytest.fixture(scope="session")
def feature_table(shared_gtzan: Path) -> Path:
    """The public 1000-row GTZAN feature table (features_30_sec.csv)."""
    return shared_gtzan / "features_30_sec.csv"


@pytest.fixture(scope="session")
def shared_taggrams(shared_gtzan: Path) -> Path:
    """``../shared/gtzan/musicnn``: musicnn's published MSD taggrams of the fault-filtered train and test clips."""
    folder = shared_gtzan / "musicnn"
    if not (folder / "training_data_GTZAN_MSDmusicnn_taggram.npz").is_file():
        pytest.skip(f"musicnn GTZAN taggrams not found at {folder}")
    return folder


@pytest.fixture()
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def pytest_configure(config: pytest.Config) -> None:
    """In the controller (or a plain run), fill numba's kernel cache before xdist workers start:
    their concurrent first compiles can leave a corrupt cache that segfaults (numba issue #10128)."""
    if not hasattr(config, "workerinput"):
        from musicgenre.features.warmup import warm_numba_cache

        warm_numba_cache()


TESTS = str(Path(__file__).resolve().parent)  # on the workers' import path: they load tests/cluster_hooks


@pytest.fixture(scope="module")
def scheduler():
    """The address of a LocalCluster of 2 single-thread worker processes (one per module that asks; skips without
    the cluster extra)."""
    dask = pytest.importorskip("dask", reason="the cluster tests need musicgenre[cluster]")
    distributed = pytest.importorskip("distributed", reason="the cluster tests need musicgenre[cluster]")

    from musicgenre.features.warmup import warm_numba_cache_once

    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (TESTS, old) if p)
    warm_numba_cache_once()
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
