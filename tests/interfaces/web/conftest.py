"""Fixtures for the web tests: the real analyzer (shipped model) in a thread pool, apps and clients on it."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")

from fastapi.testclient import TestClient  # noqa: E402

from musicgenre.interfaces.web.analysis import AnalysisJob, analyze  # noqa: E402
from musicgenre.interfaces.web.app import create_app  # noqa: E402
from musicgenre.interfaces.web.engine import PoolAnalyzer  # noqa: E402
from musicgenre.interfaces.web.settings import WebSettings  # noqa: E402

#: Where test clients send requests: a loopback Host, as a browser on this machine sends.
LOOPBACK = "http://localhost"

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")


@pytest.fixture(scope="session")
def real_analyzer():
    """The shipped model behind a one-thread pool (started once per test process)."""
    analyzer = PoolAnalyzer(workers=1, pool="thread")
    analyzer.start()
    yield analyzer
    analyzer.close()


@pytest.fixture(scope="module")
def upload_dir(tmp_path_factory) -> Path:
    """Where this module's app spools uploads; tests check it is empty after each request."""
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="module")
def client(real_analyzer, upload_dir):
    """A test client of the app with the real model, a 3 MiB upload limit and uploads in ``upload_dir``."""
    app = create_app(
        WebSettings(max_upload_bytes=3 * 1024 * 1024, tmp_dir=upload_dir, workers=1, pool="thread"),
        analyzer=real_analyzer,
    )
    with TestClient(app, base_url=LOOPBACK) as test_client:
        yield test_client


class Gate:
    """A job function that waits at a gate before running the real analysis: makes a request stay busy."""

    def __init__(self, job: Callable[[AnalysisJob], dict] = analyze):
        self.job = job
        self.entered = threading.Event()  # a job is running in the pool
        self.release = threading.Event()

    def __call__(self, job: AnalysisJob) -> dict:
        self.entered.set()
        if not self.release.wait(timeout=30):
            raise RuntimeError("gate never released")
        return self.job(job)


@pytest.fixture()
def gated(tmp_path):
    """An app whose single analysis thread blocks at a :class:`Gate` until the test opens it."""

    def make(**settings) -> tuple[TestClient, Gate, Path]:
        gate = Gate()
        analyzer = PoolAnalyzer(workers=1, pool="thread", job_function=gate)
        folder = tmp_path / "uploads"
        app = create_app(WebSettings(tmp_dir=folder, workers=1, pool="thread", **settings), analyzer=analyzer)
        made.append((gate, analyzer))
        return TestClient(app, base_url=LOOPBACK), gate, folder

    made: list = []
    yield make
    for gate, analyzer in made:
        gate.release.set()
        analyzer.close()
