"""musicnn (MSD_musicnn and MTT_musicnn) in PyTorch, with the weights of the original package.

    from musicgenre.backbones import musicnn
    result = musicnn.analyze("song.wav", model="mtt")    # taggram (patches x 50), tags, features
    result.track_tags()                                    # tag -> mean probability over 3 s patches
    X = musicnn.embed_dataset(paths, layer="max_pool")     # (n_tracks, 753), mean over patches

No TensorFlow needed: the weights were converted from the ``musicnn==0.1.0`` wheel (see
``weights/NOTICE.md``) once, by ``tools/convert_musicnn_weights.py`` (not part of the installed package).
"""

from __future__ import annotations

import importlib

#: Public name -> the submodule that defines it. Imported on first use (PEP 562), so the input pipeline
#: (``config``, ``preprocess``, ``resample``: numpy and librosa) loads without torch, which only the
#: network (``model``, ``extract``, ``embed``) needs.
_EXPORTS = {
    "MSD_TAGS": "config",
    "MTT_TAGS": "config",
    "PUBLISHED_GTZAN_INPUT": "config",
    "InputConfig": "config",
    "MusicnnConfig": "config",
    "model_config": "config",
    "EmbedConfig": "embed",
    "embed_dataset": "embed",
    "embed_files": "embed",
    "LAYERS": "extract",
    "MusicnnResult": "extract",
    "analyze": "extract",
    "load_network": "extract",
    "run_patches": "extract",
    "Musicnn": "model",
    "log_mel": "preprocess",
    "patches_from_signal": "preprocess",
    "to_patches": "preprocess",
    "kaiser_best": "resample",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
