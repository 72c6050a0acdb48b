"""EfficientAT's AudioSet network at inference: the track's 10 s parts heard once, then every window read from
the parts centred in it.

The Model file is the backbone's graph (``musicgenre.recipe = "efficientat-mn04-logmel"``,
:mod:`musicgenre.backbones.efficientat.graph`). The track is decoded at 32 kHz in blocks of
:data:`BLOCK_SECONDS` (each read a little wider, and cut where the resampler has settled, so the pieces join
into the exact track); its log-mel is streamed (:class:`~musicgenre.backbones.efficientat.stream.LogMelStream`:
one STFT per track, whatever the windows), cut into consecutive parts of 1000 frames (10 s, the length of
AudioSet's clips the network learned from; each frame is heard once), and each part goes through the graph.
A window's class probabilities are the mean of the sigmoid outputs of the parts centred in it; its answer is
either GTZAN's ten genres (the fixed map of :mod:`~musicgenre.backbones.efficientat.vocabulary`, normalised) or
the broad vocabulary (every "Music genre" class, multi-label). Numpy and onnxruntime only: no torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from musicgenre import audio
from musicgenre.backbones.efficientat.config import InputConfig
from musicgenre.backbones.efficientat.graph import run_graph
from musicgenre.backbones.efficientat.parts import MIN_TAIL_FRAMES
from musicgenre.backbones.efficientat.stream import LogMelStream
from musicgenre.backbones.efficientat.vocabulary import MUSIC_GENRES, genre_scores, music_genre_indices
from musicgenre.genres import GENRES
from musicgenre.inference.model import GenreModel, ModelError, WindowReader, WindowScores, shipped_card
from musicgenre.models.model_file import key
from musicgenre.models.windows import Window, heard_windows

#: Seconds decoded per block (12 parts); memory is that of a block, whatever the track's length.
BLOCK_SECONDS = 120.0
#: Seconds read beyond each side of a block, and cut off again: the resampler rings there.
MARGIN_SECONDS = 0.25
#: Vocabularies: GTZAN's ten genres through the fixed map, or every AudioSet "Music genre" class.
VOCABULARIES = ("gtzan", "music-genres")
#: Parts per onnxruntime call.
BATCH_PARTS = 4


@dataclass
class PartAnalysis:
    """Class probabilities of a track's consecutive 10 s parts, fed the track's samples in order (``push``) and
    closed by ``finish``; ``probabilities`` ``(parts, n_classes)``, ``silent`` ``(parts,)``, ``frames`` per part."""

    run: Callable[[np.ndarray], np.ndarray]  # mel parts (n, 128, frames) -> sigmoid probabilities (n, classes)
    cfg: InputConfig = InputConfig()
    stream: LogMelStream = field(init=False)
    _mel: list[np.ndarray] = field(default_factory=list)
    _mel_frames: int = 0
    _samples: list[np.ndarray] = field(default_factory=list)
    _sample_count: int = 0
    _pending: list[np.ndarray] = field(default_factory=list)  # complete parts' mels waiting for a batch
    probabilities: list[np.ndarray] = field(default_factory=list)
    silent: list[bool] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stream = LogMelStream(self.cfg)

    @property
    def part_samples(self) -> int:
        return self.cfg.part_frames * self.cfg.hop_length

    def push(self, y: np.ndarray) -> None:
        """The next samples of the track (32 kHz), analysed a part's length at a time (the STFT's arrays stay
        those of 10 s, whatever the piece)."""
        for first in range(0, y.size, self.part_samples):
            piece = y[first : first + self.part_samples]
            self._samples.append(piece)
            self._sample_count += piece.size
            if self._sample_count >= self.part_samples:  # each part's own samples, for the silence check
                joined = np.concatenate(self._samples)
                self.silent.append(audio.is_silent(joined[: self.part_samples]))
                rest = joined[self.part_samples :].copy()
                self._samples, self._sample_count = [rest], rest.size
            self._add_mel(self.stream.push(piece))

    def finish(self) -> None:
        """The end of the track: the last (shorter) part, if long enough, and the pending batch."""
        self._add_mel(self.stream.finish())
        if self._mel_frames >= MIN_TAIL_FRAMES or (self._mel_frames and not self.frames and not self._pending):
            self._pending.append(np.concatenate(self._mel, axis=1))
            self.frames.append(self._mel_frames)
        self._mel, self._mel_frames = [], 0
        self._run_pending(final=True)
        if len(self.silent) < len(self.frames):  # the last part's samples: fewer than a whole part's
            rest = np.concatenate(self._samples) if self._sample_count else np.zeros(0, np.float32)
            self.silent.append(audio.is_silent(rest))
        del self.silent[len(self.frames) :]  # samples of a part too short to hear

    def part_centres(self) -> np.ndarray:
        """Centre of each part in seconds ``(parts,)``."""
        starts = np.arange(len(self.frames)) * self.cfg.part_frames
        return (starts + np.asarray(self.frames) / 2) * self.cfg.hop_length / self.cfg.sample_rate

    def _add_mel(self, mel: np.ndarray) -> None:
        size = self.cfg.part_frames
        self._mel.append(mel)
        self._mel_frames += mel.shape[1]
        if self._mel_frames >= size:
            joined = np.concatenate(self._mel, axis=1)
            whole = joined.shape[1] // size
            for i in range(whole):
                self._pending.append(joined[:, i * size : (i + 1) * size])
                self.frames.append(size)
            self._mel, self._mel_frames = [joined[:, whole * size :]], joined.shape[1] - whole * size
        self._run_pending(final=False)

    def _run_pending(self, final: bool) -> None:
        while self._pending and (final or len(self._pending) >= BATCH_PARTS):
            batch, self._pending = self._pending[:BATCH_PARTS], self._pending[BATCH_PARTS:]
            if len({m.shape[1] for m in batch}) > 1:  # the short last part goes alone
                for mel in batch:
                    self.probabilities.append(self.run(mel[None]))
            else:
                self.probabilities.append(self.run(np.stack(batch)))


@dataclass
class Stitcher:
    """Joins overlapping decoded blocks into consecutive pieces of the track: each block gives the samples past
    what earlier blocks gave, up to ``guard`` samples before its own end (where the resampler rings), or to its
    end when it is the track's last."""

    guard: int
    consumed: int = 0  # samples of the track given so far

    def add(self, start: int, segment: np.ndarray, last: bool) -> np.ndarray:
        """The new samples of block ``segment`` that starts at sample ``start`` of the track."""
        end = start + segment.size if last else max(start + segment.size - self.guard, self.consumed)
        if start > self.consumed:
            raise ValueError(f"decoded blocks leave a gap: sample {self.consumed} to {start}")
        piece = segment[self.consumed - start : end - start]
        self.consumed = end
        return piece


