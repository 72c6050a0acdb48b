"""Convert the musicnn wheel's TensorFlow checkpoints to safetensors, without TensorFlow.

    python tools/convert_musicnn_weights.py musicnn-0.1.0-py3-none-any.whl -o src/musicgenre/backbones/musicnn/weights/

The wheel (``pip download musicnn==0.1.0 --no-deps``) is a zip holding ``musicnn/<MODEL>/.index``
and ``.data-00000-of-00001``; they are extracted to a temporary folder and read with
``tools/musicnn_checkpoint.py``. Adam slots and counters are left out.
"""

from __future__ import annotations

import argparse
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from musicnn_checkpoint import Checkpoint  # tools/, beside this file

from musicgenre.backbones.musicnn.config import MODELS, model_config


def _bn(prefix: str, tf_name: str) -> dict[str, tuple[str, str]]:
    return {
        f"{prefix}.weight": (f"{tf_name}/gamma", "vector"),
        f"{prefix}.bias": (f"{tf_name}/beta", "vector"),
        f"{prefix}.running_mean": (f"{tf_name}/moving_mean", "vector"),
        f"{prefix}.running_var": (f"{tf_name}/moving_variance", "vector"),
    }


def _suffix(i: int) -> str:
    return "" if i == 0 else f"_{i}"


def tf_name_map() -> dict[str, tuple[str, str]]:
    """Our state-dict key -> (TF variable name, layout). Layer order is the graph's creation order."""
    m = _bn("input_bn", "batch_normalization")
    conv = 0
    bn = 1
    for group, count in (("timbral", 2), ("temporal", 3)):
        for i in range(count):
            m[f"{group}.{i}.weight"] = (f"conv2d{_suffix(conv)}/kernel", "conv2d")
            m[f"{group}.{i}.bias"] = (f"conv2d{_suffix(conv)}/bias", "vector")
            m.update(_bn(f"{group}_bn.{i}", f"batch_normalization_{bn}"))
            conv += 1
            bn += 1
    for i in range(3):
        m[f"midend.{i}.weight"] = (f"conv2d{_suffix(conv)}/kernel", "conv1d")
        m[f"midend.{i}.bias"] = (f"conv2d{_suffix(conv)}/bias", "vector")
        m.update(_bn(f"midend_bn.{i}", f"batch_normalization_{bn}"))
        conv += 1
        bn += 1
    m.update(_bn("pool_bn", f"batch_normalization_{bn}"))
    m["dense.weight"] = ("dense/kernel", "linear")
    m["dense.bias"] = ("dense/bias", "vector")
    m.update(_bn("dense_bn", f"batch_normalization_{bn + 1}"))
    m["output.weight"] = ("dense_1/kernel", "linear")
    m["output.bias"] = ("dense_1/bias", "vector")
    return m


def _to_torch_layout(array: np.ndarray, layout: str) -> np.ndarray:
    if layout == "conv2d":  # TF (kh, kw, in, out) -> torch (out, in, kh, kw)
        return array.transpose(3, 2, 0, 1)
    if layout == "conv1d":  # TF (k, features, 1, out) over (time, features) -> torch (out, features, k)
        return array[:, :, 0, :].transpose(2, 1, 0)
    if layout == "linear":  # TF (in, out) -> torch (out, in)
        return array.T
    return array


def convert_checkpoint(prefix: str | Path) -> dict[str, np.ndarray]:
    """Read one musicnn checkpoint -> our state dict (float32, C-contiguous)."""
    ckpt = Checkpoint(prefix)
    state = {}
    for key, (tf_name, layout) in tf_name_map().items():
        state[key] = np.ascontiguousarray(_to_torch_layout(ckpt.read(tf_name), layout), dtype=np.float32)
    return state


def convert_wheel(wheel: str | Path, out_dir: str | Path, models: tuple[str, ...] = tuple(MODELS)) -> list[Path]:
    """Convert ``models`` from the musicnn wheel to ``out_dir/<MODEL>.safetensors``; returns the written paths."""
    from safetensors.numpy import save_file

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel) as zf:
        for name in models:
            name = model_config(name).name
            for member in (".index", ".data-00000-of-00001"):
                zf.extract(f"musicnn/{name}/{member}", tmp)
            state = convert_checkpoint(f"{Path(tmp) / 'musicnn' / name}/")
            path = out_dir / f"{name}.safetensors"
            # one metadata key only: safetensors orders several keys at random, and the file must be reproducible
            save_file(
                state,
                str(path),
                metadata={"source": f"{name} of musicnn==0.1.0 (PyPI wheel) by Jordi Pons, ISC license"},
            )
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", help="musicnn-0.1.0-py3-none-any.whl")
    parser.add_argument("-o", "--out", default=str(Path(__file__).parent / "weights"))
    args = parser.parse_args(argv)
    for path in convert_wheel(args.wheel, args.out):
        print(path)


if __name__ == "__main__":
    main()
