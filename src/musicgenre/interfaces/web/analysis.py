"""The work done for one upload, in a pool worker: classify the file, optionally draw its log-mel picture.

Everything that crosses the process boundary is plain data: :class:`AnalysisJob` in, a dict out, and
:class:`UnreadableAudio` (one string) for input the model cannot classify. Each worker loads its model
once (:func:`init_worker`) and warms it up so that the first request is not slow.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from musicgenre.runtime import Overtime, keep_freed_memory, time_limit

_log = logging.getLogger(__name__)

#: model path (None: the shipped default) -> loaded model, per process
_MODELS: dict[str | None, object] = {}


class UnreadableAudio(Exception):
    """The upload is not audio the model can classify (corrupt, not audio, too short, silent); ``str()`` is the
    reason."""


class AnalyzerFailed(Exception):
    """The analysis could not run (a worker died, or a fault in the pipeline); ``str()`` says what happened."""


class WorkerLost(AnalyzerFailed):
    """The worker process died mid-analysis (a decoder crash, the OOM killer); a new one has taken its place."""


class AnalysisTimeout(Exception):
    """The analysis did not finish within the request's time limit."""


@dataclass(frozen=True)
class AnalysisJob:
    """One request's work: ``path`` is our temporary file, ``filename`` the cleaned name shown to the client."""

    path: str
    filename: str
    timeline: bool = False
    spectrogram: bool = False
    explain: bool = False
    model_path: str | None = None
    time_limit_s: float | None = None  # the worker stops the analysis past it (process pools; see runtime.time_limit)


def get_model(model_path: str | None):
    """The model at ``model_path`` (None: the shipped one), loaded once per process."""
    if model_path not in _MODELS:
        from musicgenre.inference import load_model

        _MODELS[model_path] = load_model(model_path)
    return _MODELS[model_path]


def init_worker(model_path: str | None) -> None:
    """Pool initializer: load the model and run it once on a few seconds of noise (JIT compilation, caches)."""
    keep_freed_memory()
    from musicgenre.inference.classify import warm_up

    warm_up(get_model(model_path))


def analyze(job: AnalysisJob) -> dict:
    """Classify ``job.path``; return ``Prediction.to_dict()`` with ``file`` set to the display name, plus
    ``spectrogram`` (see :class:`~musicgenre.interfaces.web.spectrogram.MelImage`) when asked and ``elapsed_s``;
    with ``explain``, ``explanation`` (or ``explanation_unavailable``: why this model has none).

    Raises :class:`UnreadableAudio` (the file's fault) or :class:`AnalyzerFailed` (ours), each with a
    one-line reason that names only ``job.filename``.
    """
    from musicgenre.audio import AudioError
    from musicgenre.inference import classify

    started = time.perf_counter()
    model = get_model(job.model_path)
    try:
        with time_limit(job.time_limit_s):  # frees this worker for the next request, not only the client
            prediction = classify(job.path, timeline=job.timeline, model=model, explain=job.explain)
            result = prediction.to_dict()
            if job.explain and prediction.explanation is None:
                result["explanation_unavailable"] = model.explain_unavailable
            if job.spectrogram:
                from musicgenre.interfaces.web.spectrogram import mel_image

                result["spectrogram"] = mel_image(job.path, prediction.duration_s).to_dict()
    except Overtime:
        raise AnalysisTimeout(
            f"{job.filename}: analysis took longer than the time limit ({job.time_limit_s:.1f} s left for it)"
        ) from None
    except AudioError as error:
        raise UnreadableAudio(f"{job.filename}: {_hide_path(error.reason, job)}") from None
    except Exception as error:  # a fault of ours (features, model), not of the file: a server error
        _log.exception("analysis of %s failed", job.filename)
        reason = _hide_path(" ".join(str(error).split())[:160] or type(error).__name__, job)
        raise AnalyzerFailed(
            f"{job.filename}: internal error while analysing ({type(error).__name__}: {reason})"
        ) from None
    result["file"] = job.filename
    result["elapsed_s"] = round(time.perf_counter() - started, 3)
    return result


def _hide_path(reason: str, job: AnalysisJob) -> str:
    """``reason`` with our temporary file's path (decoders quote it) replaced by the client's file name."""
    return reason.replace(job.path, job.filename).replace(Path(job.path).name, job.filename)