def probabilities_runner(session) -> Callable[[np.ndarray], np.ndarray]:
    """Mel parts ``(n, 128, frames)`` -> sigmoid class probabilities ``(n, classes)`` float64 through ``session``."""

    def run(mel: np.ndarray) -> np.ndarray:
        logits, _ = run_graph(session, mel)
        return 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))

    return run


@dataclass(frozen=True)
class AudioSetModel(GenreModel):
    """EfficientAT's class probabilities of the track's 10 s parts -> a window's genres, in one of
    :data:`VOCABULARIES` (``gtzan``: ``genres`` are GTZAN's ten, each window's scores summing to 1;
    ``music-genres``: ``genres`` are the "Music genre" classes, independent probabilities)."""

    classes: tuple[str, ...] = field(repr=False, kw_only=True)
    vocabulary: str = field(default="gtzan", kw_only=True)
    input: InputConfig = InputConfig()

    @property
    def multi_label(self) -> bool:
        return self.vocabulary == "music-genres"

    def analyse(self, read: WindowReader, duration_s: float) -> tuple[PartAnalysis, float]:
        """The parts of a track of about ``duration_s`` seconds read block by block at :attr:`sample_rate`, and
        its decoded length (s); a block that comes back short ends the track (its header may lie)."""
        sr = self.sample_rate
        parts = PartAnalysis(probabilities_runner(self.session), self.input)
        stitcher = Stitcher(guard=int(MARGIN_SECONDS * sr / 2))
        block_start = 0.0
        while True:
            read_start = max(block_start - MARGIN_SECONDS, 0.0)
            read_end = block_start + BLOCK_SECONDS + MARGIN_SECONDS
            last = read_end >= duration_s
            segment = read(Window(read_start, duration_s if last else read_end), last)
            if not last and segment.size + 2 < (read_end - read_start) * sr:
                last = True  # the file ends before its header said
            parts.push(stitcher.add(int(round(read_start * sr)), segment, last))
            if last:
                break
            block_start += BLOCK_SECONDS
        parts.finish()
        return parts, stitcher.consumed / sr

    def window_probabilities(self, class_probabilities: np.ndarray) -> np.ndarray:
        """``(w, len(genres))`` from windows' mean class probabilities ``(w, n_classes)``."""
        if self.vocabulary == "gtzan":
            return genre_scores(class_probabilities, self.classes)
        return np.asarray(class_probabilities, dtype=np.float64)[:, music_genre_indices(self.classes)]

    def score_parts(
        self, parts: PartAnalysis, windows: Sequence[Window], decoded_s: float, skip_silent: bool = True
    ) -> tuple[list[Window], np.ndarray, list[np.ndarray]]:
        """The windows with at least a second decoded (and, with ``skip_silent``, a part that is not silent), each
        one's mean class probabilities ``(w, n_classes)`` over the parts centred in it, and those parts."""
        probabilities = np.concatenate(parts.probabilities) if parts.probabilities else np.zeros((0, 0))
        silent = np.asarray(parts.silent, bool) if skip_silent else None
        scored, groups = heard_windows(windows, parts.part_centres(), decoded_s, silent)
        means = np.stack([probabilities[rows].mean(axis=0) for rows in groups]) if groups else np.zeros((0, 0))
        return scored, means, groups

    def score_windows(self, name: str, read: WindowReader, windows: Sequence[Window]) -> WindowScores:
        """The track's parts heard once (:meth:`analyse`), then each window's mean of its parts' probabilities."""
        parts, decoded_s = self.analyse(read, windows[-1].end_s)
        short = decoded_s if decoded_s + 0.5 < windows[-1].end_s else None
        scored, means, groups = self.score_parts(parts, windows, decoded_s)
        if not scored:
            return WindowScores([], np.zeros((0, len(self.genres)), np.float32), decoded_s=short)
        if not np.all(np.isfinite(means)):
            raise audio.AudioError(name, "the network's outputs came out NaN or infinite (degenerate signal)")
        used = np.unique(np.concatenate(groups))
        track = np.concatenate(parts.probabilities)[used].mean(axis=0)
        probabilities = self.window_probabilities(means).astype(np.float32)
        return WindowScores(scored, probabilities, decoded_s=short, tags=track, multi_label=self.multi_label)

    @property
    def explain_unavailable(self) -> str | None:
        return f"model {self.name} has no linear head over tags: it gives AudioSet's classes as they are"

    def card(self) -> dict | None:
        return shipped_card(self.name) or super().card()


