"""The cluster's result stream (run_on_cluster) when the cluster loses every worker: an error, not a hang."""

from __future__ import annotations

import threading
import time

import pytest

import musicgenre.executors.dask as cluster
from musicgenre.executors.dask import ClusterError, run_on_cluster

distributed = pytest.importorskip("distributed", reason="the cluster tests need musicgenre[cluster]")


def _slow_task(items: list[int], _plugin: str) -> list[int]:
    time.sleep(0.3)
    return [i * 2 for i in items]


def test_a_cluster_left_without_workers_ends_the_run_with_one_line(monkeypatch):
    monkeypatch.setattr(cluster, "NO_WORKER_LIMIT_S", 1.0)
    monkeypatch.setattr(cluster, "POLL_S", 0.2)
    local = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)
    try:
        stopper = threading.Timer(0.8, lambda: local.scale(0))  # every worker leaves and none comes back
        stopper.start()
        got = []
        with pytest.raises(ClusterError) as caught:
            for item, result in run_on_cluster(local.scheduler_address, list(range(40)), _slow_task, lambda i, r: -1):
                got.append((item, result))
        stopper.join()
    finally:
        local.close()
    assert all(result == 2 * item for item, result in got)  # what finished came through, once each
    message = str(caught.value)
    assert "no worker for 1 s" in message and f"{len(got)} of 40 files were done" in message and "--resume" in message
    assert "\n" not in message
