"""How far our float32 musicnn lies from TensorFlow's fixtures under each CPU kernel family, against the bound.

For every kernel family (oneDNN's ISA cap, ATen's vector capability, oneDNN off) it runs the port on the
reference inputs in a fresh process and prints, per layer, the worst absolute gap to TensorFlow's outputs
and the worst gap as a fraction of the test's tolerance (``tests/backbones/rounding.py``; 1.0 = the limit).

    .venv/bin/python tools/musicnn_rounding.py            # every family this CPU can run
    .venv/bin/python tools/musicnn_rounding.py --here     # only the current process's settings
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEYS = ("taggram", "max_pool", "mean_pool", "penultimate")

#: (label, environment) of the kernel families to try; ISAs the CPU lacks fall back to the best it has.
FAMILIES = (
    ("default", {}),
    ("oneDNN SSE41", {"ONEDNN_MAX_CPU_ISA": "SSE41"}),
    ("oneDNN AVX", {"ONEDNN_MAX_CPU_ISA": "AVX"}),
    ("oneDNN AVX2", {"ONEDNN_MAX_CPU_ISA": "AVX2"}),
    ("oneDNN AVX512_CORE", {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"}),
    ("ATen default", {"ATEN_CPU_CAPABILITY": "default"}),
    ("ATen avx2", {"ATEN_CPU_CAPABILITY": "avx2"}),
    ("SSE41 + ATen default", {"ONEDNN_MAX_CPU_ISA": "SSE41", "ATEN_CPU_CAPABILITY": "default"}),
    ("oneDNN off (MKL GEMM)", {"MUSICGENRE_NO_MKLDNN": "1"}),
    ("oneDNN off, MKL SSE4_2", {"MUSICGENRE_NO_MKLDNN": "1", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"}),
)


def measure() -> dict:
    """Worst gap and gap/tolerance per layer: the network on TF's inputs, the back end on TF's pooled features."""
    sys.path.insert(0, str(ROOT / "tests"))
    import numpy as np
    import torch
    from backbones.musicnn_ref import reference
    from backbones.rounding import backend_sigmas, network_sigmas

    from musicgenre.backbones import musicnn
    from musicgenre.backbones.musicnn.extract import run_patches

    if os.environ.get("MUSICGENRE_NO_MKLDNN"):
        torch.backends.mkldnn.enabled = False
    worst: dict[str, dict[str, float]] = {}

    def record(stage: str, key: str, gap: np.ndarray, tolerance: np.ndarray) -> None:
        entry = worst.setdefault(f"{stage} {key}", {"gap": 0.0, "ratio": 0.0})
        entry["gap"] = max(entry["gap"], float(gap.max()))
        entry["ratio"] = max(entry["ratio"], float((gap / tolerance).max()))

    for model in ("MSD_musicnn", "MTT_musicnn"):
        net = musicnn.load_network(model)
        for clip in ("metal00000", "classical00000", "synth16k"):
            ref = reference(clip, model)
            x = ref["input"]
            n = len(x)
            ours, sigmas = run_patches(net, x), network_sigmas(net, x)
            for key in KEYS:
                record("network", key, np.abs(ours[key] - ref[key][:n].astype(np.float64)), sigmas.tolerance(key))
            with torch.inference_mode():
                pen, logits = net.backend(torch.from_numpy(ref["max_pool"]), torch.from_numpy(ref["mean_pool"]))
            back = backend_sigmas(net, ref["max_pool"], ref["mean_pool"])
            record(
                "backend",
                "penultimate",
                np.abs(pen.numpy() - ref["penultimate"].astype(np.float64)),
                back.tolerance("penultimate"),
            )
            record(
                "backend",
                "taggram",
                np.abs(torch.sigmoid(logits).numpy() - ref["taggram"].astype(np.float64)),
                back.tolerance("taggram"),
            )
    return {"capability": torch.backends.cpu.get_cpu_capability(), "worst": worst}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--here", action="store_true", help="measure in this process only and print JSON")
    args = parser.parse_args()
    if args.here:
        print(json.dumps(measure()))
        return
    for label, extra in FAMILIES:
        env = {**os.environ, **extra}
        done = subprocess.run([sys.executable, __file__, "--here"], env=env, capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"## {label} (ATen capability {result['capability']})")
        for name, entry in result["worst"].items():
            print(f"  {name:<22} worst gap {entry['gap']:.2e}   gap/tolerance {entry['ratio']:.3f}")


if __name__ == "__main__":
    main()
