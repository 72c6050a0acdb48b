"""musicnn MSD tags -> clip statistics -> a linear genre head, as ONE graph (PyTorch module and ONNX export).

    head = LinearHead.from_sklearn(pipeline, ("mean", "max"), GENRES)      # StandardScaler + LogisticRegression/Ridge
    graph = MusicnnGenreGraph(head)                                         # the shipped MSD musicnn + the head
    probabilities, taggram = graph(patches, windows)                        # (w, k), (n, 50)
    export_onnx("model.onnx", head, name="musicnn-msd-logreg")
    session = ort_session("model.onnx")                      # musicgenre.models.sessions: ORT_ENABLE_ALL, one thread
    probabilities, taggram = run_onnx(session, patches, windows)

Inputs: ``patches`` ``(n, 187, 96)`` float32 log-mel patches (:func:`~musicgenre.backbones.musicnn.patches_from_signal`)
and ``windows`` ``(w, n)`` float32 0/1, row ``i`` marking the patches of window ``i`` (every row needs at least one
1). The network runs once on all ``n`` patches; each window then reads its patches' tags: the mean
(``windows @ tags / windows.sum(1)``), the max (tags are sigmoid outputs > 0, so the max of ``tags * mask`` is the
max over the window's patches), the std (population, ``ddof=0``, two-pass as numpy), in the head's order, and the
head gives ``softmax(((stats - center) / scale) @ coef.T + intercept) / temperature)``. The statistics' columns
are laid out as :func:`musicgenre.features.taggram_stats.clip_statistics`: all 50 tags of the first statistic,
then all 50 of the next.

Model file (``export_onnx``): inputs ``patches``, ``windows``; outputs ``probabilities`` ``(w, k)`` and
``taggram`` ``(n, 50)``; float32 throughout; ``metadata_props`` as DEVELOPING.md's Model file contract with
``musicgenre.recipe = "musicnn-msd-logmel"`` and ``musicgenre.feature_names`` = the names of the head's input
statistics (``"mean(rock),...,max(happy)"``: what the head reads, as for the table models; the graph's actual
input is described by the recipe and ``musicgenre.patch_frames`` / ``musicgenre.patch_hop`` /
``musicgenre.n_mels``), plus ``musicgenre.statistics``, ``musicgenre.temperature``, ``musicgenre.tags``.

The export reorders two things without changing the function (both checked against the float32 rounding
bound of ``tests/backbones/rounding.py``): the batch norm after each front-end branch's ReLU is applied after
the max over frequency (with the ReLU), which is the same value for a positive batch-norm scale
(``max(a x + c) = a max(x) + c``; float rounding is monotonic, so even bit for bit) and ``a min(x) + c`` for a
negative one (the min taken as the max of the convolution with negated weights: 170 and 171 of the timbral
branches' 204 channels have a negative scale); and the graph's constant folding. See
``benchmarks/musicnn_speed.py`` for what each step buys.

Which path the engine should take for long tracks (memory measured with ``benchmarks/musicnn_speed.py
--memory``): the graph's memory grows with the patches fed at once (the timbral branches' activations are
``(n, 204, 187, 59)`` floats, ~9 MB per patch and branch, plus im2col buffers), so a track must go through in
batches of patches. A window (timeline entry or the whole track) spans many batches, so the recommended engine
path is: feed patches in batches of :data:`RECOMMENDED_BATCH` with ``windows = ones((1, batch))`` (any window
matrix works; only the ``taggram`` output is kept), then apply :meth:`LinearHead.window_proba` in numpy to each
window's rows of the concatenated taggram. The head is tiny (a 100 x 10 matrix product), so this costs
nothing, it keeps memory bounded by the batch, not the track, and it gives the same numbers as the graph's own
``probabilities`` output (equal within 1e-6 in the tests). The in-graph head (``windows`` input) serves a
30 s clip in one call and makes the ONNX file self-contained for other callers. The head and its JSON in the
file's ``musicgenre.head`` live in :mod:`musicgenre.models.linear_head`, the onnxruntime session in
:mod:`musicgenre.models.sessions` (no torch).

Measured (``benchmarks/musicnn_speed.py --memory``, ORT_ENABLE_ALL, 1 thread, fresh process): growth of peak RSS
for one call on n = 10 / 28 / 100 patches: 143 / 381 / 1817 MB with onnxruntime's CPU arena (default), 51 / 235 /
957 MB with ``enable_cpu_mem_arena = False`` (the export without the reordered batch norm: 219 / 717 / 2807 MB).
Batches of 10 patches (one 30 s clip at hop 187) keep a 60-minute track at the 10-patch figure; larger batches
buy no speed (the convolutions run image by image).
Speed (``benchmarks/musicnn_speed.py``, 6 shared clips, one core, load average 1.6 on 2 cores): network per 30 s
clip at hop 187 PyTorch 1752 ms, ORT 559 ms (this graph, ENABLE_ALL, saved optimized model) / 573-646 ms (plain
export); at hop 61 4968 ms vs 1343 ms; decode + resample 18 ms, log-mel 23 ms.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from musicgenre.audio.atomic import write_atomically
from musicgenre.backbones.musicnn.config import MSD_TAGS, InputConfig
from musicgenre.backbones.musicnn.model import Musicnn, same_pad
from musicgenre.models.export import ONNX_OPSET
from musicgenre.models.linear_head import RECIPE, LinearHead
from musicgenre.models.model_file import ModelFileMeta, set_metadata
from musicgenre.models.sessions import OnnxSession

#: Front-end filters are padded with zero filters to a multiple of this (onnxruntime's NCHWc layout blocks
#: channels by 8 with AVX2, 16 with AVX-512, and pools in that layout only for whole blocks).
CHANNEL_BLOCK = 16


def _bn(bn: nn.BatchNorm1d | nn.BatchNorm2d, x: torch.Tensor) -> torch.Tensor:
    """Inference batch norm of ``x`` ``(B, C, ...)`` with ``bn``'s statistics, whatever its dimensionality."""
    return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)