def audioset_model(vocabulary: str = "gtzan", shipped_name: str | None = None, **common) -> AudioSetModel:
    """An :class:`AudioSetModel` from a loaded file's common fields (named ``shipped_name`` when given); checks its
    inputs, outputs and classes."""
    path, session, meta = common["path"], common["session"], common["meta"]
    if vocabulary not in VOCABULARIES:
        raise ValueError(f"unknown vocabulary {vocabulary!r}: choose one of {', '.join(VOCABULARIES)}")
    inputs = {i.name for i in session.get_inputs()}
    outputs = {o.name for o in session.get_outputs()}
    if "mel" not in inputs or not {"logits", "embedding"} <= outputs:
        raise ModelError(
            path,
            f"an EfficientAT model needs input 'mel' and outputs 'logits', 'embedding', has "
            f"{sorted(inputs)} -> {sorted(outputs)}",
        )
    if meta.classes is None:
        raise ModelError(path, f"{key('classes')} must be a JSON list of class names")
    classes = list(meta.classes)
    try:
        cfg = InputConfig(
            sample_rate=common["sample_rate"],
            n_mels=128 if meta.n_mels is None else meta.n_mels,
            part_frames=1000 if meta.part_frames is None else meta.part_frames,
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ModelError(path, f"unusable EfficientAT metadata ({error})") from None
    try:
        genre_scores(np.zeros((1, len(classes))), classes)
        music_genre_indices(classes)
    except ValueError as error:
        raise ModelError(path, f"the genre maps do not fit its classes ({error})") from None
    if vocabulary == "music-genres":
        common = {**common, "genres": MUSIC_GENRES}
    elif tuple(common["genres"]) != GENRES:
        raise ModelError(path, f"an EfficientAT model's genres are GTZAN's ten, got {common['genres']}")
    if shipped_name is not None:
        common = {**common, "name": shipped_name}
    return AudioSetModel(**common, classes=tuple(classes), vocabulary=vocabulary, input=cfg)
