"""A musicnn genre model at inference: analyse the track once, then score every window from its patches' tags.

The file (``musicgenre.recipe = "musicnn-msd-logmel"``, :mod:`musicgenre.backbones.musicnn.genre_graph`) takes
log-mel patches and gives each patch's 50 MSD tag probabilities (its ``taggram`` output) and a window's genre
probabilities. Here the track is read once, in blocks of :attr:`TagModel.block_patches` non-overlapping 3 s
patches (about 2 minutes, plus the few samples each side that the first and last frames and the resampler
need), so memory stays that of a block on a track of any length; each block's log-mel frames
(:func:`~musicgenre.backbones.musicnn.preprocess.log_mel_frames`, the same values as the whole-track log-mel)
go through the graph in batches of :data:`~musicgenre.models.linear_head.RECOMMENDED_BATCH` patches, keeping
only the tags. Each window's probabilities then come from the head (the file's ``musicgenre.head`` JSON) on the
tags of the patches whose centre lies in it: with 30 s windows every 15 s, each patch goes through the network
once, not twice. Numpy, librosa and onnxruntime only: no torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from musicgenre import audio
from musicgenre.backbones.musicnn.config import MSD_TAGS, InputConfig
from musicgenre.backbones.musicnn.preprocess import log_mel_frames, to_patches
from musicgenre.inference.explain import Explanation, explain
from musicgenre.inference.model import GenreModel, ModelError, WindowReader, WindowScores
from musicgenre.inference.non_music import SteadinessMeter
from musicgenre.models.linear_head import RECOMMENDED_BATCH, LinearHead
from musicgenre.models.model_file import key
from musicgenre.models.windows import Window, heard_windows, patch_centres, window_patches


@dataclass(frozen=True)
class TagModel(GenreModel):
    """musicnn tags of the track's 3 s patches -> a linear head on each window's tag statistics."""

    head: LinearHead = field(repr=False, compare=False, kw_only=True)
    input: InputConfig = InputConfig()
    batch: int = RECOMMENDED_BATCH  # patches per onnxruntime call
    block_patches: int = 40  # patches read and analysed at a time (40: 2 min of audio, ~8 MB at 16 kHz)

    def taggram(self, patches: np.ndarray) -> np.ndarray:
        """Tag probabilities ``(n, 50)`` float32 of patches ``(n, 187, 96)``, fed :attr:`batch` at a time."""
        parts = []
        for first in range(0, len(patches), self.batch):
            chunk = np.ascontiguousarray(patches[first : first + self.batch], dtype=np.float32)
            ones = np.ones((1, len(chunk)), np.float32)
            (tags,) = self.session.run(["taggram"], {"patches": chunk, "windows": ones})
            parts.append(tags)
        return np.concatenate(parts)

    def patch_centres(self, n_patches: int) -> np.ndarray:
        """Centre of each patch in seconds from the track's start ``(n_patches,)``."""
        cfg = self.input
        return patch_centres(n_patches, cfg.patch_hop, cfg.patch_frames, cfg.hop_length, cfg.sample_rate)

    def window_patches(self, centres: np.ndarray, window: Window) -> np.ndarray:
        """Indices of the patches centred in ``window``; the nearest one when none is (a track under 1.5 s)."""
        return window_patches(centres, window.start_s, window.end_s)

    def track_taggram(
        self, read: WindowReader, duration_s: float, meter: SteadinessMeter | None = None
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Tags ``(n, 50)``, whether each patch is silent ``(n,)`` bool (:func:`~musicgenre.audio.is_silent` on
        its samples) and the track's decoded length (s) for every patch of a track of about ``duration_s``
        seconds, read block by block (the last block reads to the end, and a block that comes back short ends the
        track, so the header's duration need not be right). ``meter`` sees every log-mel frame."""
        cfg, sr = self.input, self.sample_rate
        hop, half = cfg.hop_length, cfg.n_fft // 2
        tags, silent = [], []
        first_patch = 0
        while True:
            first_frame = first_patch * cfg.patch_hop
            last_frame = first_frame + (self.block_patches - 1) * cfg.patch_hop + cfg.patch_frames  # exclusive
            needed = (first_frame * hop - half, (last_frame - 1) * hop + half)  # samples, [start, end)
            # a margin for the resampler's edges; the start on a 40 ms grid, a whole number of samples at every
            # common rate (8000 ... 96000 Hz and 11025 multiples), so blocks resampled apart line up with the track
            start_s = max(np.floor((needed[0] / sr - _MARGIN_S) / _GRID_S) * _GRID_S, 0.0)
            end_s = needed[1] / sr + _MARGIN_S
            last = end_s >= duration_s
            segment = read(Window(start_s, duration_s if last else end_s), last)
            if not last and segment.size + 2 < (end_s - start_s) * sr:
                last = True  # the file ends before its header said: this block is the last
            offset = int(round(start_s * sr))
            total = offset + segment.size if last else 1 << 62  # the track's length is known once its end is read
            n_frames = min(last_frame, 1 + total // hop) - first_frame
            if n_frames < cfg.patch_frames and first_frame > 0:
                break  # a tail shorter than a patch: dropped, as in the whole-track patching
            if n_frames <= 0:
                break
            frames = log_mel_frames(segment, offset, first_frame, n_frames, total, cfg)
            patches = to_patches(frames, cfg)
            if meter is not None:
                meter.add(frames[: len(patches) * cfg.patch_hop])
            tags.append(self.taggram(patches))
            for i in range(len(patches)):  # each patch's own samples, for the silence check
                a = (first_frame + i * cfg.patch_hop) * hop - offset
                silent.append(audio.is_silent(segment[max(a, 0) : max(a + cfg.patch_frames * hop, 0)]))
            first_patch += len(patches)
            if last:
                break
        return np.concatenate(tags), np.asarray(silent, bool), total / sr

    def score_windows(self, name: str, read: WindowReader, windows: Sequence[Window]) -> WindowScores:
        """The track's tags computed once (:meth:`track_taggram`), then each window's head on its patches; windows
        under a second or whose patches are all silent are left out. The same log-mel frames tell whether the
        track is music at all (:class:`~musicgenre.inference.non_music.SteadinessMeter`)."""
        meter = SteadinessMeter(n_mels=self.input.n_mels)
        taggram, silent, decoded_s = self.track_taggram(read, windows[-1].end_s, meter)
        if not np.all(np.isfinite(taggram)):
            raise audio.AudioError(name, "the network's tags came out NaN or infinite (degenerate signal)")
        scored, groups = heard_windows(windows, self.patch_centres(len(taggram)), decoded_s, silent)
        short = decoded_s if decoded_s + 0.5 < windows[-1].end_s else None
        if not scored:
            return WindowScores([], np.zeros((0, len(self.genres)), np.float32), decoded_s=short)
        statistics = np.stack([self.head.window_statistics(taggram[rows]) for rows in groups])
        probabilities = self.head.predict_proba(statistics).astype(np.float32)
        track_tags = taggram[np.unique(np.concatenate(groups))].astype(np.float64).mean(axis=0)
        return WindowScores(scored, probabilities, meter.verdict(), short, statistics, track_tags)

    @property
    def tag_names(self) -> tuple[str, ...]:
        """The head's tag names in column order: the file's ``musicgenre.tags``, else MSD_musicnn's 50."""
        names = self.meta.tags if self.meta is not None and self.meta.tags else ()
        if len(names) == self.head.n_tags:
            return names
        return MSD_TAGS if len(MSD_TAGS) == self.head.n_tags else tuple(f"tag{i}" for i in range(self.head.n_tags))

    @property
    def explain_unavailable(self) -> str | None:
        return None

    def explain(self, scores: WindowScores, probabilities: np.ndarray) -> Explanation | None:
        """The tags that pushed the answer (:func:`~musicgenre.inference.explain.explain`), from the statistics
        and tags :meth:`score_windows` kept: the network does not run again."""
        if scores.statistics is None or scores.tags is None or not len(scores.statistics):
            return None
        return explain(self.head, self.tag_names, scores.statistics, scores.tags, probabilities)


#: Seconds read beyond a block's samples on either side (the resampler's filter settles well within it).
_MARGIN_S = 0.25
#: Block reads start on this grid (s): 40 ms is a whole number of samples at 16 kHz and at every common rate.
_GRID_S = 0.04


def tag_model(**common) -> TagModel:
    """A :class:`TagModel` from a loaded file's common fields; checks its inputs, outputs and input layout."""
    path, session, meta = common["path"], common["session"], common["meta"]
    inputs = {i.name for i in session.get_inputs()}
    outputs = {o.name for o in session.get_outputs()}
    if not {"patches", "windows"} <= inputs or "taggram" not in outputs:
        raise ModelError(
            path,
            f"a musicnn model needs inputs 'patches', 'windows' and output 'taggram', has "
            f"{sorted(inputs)} -> {sorted(outputs)}",
        )
    if meta.head is None:
        raise ModelError(path, f"metadata lacks {key('head')} (the genre head as JSON)")
    try:
        head = LinearHead.from_json(meta.head)
        cfg = InputConfig(
            sample_rate=common["sample_rate"],
            n_mels=96 if meta.n_mels is None else meta.n_mels,
            patch_frames=187 if meta.patch_frames is None else meta.patch_frames,
            patch_hop=187 if meta.patch_hop is None else meta.patch_hop,
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ModelError(path, f"unusable musicnn metadata ({error})") from None
    if head.genres != tuple(common["genres"]):
        raise ModelError(path, f"the head's genres {head.genres} differ from the file's {common['genres']}")
    return TagModel(**common, head=head, input=cfg)