class MusicnnGenreGraph(nn.Module):
    """musicnn (MSD) tags of every patch, statistics of each window, and the genre head, in one module.

    ``forward(patches (n, 187, 96), windows (w, n)) -> (probabilities (w, k), taggram (n, 50))``.
    ``fast_frontend``: batch norm after the frequency max (same function; see the module docstring).
    """

    # the head's buffers (registered in __init__)
    center: torch.Tensor
    inv_scale: torch.Tensor
    coef_t: torch.Tensor
    intercept: torch.Tensor

    def __init__(self, head: LinearHead, net: Musicnn | None = None, *, fast_frontend: bool = True):
        super().__init__()
        from musicgenre.backbones.musicnn.extract import load_network

        self.net = net if net is not None else load_network("msd")
        if self.net.cfg.n_tags != head.n_tags:
            raise ValueError(f"head reads {head.n_tags} tags, network gives {self.net.cfg.n_tags}")
        self.statistics = head.statistics
        self.fast_frontend = fast_frontend
        # Front-end branches with the sign of each channel's batch-norm scale folded into its convolution
        # (negating weights and bias negates the sums exactly), so that one max over frequency serves every channel.
        for i, (conv, bn) in enumerate(
            zip([*self.net.timbral, *self.net.temporal], [*self.net.timbral_bn, *self.net.temporal_bn], strict=True)
        ):
            with torch.no_grad():
                sign = torch.where(bn.weight / torch.sqrt(bn.running_var + bn.eps) < 0, -1.0, 1.0)
                self.register_buffer(f"front_sign{i}", sign.reshape(1, -1, 1).clone())
                weight, bias = conv.weight * sign.reshape(-1, 1, 1, 1), conv.bias * sign
                extra = -len(sign) % CHANNEL_BLOCK  # zero filters up to a multiple of the block, cut after the max
                self.register_buffer(f"front_weight{i}", F.pad(weight, (0, 0, 0, 0, 0, 0, 0, extra)))
                self.register_buffer(f"front_bias{i}", F.pad(bias, (0, extra)))
        self.register_buffer("center", torch.tensor(head.center, dtype=torch.float32))
        self.register_buffer("inv_scale", torch.tensor(1.0 / head.scale, dtype=torch.float32))
        self.register_buffer("coef_t", torch.tensor(head.coef.T / head.temperature, dtype=torch.float32).contiguous())
        self.register_buffer("intercept", torch.tensor(head.intercept / head.temperature, dtype=torch.float32))
        self.eval()

    def frontend(self, x: torch.Tensor) -> torch.Tensor:
        """``Musicnn.frontend`` with ReLU and batch norm after the max over frequency: for a channel whose
        batch-norm scale ``a`` is positive, ``max_f bn(relu(h)) = bn(relu(max_f h))``; for a negative one it is
        ``bn(relu(min_f h)) = bn(relu(-max_f(-h)))``, and ``-h`` is the convolution with negated weights and bias.
        So each branch is: the sign-folded convolution, one max over frequency, times the sign, ReLU, batch norm,
        and the large ``(n, C, 187, F)`` activations go through one reduction instead of ReLU, batch norm and
        the max. Same function; float rounding is monotonic and symmetric, so even the same float32 values
        when the convolution sums in the same order."""
        if not self.fast_frontend:
            return self.net.frontend(x)
        net, cfg = self.net, self.net.cfg
        x = net.input_bn(x.unsqueeze(1))  # (B, 1, T, M)
        pad_t = (cfg.timbral_width - 1) // 2
        x_t = F.pad(x, (0, 0, pad_t, pad_t))
        outs = []
        for i, (conv, bn) in enumerate(
            zip([*net.timbral, *net.temporal], [*net.timbral_bn, *net.temporal_bn], strict=True)
        ):
            timbral = i < len(net.timbral)
            source = x_t if timbral else F.pad(x, (0, 0, *same_pad(conv.kernel_size[0])))
            h = F.conv2d(source, getattr(self, f"front_weight{i}"), getattr(self, f"front_bias{i}"))
            # the max over all frequencies as a max pool (not a ReduceMax): onnxruntime's NCHWc layout pass then
            # pools in its blocked layout and reorders only the pooled (B, C, T, 1) tensor back
            bands = cfg.n_mels - conv.kernel_size[1] + 1  # static (the tracer would make h.shape[3] a graph value)
            pooled = F.max_pool2d(h, kernel_size=(1, bands)).flatten(2)[:, : bn.num_features]
            pooled = F.relu(pooled * getattr(self, f"front_sign{i}"))  # (B, C, T)
            outs.append(_bn(bn, pooled))
        return torch.cat(outs, dim=1)

    def tags(self, patches: torch.Tensor) -> torch.Tensor:
        """Tag probabilities ``(n, 50)`` of log-mel patches ``(n, 187, 96)``."""
        net = self.net
        features = net.midend_layers(self.frontend(patches))
        _, logits = net.backend(features.amax(dim=2), features.mean(dim=2))
        return torch.sigmoid(logits)

    def window_statistics(self, tags: torch.Tensor, windows: torch.Tensor) -> torch.Tensor:
        """``(w, 50 * len(statistics))`` from tags ``(n, 50)`` and 0/1 windows ``(w, n)``."""
        counts = windows.sum(dim=1, keepdim=True)  # (w, 1)
        mean = windows @ tags / counts
        out = []
        for s in self.statistics:
            if s == "mean":
                out.append(mean)
            elif s == "max":  # tags > 0: the masked product's max is the max over the window's patches
                out.append((windows.unsqueeze(2) * tags.unsqueeze(0)).amax(dim=1))
            elif s == "std":  # two-pass, population (ddof=0), as numpy's std
                diff = tags.unsqueeze(0) - mean.unsqueeze(1)  # (w, n, 50)
                out.append(torch.sqrt((windows.unsqueeze(2) * diff * diff).sum(dim=1) / counts))
        return torch.cat(out, dim=1)

    def head(self, stats: torch.Tensor) -> torch.Tensor:
        logits = ((stats - self.center) * self.inv_scale) @ self.coef_t + self.intercept
        return torch.softmax(logits, dim=1)

    def forward(self, patches: torch.Tensor, windows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        tags = self.tags(patches)
        return self.head(self.window_statistics(tags, windows)), tags


def metadata(
    head: LinearHead, name: str, cfg: InputConfig = InputConfig(), extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The ``metadata_props`` of the Model file (DEVELOPING.md) for ``head``; ``extra`` props (e.g. a fit's,
    :meth:`~musicgenre.training.head_fitting.TagHeadFit.metadata`) are added last, or replace a key in its place."""
    meta = ModelFileMeta(
        name=name,
        recipe=RECIPE,
        feature_names=tuple(head.feature_names(MSD_TAGS)),
        head=head.to_json(),
        genres=tuple(head.genres),
        sample_rate=int(cfg.sample_rate),
        clip_seconds=30.0,
        patch_frames=int(cfg.patch_frames),
        patch_hop=int(cfg.patch_hop),
        n_mels=int(cfg.n_mels),
        statistics=tuple(head.statistics),
        temperature=float(head.temperature),
        tags=tuple(MSD_TAGS),
    )
    return meta.to_props() | {str(k): str(v) for k, v in (extra or {}).items()}


def to_onnx(
    head: LinearHead,
    name: str,
    *,
    cfg: InputConfig = InputConfig(),
    extra: Mapping[str, str] | None = None,
    net: Musicnn | None = None,
    fast_frontend: bool = True,
):
    """The graph as an ONNX ``ModelProto`` (float32, dynamic ``n`` and ``w``) with the Model file metadata."""
    import io

    import onnx

    graph = MusicnnGenreGraph(head, net, fast_frontend=fast_frontend)
    example = (torch.zeros(2, cfg.patch_frames, cfg.n_mels), torch.ones(1, 2))
    buffer = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        # the legacy exporter is chosen on purpose (dynamic axes, opset 17); its notes mean nothing to a user
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message="Constant folding", category=UserWarning)
        warnings.filterwarnings("ignore", message="The feature will be removed", category=DeprecationWarning)
        torch.onnx.export(
            graph,
            example,
            buffer,  # type: ignore[arg-type]  # torch annotates a path; its legacy exporter also writes to a file object
            dynamo=False,
            opset_version=ONNX_OPSET,
            input_names=["patches", "windows"],
            output_names=["probabilities", "taggram"],
            dynamic_axes={
                "patches": {0: "n"},
                "windows": {0: "w", 1: "n"},
                "probabilities": {0: "w"},
                "taggram": {0: "n"},
            },
            do_constant_folding=True,
        )
    proto = onnx.load_from_string(buffer.getvalue())
    set_metadata(proto, metadata(head, name, cfg, extra))
    onnx.checker.check_model(proto)
    return proto


def export_onnx(
    path: str | Path,
    head: LinearHead,
    name: str,
    extra: Mapping[str, str] | None = None,
    *,
    cfg: InputConfig = InputConfig(),
    fast_frontend: bool = True,
) -> Path:
    """Write the Model file of the graph with ``head`` to ``path`` (parents created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    proto = to_onnx(head, name, cfg=cfg, extra=extra, fast_frontend=fast_frontend)
    write_atomically(path, proto.SerializeToString())
    return path


def run_onnx(
    session: OnnxSession, patches: np.ndarray, windows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(probabilities (w, k), taggram (n, 50))`` from a session; ``windows`` defaults to one over all patches."""
    patches = np.ascontiguousarray(patches, dtype=np.float32)
    if windows is None:
        windows = np.ones((1, patches.shape[0]), np.float32)
    probabilities, taggram = session.run(
        ["probabilities", "taggram"], {"patches": patches, "windows": np.asarray(windows, np.float32)}
    )
    return probabilities, taggram
