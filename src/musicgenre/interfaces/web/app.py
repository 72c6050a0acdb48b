"""The FastAPI app: the page at ``/``, the JSON API under ``/api``, ``/healthz``, and offline ``/docs``.

``create_app(settings, analyzer=None)``: the analyzer (decoding + inference off the event loop) is
injected; by default a :class:`~musicgenre.interfaces.web.engine.PoolAnalyzer` for ``settings``.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from musicgenre.genres import GENRES, genre_colours
from musicgenre.interfaces.web.engine import (
    AnalysisJob,
    AnalysisTimeout,
    Analyzer,
    AnalyzerFailed,
    PoolAnalyzer,
    UnreadableAudio,
    WorkerLost,
)
from musicgenre.interfaces.web.guards import ClientSlots, HostGuard
from musicgenre.interfaces.web.schemas import (
    ClassifyResponse,
    ErrorResponse,
    GenreInfo,
    GenresResponse,
    Health,
    Limits,
    ModelCard,
    ModelSummary,
    RankedGenre,
)
from musicgenre.interfaces.web.settings import WebSettings
from musicgenre.interfaces.web.uploads import UploadError, check_content_length, receive_upload
from musicgenre.version import __version__

STATIC_DIR = Path(__file__).with_name("static")

#: The multipart body of POST /api/classify, as the OpenAPI schema shows it (the body is parsed by
#: :func:`~musicgenre.interfaces.web.uploads.receive_upload`, streaming, not by FastAPI).
CLASSIFY_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "The audio file (wav, au, flac, ogg, mp3, m4a, ...).",
                    }
                },
            }
        }
    },
}

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "A Host name this loopback-only server does not serve."},
    408: {"model": ErrorResponse, "description": "The upload's body took longer than its deadline."},
    413: {"model": ErrorResponse, "description": "The upload is larger than the server's limit."},
    422: {"model": ErrorResponse, "description": "Not a classifiable audio file, or a malformed request."},
    503: {
        "model": ErrorResponse,
        "description": "Too many requests in progress, or the analysis worker died mid-request and was replaced; "
        "try again shortly.",
    },
    429: {"model": ErrorResponse, "description": "This client address already has its uploads in progress."},
    504: {"model": ErrorResponse, "description": "The analysis ran past the per-request time limit."},
    500: {"model": ErrorResponse, "description": "The analysis worker failed."},
}


def _error(status_code: int, detail: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


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


def create_app(settings: WebSettings | None = None, analyzer: Analyzer | None = None) -> FastAPI:
    """The web app for ``settings``; ``analyzer`` defaults to a :class:`PoolAnalyzer` (loads the model now)."""
    settings = settings or WebSettings()
    analyzer = analyzer or PoolAnalyzer(settings.model_path, settings.workers, settings.pool)
    card = analyzer.model_card()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        own_tmp = settings.tmp_dir is None
        if own_tmp:
            app.state.tmp_dir = Path(tempfile.mkdtemp(prefix="musicgenre-web-"))
        analyzer.start()
        try:
            yield
        finally:
            analyzer.close()
            if own_tmp:
                shutil.rmtree(app.state.tmp_dir, ignore_errors=True)

    app = _new_app(
        title="musicgenre",
        version=__version__,
        description=f"Which genre is this music ({_genres_phrase(card)})? Upload a track to `POST /api/classify`.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.analyzer = analyzer
    app.state.in_progress = 0
    app.state.client_slots = ClientSlots(settings.max_uploads_per_client)
    if settings.checks_host:
        app.add_middleware(HostGuard, allowed=settings.allowed_hosts)
    if settings.tmp_dir is not None:  # a given folder is used as it is (made if missing), also without lifespan
        app.state.tmp_dir = Path(settings.tmp_dir)
        app.state.tmp_dir.mkdir(parents=True, exist_ok=True)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        parts = []
        for item in error.errors():
            where = ".".join(str(p) for p in item.get("loc", ()) if p not in ("query", "body", "path"))
            parts.append(f"{where}: {item.get('msg', 'invalid')}" if where else str(item.get("msg", "invalid")))
        return _error(422, "; ".join(parts) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return _error(error.status_code, str(error.detail), getattr(error, "headers", None))

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(
            STATIC_DIR / "index.html",
            headers={
                "Content-Security-Policy": (
                    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"
                ),
                "X-Content-Type-Options": "nosniff",
            },
        )

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", response_model=Health, tags=["service"])
    async def healthz() -> Health:
        """Answers at once, even while every worker is busy."""
        return Health(status="ok", model=card["name"], workers=analyzer.workers, in_progress=app.state.in_progress)

    @app.get("/api/genres", response_model=GenresResponse, tags=["model"])
    async def genres() -> GenresResponse:
        """The served model's genres in output order, with the colour each has on the page and in figures."""
        colours = genre_colours(card["genres"])
        return GenresResponse(genres=[GenreInfo(name=g, colour=colours[g]) for g in card["genres"]])

    @app.get("/api/model", response_model=ModelCard, tags=["model"])
    async def model() -> ModelCard:
        """Facts about the served model (its file's metadata included)."""
        return ModelCard(version=__version__, **card)

    @app.get("/api/limits", response_model=Limits, tags=["service"])
    async def limits() -> Limits:
        """What the server accepts: upload size, time per request, workers, requests in progress at once."""
        return Limits(
            max_upload_bytes=settings.max_upload_bytes,
            time_limit_s=settings.time_limit_s,
            workers=analyzer.workers,
            max_pending=settings.max_pending,
            upload_timeout_s=settings.upload_timeout_s,
            max_uploads_per_client=settings.max_uploads_per_client,
        )

    async def _receive_and_analyze(
        request: Request, timeline: bool, spectrogram: bool, explain: bool
    ) -> dict | JSONResponse:
        """Receive the upload within its deadline, then analyse it within what is left of the time limit; the
        analysis result, or the error response."""
        app.state.in_progress += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.time_limit_s
        upload = None
        try:
            check_content_length(request.headers.get("content-length"), settings.max_upload_bytes)
            upload_limit_s = min(settings.upload_timeout_s, settings.time_limit_s)
            try:
                upload = await asyncio.wait_for(
                    receive_upload(
                        request.stream(),
                        request.headers.get("content-type"),
                        max_upload_bytes=settings.max_upload_bytes,
                        tmp_dir=app.state.tmp_dir,
                    ),
                    upload_limit_s,
                )
            except (asyncio.TimeoutError, TimeoutError):
                return _error(
                    408, f"the upload took longer than its time limit ({upload_limit_s:g} s)", {"Connection": "close"}
                )
            job = AnalysisJob(
                str(upload.path),
                upload.filename,
                timeline=timeline,
                spectrogram=spectrogram,
                explain=explain,
                model_path=None if settings.model_path is None else str(settings.model_path),
                time_limit_s=max(deadline - loop.time(), 0.001),
            )
            return await analyzer.analyze(job, job.time_limit_s or 0.001)
        except UploadError as error:
            return _error(error.status_code, error.message, {"Connection": "close"})
        except ClientDisconnect:  # the client's doing; answered (to no one) so that it is not logged as a 500
            return _error(400, "the client disconnected before the upload ended")
        except UnreadableAudio as error:
            return _error(422, str(error))
        except AnalysisTimeout as error:
            return _error(504, str(error))
        except WorkerLost as error:  # not the server's end: a fresh worker is ready, the client may retry
            return _error(503, str(error), headers={"Retry-After": "1"})
        except AnalyzerFailed as error:
            return _error(500, str(error))
        finally:
            if upload is not None:
                upload.remove()
            app.state.in_progress -= 1

    @app.post(
        "/api/classify",
        response_model=ClassifyResponse,
        responses=_ERRORS,
        tags=["model"],
        openapi_extra={"requestBody": CLASSIFY_BODY},
    )
    async def classify_upload(
        request: Request,
        timeline: bool = Query(False, description="Add one prediction per window of the track."),
        top: int = Query(
            3,
            ge=1,
            le=len(card["genres"]),
            description="How many ranked genres to list in `top` (at most the model's).",
        ),
        spectrogram: bool = Query(False, description="Add a log-mel picture of the track."),
        explain: bool = Query(False, description="Add which tags pushed the answer (models with tags)."),
    ) -> ClassifyResponse | JSONResponse:
        """Classify an uploaded audio file (multipart field `file`).

        The file streams to a temporary file (removed afterwards) and is refused with 413 once it passes
        the size limit; decoding and inference run in the worker pool under the per-request time limit.
        """
        client = request.client.host if request.client else "unknown"
        slots: ClientSlots = app.state.client_slots
        if slots.full(client):
            return _error(
                429,
                f"{slots.limit} uploads from {client} are already in progress; try again when one is answered",
                {"Retry-After": "5", "Connection": "close"},
            )
        if app.state.in_progress >= settings.max_pending:
            return _error(
                503,
                f"busy: {app.state.in_progress} requests in progress; try again shortly",
                {"Retry-After": "5", "Connection": "close"},
            )
        with slots.hold(client):
            outcome = await _receive_and_analyze(request, timeline, spectrogram, explain)
        if isinstance(outcome, JSONResponse):
            return outcome
        result = outcome
        ranked = sorted(result["probabilities"].items(), key=lambda item: -item[1])[:top]
        return ClassifyResponse(
            file=result["file"],
            duration_s=result["duration_s"],
            genre=result["genre"],
            probability=result["probability"],
            probabilities=result["probabilities"],
            uncertain=result.get("uncertain"),
            not_music=result.get("not_music"),
            top=[RankedGenre(genre=g, probability=p) for g, p in ranked],
            windows=result.get("windows", len(result.get("timeline", [])) or 1),
            timeline=result.get("timeline", []),
            spectrogram=result.get("spectrogram"),
            explanation=result.get("explanation"),
            explanation_unavailable=result.get("explanation_unavailable"),
            model=ModelSummary(**{key: card[key] for key in ("name", "file", "recipe", "sample_rate", "clip_seconds")}),
            elapsed_s=result.get("elapsed_s", 0.0),
        )

    return app
