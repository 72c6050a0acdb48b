"""The HTTP routes: the page at ``/``, ``/healthz`` and the JSON API under ``/api``.

Each route reads the server's :class:`~musicgenre.interfaces.web.service.Service` from the app (``Depends``) and
only translates HTTP to and from it. :func:`api_router` builds them for one served model: ``top``'s bound in the
schema is that model's number of genres.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.requests import ClientDisconnect

from musicgenre.genres import genre_colours
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
from musicgenre.interfaces.web.service import Refusal, Service, UploadRequest
from musicgenre.version import __version__

STATIC_DIR = Path(__file__).with_name("static")

#: The page's headers: nothing is loaded from elsewhere, nothing is sniffed.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
}

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

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "A Host name this loopback-only server does not serve."},
    408: {"model": ErrorResponse, "description": "The upload's body took longer than its deadline."},
    413: {"model": ErrorResponse, "description": "The upload is larger than the server's limit."},
    422: {"model": ErrorResponse, "description": "Not a classifiable audio file, or a malformed request."},
    429: {"model": ErrorResponse, "description": "This client address already has its uploads in progress."},
    503: {
        "model": ErrorResponse,
        "description": "Too many requests in progress, or the analysis worker died mid-request and was replaced; "
        "try again shortly.",
    },
    504: {"model": ErrorResponse, "description": "The analysis ran past the per-request time limit."},
    500: {"model": ErrorResponse, "description": "The analysis worker failed."},
}


def error_response(status_code: int, detail: str, headers: dict | None = None) -> JSONResponse:
    """Every error's body: one line of JSON, ``{"detail": ...}``."""
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


def service_of(request: Request) -> Service:
    """The server's :class:`Service` (a FastAPI dependency)."""
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(service_of)]


async def page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)


async def healthz(service: ServiceDep) -> Health:
    """Answers at once, even while every worker is busy."""
    return Health(
        status="ok", model=service.card["name"], workers=service.analyzer.workers, in_progress=service.in_progress
    )


async def genres(service: ServiceDep) -> GenresResponse:
    """The served model's genres in output order, with the colour each has on the page and in figures."""
    colours = genre_colours(service.card["genres"])
    return GenresResponse(genres=[GenreInfo(name=g, colour=colours[g]) for g in service.card["genres"]])


async def model(service: ServiceDep) -> ModelCard:
    """Facts about the served model (its file's metadata included)."""
    return ModelCard(version=__version__, **service.card)


async def limits(service: ServiceDep) -> Limits:
    """What the server accepts: upload size and deadline, time per request, workers, requests in progress at once
    (in all and per client address)."""
    settings = service.settings
    return Limits(
        max_upload_bytes=settings.max_upload_bytes,
        time_limit_s=settings.time_limit_s,
        workers=service.analyzer.workers,
        max_pending=settings.max_pending,
        upload_timeout_s=settings.upload_timeout_s,
        max_uploads_per_client=settings.max_uploads_per_client,
    )


def classify_route(max_top: int):
    """``POST /api/classify`` for a model of ``max_top`` genres (the bound of ``top`` in its schema)."""

    async def classify_upload(
        request: Request,
        service: ServiceDep,
        timeline: bool = Query(False, description="Add one prediction per window of the track."),
        top: int = Query(
            3, ge=1, le=max_top, description="How many ranked genres to list in `top` (at most the model's)."
        ),
        spectrogram: bool = Query(False, description="Add a log-mel picture of the track."),
        explain: bool = Query(False, description="Add which tags pushed the answer (models with tags)."),
    ) -> ClassifyResponse | JSONResponse:
        """Classify an uploaded audio file (multipart field `file`).

        The file streams to a temporary file (removed afterwards) and is refused with 413 once it passes
        the size limit; decoding and inference run in the worker pool under the per-request time limit.
        """
        upload = UploadRequest(
            client=request.client.host if request.client else "unknown",
            content_type=request.headers.get("content-type"),
            content_length=request.headers.get("content-length"),
            body=request.stream(),
            timeline=timeline,
            spectrogram=spectrogram,
            explain=explain,
        )
        try:
            result = await service.classify(upload)
        except Refusal as refusal:
            return error_response(refusal.status, refusal.detail, refusal.headers)
        except ClientDisconnect:  # the client's doing; answered (to no one) so that it is not logged as a 500
            return error_response(400, "the client disconnected before the upload ended")
        return classify_response(result, top, service.card)

    return classify_upload


def classify_response(result: dict, top: int, card: dict) -> ClassifyResponse:
    """The API's answer for one analysis ``result`` (the ``top`` best genres ranked) of the model ``card``."""
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


def api_router(max_top: int) -> APIRouter:
    """Every route, for a served model of ``max_top`` genres."""
    router = APIRouter()
    router.add_api_route("/", page, methods=["GET"], include_in_schema=False)
    router.add_api_route("/healthz", healthz, methods=["GET"], response_model=Health, tags=["service"])
    router.add_api_route("/api/genres", genres, methods=["GET"], response_model=GenresResponse, tags=["model"])
    router.add_api_route("/api/model", model, methods=["GET"], response_model=ModelCard, tags=["model"])
    router.add_api_route("/api/limits", limits, methods=["GET"], response_model=Limits, tags=["service"])
    router.add_api_route(
        "/api/classify",
        classify_route(max_top),
        methods=["POST"],
        response_model=ClassifyResponse,
        responses=ERRORS,
        tags=["model"],
        openapi_extra={"requestBody": CLASSIFY_BODY},
    )
    return router
