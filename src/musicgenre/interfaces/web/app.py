"""The FastAPI app: the page at ``/``, the JSON API under ``/api``, ``/healthz``, and offline ``/docs``.

``create_app(settings, analyzer=None)``: the analyzer (decoding + inference off the event loop) is
injected; by default a :class:`~musicgenre.interfaces.web.engine.PoolAnalyzer` for ``settings``. The routes are in
:mod:`~musicgenre.interfaces.web.routes`, what they do for an upload in :mod:`~musicgenre.interfaces.web.service`.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from musicgenre.genres import GENRES
from musicgenre.interfaces.web.engine import Analyzer, PoolAnalyzer
from musicgenre.interfaces.web.guards import HostGuard
from musicgenre.interfaces.web.routes import STATIC_DIR, api_router, error_response
from musicgenre.interfaces.web.service import Service
from musicgenre.interfaces.web.settings import WebSettings
from musicgenre.version import __version__


def _new_app(**kwargs) -> FastAPI:
    """FastAPI whose /docs and /redoc load Swagger UI / ReDoc from the package (fastapi-offline), not a CDN."""
    try:
        from fastapi_offline import FastAPIOffline
    except ImportError:  # without it /docs needs the network; /openapi.json always works
        return FastAPI(**kwargs)
    return FastAPIOffline(**kwargs)


def _genres_phrase(card: dict) -> str:
    """What the served model answers in: ``the ten GTZAN genres``, or how many genres and whether each is scored on
    its own."""
    genres = tuple(card["genres"])
    if genres == GENRES:
        return "the ten GTZAN genres"
    each = ", each scored on its own" if card.get("multi_label") else ""
    return f"the model's {len(genres)} genres{each}"


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    """A bad query parameter: 422 with one line naming each."""
    assert isinstance(error, RequestValidationError)
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("query", "body", "path"))
        parts.append(f"{where}: {item.get('msg', 'invalid')}" if where else str(item.get("msg", "invalid")))
    return error_response(422, "; ".join(parts) or "invalid request")


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    """Starlette's own errors (404, 405, ...) in the API's one-line JSON."""
    assert isinstance(error, StarletteHTTPException)
    return error_response(error.status_code, str(error.detail), getattr(error, "headers", None))


def create_app(settings: WebSettings | None = None, analyzer: Analyzer | None = None) -> FastAPI:
    """The web app for ``settings``; ``analyzer`` defaults to a :class:`PoolAnalyzer` (loads the model now)."""
    settings = settings or WebSettings()
    analyzer = analyzer or PoolAnalyzer(settings.model_path, settings.workers, settings.pool)
    service = Service(settings, analyzer, analyzer.model_card())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        own_tmp = settings.tmp_dir is None
        if own_tmp:
            service.tmp_dir = Path(tempfile.mkdtemp(prefix="musicgenre-web-"))
        analyzer.start()
        try:
            yield
        finally:
            analyzer.close()
            if own_tmp and service.tmp_dir is not None:
                shutil.rmtree(service.tmp_dir, ignore_errors=True)

    app = _new_app(
        title="musicgenre",
        version=__version__,
        description=f"Which genre is this music ({_genres_phrase(service.card)})? "
        "Upload a track to `POST /api/classify`.",
        lifespan=lifespan,
    )
    app.state.service = service
    if settings.tmp_dir is not None:  # a given folder is used as it is (made if missing), also without lifespan
        service.tmp_dir = Path(settings.tmp_dir)
        service.tmp_dir.mkdir(parents=True, exist_ok=True)
    if settings.checks_host:
        app.add_middleware(HostGuard, allowed=settings.allowed_hosts)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api_router(max_top=len(service.card["genres"])))
    return app
