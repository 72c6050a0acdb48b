"""Convert EfficientAT's published ``mn04_as`` weights, once, into the ONNX graph the package ships.

    .venv/bin/python tools/build_efficientat_model.py     # reads ../shared/efficientat; needs torch and onnx

1. checks the state dict's sha256 (``mn04_as_mAP_432.pt``, EfficientAT v0.0.1) and loads it into our own
   implementation with ``torch.load(weights_only=True)`` and ``strict=True``;
2. writes ``src/musicgenre/backbones/efficientat/weights/``: ``mn04_as.onnx`` (mel -> logits, embedding, with the
   Model file metadata), ``audioset_classes.txt`` (the 527 class names from ``class_labels_indices.csv``),
   ``LICENSE`` (EfficientAT's MIT licence, as published) and ``NOTICE.md`` (what these files are and their terms);
3. checks the graph: onnxruntime on the reference mel against the PyTorch module, and the module rebuilt from the
   graph's initializers against the one loaded from the state dict (bit for bit).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import shutil
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "efficientat"

NOTICE = """# EfficientAT mn04_as: network, weights and class names

- `mn04_as.onnx`: EfficientAT's `mn04_as` (Schmid, Koutini & Widmer, "Efficient Large-Scale Audio Tagging via
  Transformer-to-CNN Knowledge Distillation", ICASSP 2023; github:fschmid56/EfficientAT, release v0.0.1,
  `mn04_as_mAP_432.pt`, sha256 {sha}), a MobileNetV3-style CNN trained on AudioSet, converted to ONNX by
  `tools/build_efficientat_model.py` from our own PyTorch implementation
  (`musicgenre.backbones.efficientat.network`). The weights are EfficientAT's, under its MIT licence (`LICENSE`
  here, Copyright (c) 2022 Florian Schmid).
- `audioset_classes.txt` and the graph's `musicgenre.classes`: the 527 class names of AudioSet (Gemmeke et al.,
  "Audio Set: An ontology and human-labeled dataset for audio events", ICASSP 2017), from its ontology by Google,
  licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_label_csv(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if [int(r["index"]) for r in rows] != list(range(len(rows))):
        raise SystemExit(f"{path}: indices are not 0..{len(rows) - 1} in order")
    return [r["display_name"] for r in rows]


def main() -> None:
    import onnxruntime as ort
    import torch

    from musicgenre.backbones.efficientat.graph import (
        CLASSES_PATH,
        GRAPH_PATH,
        SOURCE_SHA256,
        network_from_graph,
        read_classes,
        run_graph,
        to_onnx,
    )
    from musicgenre.backbones.efficientat.network import load_network

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=SHARED / "mn04_as_mAP_432.pt")
    parser.add_argument("--labels", type=Path, default=SHARED / "class_labels_indices.csv")
    parser.add_argument("--licence", type=Path, default=SHARED / "LICENSE")
    parser.add_argument("--reference", type=Path, default=SHARED / "reference_outputs.npz")
    args = parser.parse_args()

    digest = sha256(args.weights)
    if digest != SOURCE_SHA256:
        raise SystemExit(f"{args.weights}: sha256 {digest}, expected {SOURCE_SHA256}")
    classes = read_label_csv(args.labels)
    net = load_network(args.weights)
    GRAPH_PATH.parent.mkdir(parents=True, exist_ok=True)
    GRAPH_PATH.write_bytes(to_onnx(net, classes).SerializeToString())
    CLASSES_PATH.write_text("\n".join(classes) + "\n", encoding="utf-8")
    shutil.copyfile(args.licence, GRAPH_PATH.parent / "LICENSE")
    (GRAPH_PATH.parent / "NOTICE.md").write_text(NOTICE.format(sha=SOURCE_SHA256), encoding="utf-8")
    print(f"wrote {GRAPH_PATH.relative_to(ROOT)} ({GRAPH_PATH.stat().st_size:,} bytes) and {CLASSES_PATH.name}")

    assert read_classes() == tuple(classes)
    reference = np.load(args.reference, allow_pickle=False)
    assert tuple(str(x) for x in reference["labels"]) == tuple(classes), "class names differ from the reference's"
    mel = reference["synth_mel"][None]
    with torch.inference_mode():
        out = net(torch.from_numpy(mel))
        rebuilt = network_from_graph(GRAPH_PATH)(torch.from_numpy(mel))
    assert torch.equal(out.logits, rebuilt.logits), "the module rebuilt from the graph differs"
    session = ort.InferenceSession(str(GRAPH_PATH), providers=["CPUExecutionProvider"])
    logits, embedding = run_graph(session, mel)
    print(
        f"onnxruntime vs PyTorch on the reference mel: logits {np.abs(logits - out.logits.numpy()).max():.2g}, "
        f"embedding {np.abs(embedding - out.embedding.numpy()).max():.2g} (max abs gap); "
        f"vs upstream's logits {np.abs(logits[0] - reference['synth_logits']).max():.2g}"
    )


if __name__ == "__main__":
    main()
