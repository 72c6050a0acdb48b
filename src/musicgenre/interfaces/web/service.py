"""What one running server holds and does for an upload: its settings, analyzer and model card, the requests in
progress, and :meth:`Service.classify` (admit, receive within the deadline, analyse within the time limit).

Routes only translate HTTP to and from these calls; every refusal here is a :class:`Refusal` with its status.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from musicgenre.interfaces.web.engine import (
    AnalysisJob,
    AnalysisTimeout,
    Analyzer,
    AnalyzerFailed,
    UnreadableAudio,
    WorkerLost,
)
from musicgenre.interfaces.web.guards import ClientSlots
from musicgenre.interfaces.web.settings import WebSettings
from musicgenre.interfaces.web.uploads import UploadError, check_content_length, receive_upload


class Refusal(Exception):
    """A request answered with an error: HTTP ``status``, one-line ``detail`` and extra response ``headers``."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.headers = status, detail, headers or {}


@dataclass(frozen=True)
class UploadRequest:
    """One ``POST /api/classify``: who sent it, its headers that matter, its body stream and what it asks for."""

    client: str
    content_type: str | None
    content_length: str | None
    body: AsyncIterator[bytes]
    timeline: bool = False
    spectrogram: bool = False
    explain: bool = False


@dataclass
class Service:
    """The state of one server: ``card`` is the served model's facts, ``in_progress`` the uploads being received
    or analysed, ``tmp_dir`` where uploads are spooled (set when the app starts)."""

    settings: WebSettings
    analyzer: Analyzer
    card: dict
    tmp_dir: Path | None = None
    in_progress: int = 0
    slots: ClientSlots = field(init=False)

    def __post_init__(self) -> None:
        self.slots = ClientSlots(self.settings.max_uploads_per_client)

    async def classify(self, request: UploadRequest) -> dict:
        """The analysis result of the uploaded file, or :class:`Refusal`: 429 when this client holds its slots, 503
        when the server is full, then whatever :meth:`_receive_and_analyze` refuses."""
        if self.slots.full(request.client):
            raise Refusal(
                429,
                f"{self.slots.limit} uploads from {request.client} are already in progress; "
                "try again when one is answered",
                {"Retry-After": "5", "Connection": "close"},
            )
        if self.in_progress >= self.settings.max_pending:
            raise Refusal(
                503,
                f"busy: {self.in_progress} requests in progress; try again shortly",
                {"Retry-After": "5", "Connection": "close"},
            )
        self.in_progress += 1
        try:
            with self.slots.hold(request.client):
                return await self._receive_and_analyze(request)
        finally:
            self.in_progress -= 1

    async def _receive_and_analyze(self, request: UploadRequest) -> dict:
        """Receive the upload within its deadline (408), then analyse it within what is left of the time limit
        (504); the temporary file is removed in every case."""
        settings = self.settings
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.time_limit_s
        upload_limit_s = min(settings.upload_timeout_s, settings.time_limit_s)
        assert self.tmp_dir is not None, "the app sets tmp_dir before serving"
        upload = None
        try:
            check_content_length(request.content_length, settings.max_upload_bytes)
            receiving = receive_upload(
                request.body, request.content_type, max_upload_bytes=settings.max_upload_bytes, tmp_dir=self.tmp_dir
            )
            try:
                upload = await asyncio.wait_for(receiving, upload_limit_s)
            except (asyncio.TimeoutError, TimeoutError):
                raise Refusal(
                    408, f"the upload took longer than its time limit ({upload_limit_s:g} s)", {"Connection": "close"}
                ) from None
            job = AnalysisJob(
                str(upload.path),
                upload.filename,
                timeline=request.timeline,
                spectrogram=request.spectrogram,
                explain=request.explain,
                model_path=None if settings.model_path is None else str(settings.model_path),
                time_limit_s=max(deadline - loop.time(), 0.001),
            )
            return await self.analyzer.analyze(job, job.time_limit_s or 0.001)
        except UploadError as error:
            raise Refusal(error.status_code, error.message, {"Connection": "close"}) from None
        except UnreadableAudio as error:
            raise Refusal(422, str(error)) from None
        except AnalysisTimeout as error:
            raise Refusal(504, str(error)) from None
        except WorkerLost as error:  # not the server's end: a fresh worker is ready, the client may retry
            raise Refusal(503, str(error), {"Retry-After": "1"}) from None
        except AnalyzerFailed as error:
            raise Refusal(500, str(error)) from None
        finally:
            if upload is not None:
                upload.remove()
