"""Regenerate the musicnn equality fixtures with the ORIGINAL musicnn code under TensorFlow.

Runs in a throwaway environment, never in musicgenre's (TensorFlow is no dependency of ours):

    python3.11 -m venv /tmp/tfenv
    /tmp/tfenv/bin/pip install tensorflow-cpu==2.21.0 tf_keras==2.21.0 "numpy<2" librosa==0.11.0 soundfile
    pip download musicnn==0.1.0 --no-deps -d /tmp/musicnn_wheel
    /tmp/tfenv/bin/python tools/musicnn_reference.py /tmp/musicnn_wheel/musicnn-0.1.0-py3-none-any.whl

The wheel's own ``musicnn/extractor.py`` and ``models.py`` run unchanged; the shims are only:

1. ``TF_USE_LEGACY_KERAS=1`` with ``tf_keras`` installed: since TF 2.16 ``tf.compat.v1.layers``
   needs the legacy Keras 2 package.
2. ``librosa.feature.melspectrogram`` gets ``pad_mode="reflect"`` by default: the wheel required
   librosa >= 0.7, whose STFT centring pad was "reflect" (librosa >= 0.10 pads with zeros).
3. numpy < 2 is required (checked): the original's ``10000 * float16_array`` relies on the old
   value-based casting (float32 result); numpy 2 would compute it in float16 and overflow.
4. ``Saver.restore`` is wrapped to record success, since the original swallows restore errors.
5. ``configuration.BATCH_SIZE`` is raised from 1 to 4096, so every patch goes through one ``sess.run``:
   the original's loop over later batches appends the FIRST batch's ``penultimate`` (and cnn1-3) again
   (it unpacks them as ``backend_``/``midend*_`` but concatenates ``penultimate_``/``cnn*_``), so with
   batch size 1 every patch's penultimate equals patch 0's. Batch norm runs in inference mode, so the
   batch size changes nothing else beyond float32 summation order (taggram, max_pool, mean_pool agree
   within 3e-6 between batch sizes 1 and 4096).

Writes to tests/backbones/fixtures/: for each clip and model ``musicnn_<clip>_<model>.npz`` with
``taggram``, ``max_pool``, ``mean_pool``, ``penultimate`` (all patches, float32) and ``input``
(the first 3 log-mel patches fed to the network); ``synth16k.wav`` (the synthesized clip); and
``musicnn_reference.json`` (versions, shims, clip checksums).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "backbones" / "fixtures"
SHARED_AUDIO = ROOT.parent / "shared" / "gtzan" / "audio"
CLIPS = {
    "metal00000": SHARED_AUDIO / "metal" / "metal.00000.wav",
    "classical00000": SHARED_AUDIO / "classical" / "classical.00000.wav",
}
MODELS = ("MSD_musicnn", "MTT_musicnn")
INPUT_PATCHES_KEPT = 3


def synth_clip(sr: int = 16000, seconds: float = 7.0):
    """A deterministic test signal (not music): a chord with vibrato, a click track and a noise burst."""
    import numpy as np

    t = np.arange(int(sr * seconds)) / sr
    y = sum(0.15 * np.sin(2 * np.pi * f * t + 3 * np.sin(2 * np.pi * 5 * t)) for f in (220.0, 277.2, 329.6))
    beats = (np.mod(t, 0.5) < 0.02) * np.random.default_rng(7).standard_normal(t.size) * 0.4
    burst = ((t > 4.0) & (t < 5.0)) * np.random.default_rng(8).standard_normal(t.size) * 0.2
    return np.clip(y + beats + burst, -1, 1).astype("float32")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(wheel: str) -> None:
    import numpy as np

    if int(np.__version__.split(".")[0]) >= 2:
        sys.exit("numpy < 2 is needed: the original relies on numpy 1's value-based casting")
    import librosa
    import soundfile as sf
    import tensorflow as tf

    # shim 2: librosa 0.7's STFT centring pad
    original_mel = librosa.feature.melspectrogram

    def melspectrogram(*args, **kwargs):
        kwargs.setdefault("pad_mode", "reflect")
        return original_mel(*args, **kwargs)

    librosa.feature.melspectrogram = melspectrogram

    # shim 4: know whether the checkpoint really was restored
    restored = []
    original_restore = tf.compat.v1.train.Saver.restore

    def restore(self, sess, save_path):
        result = original_restore(self, sess, save_path)
        restored.append(save_path)
        return result

    tf.compat.v1.train.Saver.restore = restore

    FIXTURES.mkdir(parents=True, exist_ok=True)
    synth_path = FIXTURES / "synth16k.wav"
    sf.write(synth_path, synth_clip(), 16000, subtype="PCM_16")
    clips = {**CLIPS, "synth16k": synth_path}

    with tempfile.TemporaryDirectory() as tmp:
        zipfile.ZipFile(wheel).extractall(tmp)
        sys.path.insert(0, tmp)
        from musicnn import configuration, extractor  # the wheel's code

        configuration.BATCH_SIZE = 4096  # shim 5

        # capture the exact network input (batch_data's output)
        original_batch = extractor.batch_data
        captured = {}

        def batch_data(*args, **kwargs):
            batch, rep = original_batch(*args, **kwargs)
            captured["batch"] = batch
            return batch, rep

        extractor.batch_data = batch_data

        for clip, path in clips.items():
            for model in MODELS:
                restored.clear()
                taggram, labels, features = extractor.extractor(str(path), model=model, extract_features=True)
                if not restored:
                    sys.exit(f"{model}: checkpoint was not restored")
                out = FIXTURES / f"musicnn_{clip}_{model}.npz"
                np.savez_compressed(
                    out,
                    taggram=np.asarray(taggram, np.float32),
                    max_pool=np.asarray(features["max_pool"], np.float32),
                    mean_pool=np.asarray(features["mean_pool"], np.float32),
                    penultimate=np.asarray(features["penultimate"], np.float32),
                    input=np.asarray(captured["batch"][:INPUT_PATCHES_KEPT], np.float32),
                    n_patches=np.int64(captured["batch"].shape[0]),
                )
                print(out.name, taggram.shape, [labels[i] for i in np.argsort(-taggram.mean(0))[:3]])

    info = {
        "tensorflow": tf.__version__,
        "tf_keras": __import__("tf_keras").__version__,
        "numpy": np.__version__,
        "librosa": librosa.__version__,
        "soxr": __import__("soxr").__version__,
        "python": sys.version.split()[0],
        "wheel": Path(wheel).name,
        "wheel_sha256": sha256(Path(wheel)),
        "shims": [
            "TF_USE_LEGACY_KERAS=1 with tf_keras (tf.compat.v1.layers under TF >= 2.16)",
            "librosa.feature.melspectrogram pad_mode='reflect' by default (librosa 0.7 behaviour)",
            "numpy < 2 (value-based casting of 10000 * float16 array -> float32)",
            "Saver.restore wrapped to check the checkpoint was restored",
            "configuration.BATCH_SIZE = 4096 (one sess.run per clip) to avoid the original's batch-loop bug "
            "that repeats patch 0's penultimate",
        ],
        "clips": {
            clip: {
                "path": str(path.relative_to(ROOT.parent))
                if clip != "synth16k"
                else "tests/backbones/fixtures/synth16k.wav",
                "sha256": sha256(path),
            }
            for clip, path in clips.items()
        },
        "input_patches_kept": INPUT_PATCHES_KEPT,
    }
    (FIXTURES / "musicnn_reference.json").write_text(json.dumps(info, indent=2) + "\n")
    print(json.dumps(info, indent=2))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
