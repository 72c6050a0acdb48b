"""musicnn (MSD_musicnn and MTT_musicnn) in PyTorch, with the weights of the original package.

    from musicgenre.backbones import musicnn
    result = musicnn.analyze("song.wav", model="mtt")    # taggram (patches x 50), tags, features
    result.track_tags()                                    # tag -> mean probability over 3 s patches
    X = musicnn.embed_dataset(paths, layer="max_pool")     # (n_tracks, 753), mean over patches

No TensorFlow needed: the weights were converted from the ``musicnn==0.1.0`` wheel (see
``weights/NOTICE.md``) by :mod:`~musicgenre.backbones.musicnn.convert`.
"""

from musicgenre.backbones.musicnn.config import (
    MSD_TAGS, MTT_TAGS, PUBLISHED_GTZAN_INPUT, InputConfig, MusicnnConfig, model_config,
)
from musicgenre.backbones.musicnn.embed import EmbedConfig, embed_dataset, embed_files
from musicgenre.backbones.musicnn.extract import LAYERS, MusicnnResult, analyze, load_model, run_patches
from musicgenre.backbones.musicnn.model import Musicnn
from musicgenre.backbones.musicnn.preprocess import log_mel, patches_from_signal, to_patches
from musicgenre.backbones.musicnn.resample import kaiser_best

__all__ = [
    "EmbedConfig", "LAYERS", "MSD_TAGS", "embed_dataset", "embed_files", "MTT_TAGS", "InputConfig", "Musicnn", "MusicnnConfig", "MusicnnResult", "PUBLISHED_GTZAN_INPUT",
    "analyze", "kaiser_best", "load_model", "log_mel", "model_config", "patches_from_signal", "run_patches", "to_patches",
]
