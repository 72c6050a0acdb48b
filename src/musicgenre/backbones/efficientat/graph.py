"""EfficientAT's network as one ONNX graph shipped in the package (``weights/mn04_as.onnx``), run by onnxruntime
when predicting (no torch), and read back into PyTorch when a caller wants the module.

The graph takes ``mel`` ``(n, 128, frames)`` float32 (the front end's normalised log-mel; any ``frames``, the head
pools over time) and gives ``logits`` ``(n, 527)`` and ``embedding`` ``(n, 384)``. Its initializers keep the
published parameter names (``net.`` + the state-dict key; batch norms are not folded), so
:func:`network_from_graph` rebuilds the module from the one shipped file. ``metadata_props`` follow the Model file
contract (DEVELOPING.md) with recipe :data:`RECIPE`, plus ``musicgenre.classes`` (the 527 AudioSet class names as
a JSON list), ``musicgenre.part_frames`` and ``musicgenre.n_mels``, the licence and where the weights came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from musicgenre.backbones.efficientat.config import InputConfig
from musicgenre.genres import GENRES
from musicgenre.models.model_file import ModelFileMeta, set_metadata

if TYPE_CHECKING:
    from musicgenre.backbones.efficientat.network import EfficientAT

WEIGHTS = Path(__file__).with_name("weights")
#: The shipped graph, written by ``tools/build_efficientat_model.py``.
GRAPH_PATH = WEIGHTS / "mn04_as.onnx"
#: The 527 AudioSet class names in output order, one per line (the same list as the graph's ``musicgenre.classes``).
CLASSES_PATH = WEIGHTS / "audioset_classes.txt"
#: The Model file recipe: the input is this front end's log-mel.
RECIPE = "efficientat-mn04-logmel"
#: sha256 of the published state dict the graph is made from (``mn04_as_mAP_432.pt``, EfficientAT v0.0.1).
SOURCE_SHA256 = "899a8c6217063f6941793102a2780b3dd788ab11fce468d9cf5f0577c453321c"
LICENCE = (
    "network and weights: EfficientAT mn04_as (Schmid, Koutini & Widmer, ICASSP 2023), MIT licence, "
    "Copyright (c) 2022 Florian Schmid; class names: AudioSet ontology (Google), CC BY 4.0"
)
_PREFIX = "net."


def read_classes(path: str | Path = CLASSES_PATH) -> tuple[str, ...]:
    """The class names of a classes file (one per line, in output order)."""
    return tuple(line for line in Path(path).read_text(encoding="utf-8").splitlines() if line)


def metadata(classes: Sequence[str], cfg: InputConfig = InputConfig()) -> dict[str, str]:
    """The graph's ``metadata_props`` (its genres comma-separated, as the shipped graph has them)."""
    return ModelFileMeta(
        name="efficientat",
        recipe=RECIPE,
        feature_names=("logmel",),
        genres=GENRES,
        genres_as_json=False,
        sample_rate=cfg.sample_rate,
        clip_seconds=30.0,
        part_frames=cfg.part_frames,
        n_mels=cfg.n_mels,
        classes=tuple(classes),
        licence=LICENCE,
        source=f"EfficientAT v0.0.1 mn04_as_mAP_432.pt, sha256 {SOURCE_SHA256}",
    ).to_props()


def to_onnx(net: EfficientAT, classes: Sequence[str], cfg: InputConfig = InputConfig()) -> Any:
    """The network as an ONNX ``ModelProto`` (opset 17, dynamic ``n`` and ``frames``) with :func:`metadata`."""
    import io
    import warnings

    import onnx
    import torch

    from musicgenre.models.export import ONNX_OPSET

    if len(classes) != net.cfg.n_classes:
        raise ValueError(f"{len(classes)} class names for a network of {net.cfg.n_classes} outputs")

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            out = self.net(mel)
            return out.logits, out.embedding

    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)  # the legacy exporter, chosen on purpose
        torch.onnx.export(
            Graph().eval(),
            (torch.zeros(2, cfg.n_mels, cfg.part_frames),),
            buffer,  # type: ignore[arg-type]  # torch annotates a path; its legacy exporter also writes to a file object
            dynamo=False,
            opset_version=ONNX_OPSET,
            input_names=["mel"],
            output_names=["logits", "embedding"],
            dynamic_axes={"mel": {0: "n", 2: "frames"}, "logits": {0: "n"}, "embedding": {0: "n"}},
            do_constant_folding=False,  # keeps every parameter as a named initializer (network_from_graph)
        )
    proto = onnx.load_from_string(buffer.getvalue())
    set_metadata(proto, metadata(classes, cfg))
    onnx.checker.check_model(proto)
    return proto


def network_from_graph(path: str | Path = GRAPH_PATH) -> EfficientAT:
    """The PyTorch module (eval mode) with the parameters stored in the graph at ``path``, loaded with
    ``strict=True`` (batch norms' ``num_batches_tracked``, unused at inference, set to 0)."""
    import onnx
    import torch
    from onnx import numpy_helper

    from musicgenre.backbones.efficientat.network import EfficientAT

    proto = onnx.load(str(path))
    state = {
        item.name[len(_PREFIX) :]: torch.from_numpy(numpy_helper.to_array(item).copy())
        for item in proto.graph.initializer
        if item.name.startswith(_PREFIX)
    }
    net = EfficientAT()
    for name, module in net.named_modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            state[f"{name}.num_batches_tracked"] = torch.zeros((), dtype=torch.long)
    net.load_state_dict(state, strict=True)
    return net.eval()


def run_graph(session: Any, mel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(logits (n, 527), embedding (n, 384))`` float32 of mel parts ``(n, 128, frames)`` through a session."""
    logits, embedding = session.run(["logits", "embedding"], {"mel": np.ascontiguousarray(mel, dtype=np.float32)})
    return logits, embedding
