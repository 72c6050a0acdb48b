"""onnxruntime sessions: the part of a session the models use (``OnnxSession``), and one made with explicit
threads and graph optimisation (``ort_session``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np


class OnnxSession(Protocol):
    """What the models use of an ``onnxruntime.InferenceSession`` (onnxruntime ships no type hints)."""

    def run(self, output_names: list[str] | None, input_feed: dict[str, np.ndarray]) -> list[Any]: ...

    def get_inputs(self) -> list[Any]: ...

    def get_outputs(self) -> list[Any]: ...

    def get_modelmeta(self) -> Any: ...


def ort_session(
    path_or_bytes: str | Path | bytes,
    *,
    threads: int = 1,
    level: str = "all",
    optimized_path: str | Path | None = None,
    log_severity: int | None = None,
) -> OnnxSession:
    """An onnxruntime session: ``level`` ``"all"`` (ORT_ENABLE_ALL), ``"extended"``, ``"basic"`` or ``"none"``;
    ``threads`` intra-op threads (0: onnxruntime's choice; inter-op 1, sequential); ``optimized_path`` saves the
    optimized graph; ``log_severity`` the session's onnxruntime log level (3: errors only; None: onnxruntime's)."""
    import onnxruntime as ort

    levels = {
        "none": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }
    options = ort.SessionOptions()
    options.graph_optimization_level = levels[level]
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if log_severity is not None:
        options.log_severity_level = log_severity
    if optimized_path is not None:
        options.optimized_model_filepath = str(optimized_path)
    source = str(path_or_bytes) if isinstance(path_or_bytes, (str, Path)) else path_or_bytes
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
