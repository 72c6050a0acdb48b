"""A model scored on a published GTZAN split: every clip of the part found in the user's GTZAN folder classified,
then accuracy with a 95 % bootstrap interval, macro F1 and per-genre recall.

    score = score_split(load_model("musicnn+efficientat"), "~/data/gtzan")   # the fault-filtered test: 290 clips
    score.summary["accuracy"], score.missing                                 # clips of the list not found

Only a model whose genres are GTZAN's ten can be scored. A clip that fails to decode is reported and left out
(counted in ``failed``), never a crash.

The shipped musicnn head was fitted on all 733 clips of the fault-filtered train and test parts, so the shipped
``musicnn`` and the default (which holds it) would be scored on clips they learned from. :func:`held_out` gives
such a model with the head's held-out twin instead (``shipped_models/musicnn/heldout_head.json``: fitted the same
way on the 443 training clips only, by ``tools/build_musicnn_heldout_head.py``), and :func:`score_split` uses it
on the fault-filtered test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from musicgenre.audio import AudioError
from musicgenre.datasets.gtzan import load_gtzan
from musicgenre.datasets.splits import SplitName, SplitPart, load_split
from musicgenre.genres import GENRES
from musicgenre.inference.classify import classify
from musicgenre.inference.fused_model import FusedModel
from musicgenre.inference.loading import SHIPPED_MODELS
from musicgenre.inference.model import GenreModel
from musicgenre.inference.tag_model import TagModel
from musicgenre.metrics.classification import per_genre, summarise
from musicgenre.models.linear_head import LinearHead

#: The shipped musicnn head refitted on the fault-filtered training clips only.
HELDOUT_HEAD = SHIPPED_MODELS["musicnn"].with_name("heldout_head.json")


@dataclass(frozen=True)
class SplitScore:
    """How ``model`` did on ``split``/``part``: the clips scored with their true and predicted genre, the list's
    clips missing from the folder, the failures (clip, one-line reason), and the figures."""

    model: str
    split: str
    part: str
    note: str | None  # how the model was changed to be scored honestly, if it was
    clips: list[str]
    truth: list[str]
    predicted: list[str]
    missing: list[str]
    failed: list[tuple[str, str]]
    summary: dict[str, float] = field(default_factory=dict)
    per_genre: list[dict] = field(default_factory=list)

    @property
    def listed(self) -> int:
        return len(self.clips) + len(self.missing) + len(self.failed)

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "split": self.split,
            "part": self.part,
            "note": self.note,
            "listed": self.listed,
            "scored": len(self.clips),
            "missing": self.missing,
            "failed": [{"clip": c, "reason": r} for c, r in self.failed],
            **self.summary,
            "per_genre": self.per_genre,
            "predictions": [
                {"clip": c, "genre": t, "predicted": p}
                for c, t, p in zip(self.clips, self.truth, self.predicted, strict=True)
            ],
        }


def held_out(model: GenreModel) -> tuple[GenreModel, str | None]:
    """``model`` with the shipped musicnn head replaced by its held-out twin wherever it holds it, and a note saying
    so (None when nothing was replaced)."""
    if isinstance(model, FusedModel):
        musicnn, note = held_out(model.musicnn)
        assert isinstance(musicnn, TagModel)
        return (replace(model, musicnn=musicnn), note) if note else (model, None)
    if isinstance(model, TagModel) and Path(model.path).resolve() == SHIPPED_MODELS["musicnn"].resolve():
        head = LinearHead.from_json(HELDOUT_HEAD.read_text())
        note = "musicnn's head refitted on the 443 training clips only (the shipped one saw the test clips)"
        return replace(model, head=head), note
    return model, None


def score_split(
    model: GenreModel,
    root: str | Path,
    split: SplitName = "filtered",
    part: SplitPart = "test",
    progress: Callable[[int], object] | None = None,
) -> SplitScore:
    """Classify the clips of ``split``/``part`` found under ``root`` (either GTZAN layout) with ``model``.
    Raises ValueError when ``model``'s genres are not GTZAN's ten, DatasetError for a folder without GTZAN."""
    if tuple(model.genres) != GENRES:
        raise ValueError(f"model {model.name} does not answer in GTZAN's ten genres; it cannot be scored on GTZAN")
    note = None
    if split == "filtered" and part == "test":
        model, note = held_out(model)
    elif split == "filtered" and part == "train" and held_out(model)[1]:
        note = "the shipped musicnn head was fitted on these clips: this is not a test figure"
    tracks = {track.clip_id: track for track in load_gtzan(root).tracks}
    listed = load_split(split, part)
    clips, truth, predicted, failed = [], [], [], []
    for clip in listed:
        track = tracks.get(clip)
        if track is None:
            continue
        try:
            prediction = classify(track.path, model=model)
        except AudioError as error:
            failed.append((clip, error.reason))
        else:
            clips.append(clip)
            truth.append(track.label)
            predicted.append(prediction.genre)
        if progress is not None:
            progress(1)
    missing = [clip for clip in listed if clip not in tracks]
    y_true = np.asarray([GENRES.index(g) for g in truth], int)
    y_pred = np.asarray([GENRES.index(g) for g in predicted], int)
    summary = summarise(y_true, y_pred) if clips else {"n_test": 0.0}
    rows = per_genre(y_true, y_pred).to_dict("records") if clips else []
    return SplitScore(model.name, split, part, note, clips, truth, predicted, missing, failed, summary, rows)
