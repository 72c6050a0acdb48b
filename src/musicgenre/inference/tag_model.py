"""A musicnn genre model at inference: analyse the track once, then score every window from its patches' tags.

The file (``musicgenre.recipe = "musicnn-msd-logmel"``, :mod:`musicgenre.backbones.musicnn.genre_graph`) takes
log-mel patches and gives each patch's 50 MSD tag probabilities (its ``taggram`` output) and a window's genre
probabilities. Here the whole track is decoded once at 16 kHz, cut into non-overlapping 3 s patches
(:func:`~musicgenre.backbones.musicnn.preprocess.patches_from_signal`), run through the graph in batches of
:data:`~musicgenre.inference.tag_head.RECOMMENDED_BATCH` patches (onnxruntime's memory grows with the patches fed
at once), and each window's probabilities come from the head (the file's ``musicgenre.head`` JSON) on the tags
of the patches whose centre lies in it. With 30 s windows every 15 s, each patch goes through the network
once, not twice. Numpy, librosa and onnxruntime only: no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from musicgenre import audio
from musicgenre.backbones.musicnn.config import InputConfig
from musicgenre.backbones.musicnn.preprocess import patches_from_signal
from musicgenre.inference.model import GenreModel, ModelError, WindowReader
from musicgenre.inference.tag_head import RECOMMENDED_BATCH, LinearHead
from musicgenre.inference.windows import MIN_SECONDS, Window


@dataclass(frozen=True)
class TagModel(GenreModel):
    """musicnn tags of the track's 3 s patches -> a linear head on each window's tag statistics."""

    head: LinearHead | None = field(default=None, repr=False, compare=False)
    input: InputConfig = InputConfig()
    batch: int = RECOMMENDED_BATCH  # patches per onnxruntime call

    def taggram(self, patches: np.ndarray) -> np.ndarray:
        """Tag probabilities ``(n, 50)`` float32 of patches ``(n, 187, 96)``, fed :attr:`batch` at a time."""
        parts = []
        for first in range(0, len(patches), self.batch):
            chunk = np.ascontiguousarray(patches[first: first + self.batch], dtype=np.float32)
            ones = np.ones((1, len(chunk)), np.float32)
            (tags,) = self.session.run(["taggram"], {"patches": chunk, "windows": ones})
            parts.append(tags)
        return np.concatenate(parts)

    def patch_centres(self, n_patches: int) -> np.ndarray:
        """Centre of each patch in seconds from the track's start ``(n_patches,)``."""
        cfg = self.input
        starts = np.arange(n_patches) * cfg.patch_hop  # frames, as preprocess.patch_starts
        return (starts + cfg.patch_frames / 2) * cfg.hop_length / cfg.sample_rate

    def window_patches(self, centres: np.ndarray, window: Window) -> np.ndarray:
        """Indices of the patches centred in ``window``; the nearest one when none is (a track under 1.5 s)."""
        inside = np.flatnonzero((centres >= window.start_s) & (centres < window.end_s))
        if inside.size:
            return inside
        return np.array([int(np.argmin(np.abs(centres - (window.start_s + window.end_s) / 2)))])

    def score_windows(self, name: str, read: WindowReader, windows: list[Window]) -> tuple[list[Window], np.ndarray]:
        """The track decoded once (to the last window's end), its taggram computed once, each window's head."""
        y = read(Window(0.0, windows[-1].end_s), True)
        sr = self.sample_rate
        scored = []
        for window in windows:
            segment = y[int(round(window.start_s * sr)): int(round(window.end_s * sr))]
            if segment.size < MIN_SECONDS * sr or audio.is_silent(segment):
                continue
            scored.append(window)
        if not scored:
            return [], np.zeros((0, len(self.genres)), np.float32)
        taggram = self.taggram(patches_from_signal(y, self.input))
        if not np.all(np.isfinite(taggram)):
            raise audio.AudioError(name, "the network's tags came out NaN or infinite (degenerate signal)")
        centres = self.patch_centres(len(taggram))
        groups = [self.window_patches(centres, w) for w in scored]
        return scored, self.head.window_proba(taggram, groups).astype(np.float32)


def tag_model(**common) -> TagModel:
    """A :class:`TagModel` from a loaded file's common fields; checks its inputs, outputs and input layout."""
    path, session, meta = common["path"], common["session"], common["metadata"]
    inputs = {i.name for i in session.get_inputs()}
    outputs = {o.name for o in session.get_outputs()}
    if not {"patches", "windows"} <= inputs or "taggram" not in outputs:
        raise ModelError(path, f"a musicnn model needs inputs 'patches', 'windows' and output 'taggram', has "
                               f"{sorted(inputs)} -> {sorted(outputs)}")
    if "musicgenre.head" not in meta:
        raise ModelError(path, "metadata lacks musicgenre.head (the genre head as JSON)")
    try:
        head = LinearHead.from_json(meta["musicgenre.head"])
        cfg = InputConfig(sample_rate=common["sample_rate"], n_mels=int(meta.get("musicgenre.n_mels", 96)),
                          patch_frames=int(meta.get("musicgenre.patch_frames", 187)),
                          patch_hop=int(meta.get("musicgenre.patch_hop", 187)))
    except (ValueError, KeyError, TypeError) as error:
        raise ModelError(path, f"unusable musicnn metadata ({error})") from None
    if head.genres != tuple(common["genres"]):
        raise ModelError(path, f"the head's genres {head.genres} differ from the file's {common['genres']}")
    return TagModel(**common, head=head, input=cfg)
