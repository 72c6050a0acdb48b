"""Fitted model + feature names + recipe -> the project's ONNX Model file (see DEVELOPING.md).

Input ``features`` float32 ``(batch, n_features)`` of raw features (scaling is inside the graph),
output ``probabilities`` float32 ``(batch, 10)`` in ``GENRES`` order, and the ``musicgenre.*``
metadata the inference layer reads. Never a pickle.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from musicgenre.audio.atomic import write_atomically
from musicgenre.genres import GENRES
from musicgenre.models.model_file import ModelFileMeta, set_metadata
from musicgenre.models.sessions import ort_session

#: The ONNX opset of every graph the package writes from PyTorch or scikit-learn.
ONNX_OPSET = 17

if TYPE_CHECKING:
    import onnx

DEFAULT_SAMPLE_RATE = 22050
DEFAULT_CLIP_SECONDS = 30.0


def mean_of_graphs(protos: Sequence[onnx.ModelProto]) -> onnx.ModelProto:
    """Merge ONNX models that share input ``features`` into one whose ``probabilities`` is their mean."""
    import onnx
    from onnx import compose, helper

    merged_nodes: list[onnx.NodeProto] = []
    initializers: list[onnx.TensorProto] = []
    opsets: dict[str, int] = {}
    outputs: list[str] = []
    for i, proto in enumerate(protos):
        proto = compose.add_prefix(proto, f"m{i}_")
        graph = proto.graph
        merged_nodes.append(helper.make_node("Identity", ["features"], [f"m{i}_features"], name=f"m{i}_in"))
        merged_nodes.extend(graph.node)
        initializers.extend(graph.initializer)
        outputs.append(f"m{i}_probabilities")
        for opset in proto.opset_import:
            opsets[opset.domain] = max(opsets.get(opset.domain, 0), opset.version)
    merged_nodes.append(helper.make_node("Sum", outputs, ["sum_probabilities"], name="sum"))
    divisor = helper.make_tensor("n_members", onnx.TensorProto.FLOAT, [], [float(len(protos))])
    initializers.append(divisor)
    merged_nodes.append(helper.make_node("Div", ["sum_probabilities", "n_members"], ["probabilities"], name="mean"))
    first_input = protos[0].graph.input[0]
    graph = helper.make_graph(
        merged_nodes,
        "ensemble",
        [first_input],
        [helper.make_tensor_value_info("probabilities", onnx.TensorProto.FLOAT, [None, len(GENRES)])],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets.items()])
    model.ir_version = max(p.ir_version for p in protos)
    return model


def to_onnx(
    model,
    feature_names: Sequence[str],
    recipe: str,
    *,
    name: str,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    clip_seconds: float = DEFAULT_CLIP_SECONDS,
):
    """The fitted ``model`` (anything with ``onnx_model(n_features)``) as an ONNX ``ModelProto`` with metadata."""
    import onnx

    proto = model.onnx_model(len(feature_names))
    meta = ModelFileMeta(
        name=name,
        recipe=recipe,
        feature_names=tuple(feature_names),
        genres=GENRES,
        sample_rate=int(sample_rate),
        clip_seconds=float(clip_seconds),
    )
    set_metadata(proto, meta.to_props())
    onnx.checker.check_model(proto)
    return proto


def save_onnx(
    model,
    path: str | Path,
    feature_names: Sequence[str],
    recipe: str,
    *,
    name: str,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    clip_seconds: float = DEFAULT_CLIP_SECONDS,
) -> Path:
    """Write the Model file for ``model`` to ``path`` (parents created; whole or not at all, a link at ``path``
    replaced, not followed: :func:`~musicgenre.audio.atomic.write_atomically`); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    proto = to_onnx(model, feature_names, recipe, name=name, sample_rate=sample_rate, clip_seconds=clip_seconds)
    write_atomically(path, proto.SerializeToString())
    return path


def onnx_predict(path_or_proto, x: np.ndarray) -> np.ndarray:
    """Run a Model file with onnxruntime: raw features ``(n, n_features)`` -> probabilities ``(n, 10)``."""
    source = path_or_proto if isinstance(path_or_proto, (str, Path)) else path_or_proto.SerializeToString()
    session = ort_session(source, threads=0)  # onnxruntime's own choice of threads
    return session.run(["probabilities"], {"features": np.asarray(x, np.float32)})[0]
