"""Label a library: read each file's genre, classify the files the policy needs, decide, and (with ``apply``) write.

The order of work per file: its tags are read first (a file whose tags cannot be read, or that ``only-empty``
leaves alone, is settled without classifying it); the rest are classified by :func:`run_batch` (the same
processes, time limit and error rows as ``predict``); each prediction is decided by the policy on the file's tags
as they are at that moment and, when the decision writes and ``apply`` is on, written atomically with its undo
entry; with ``apply`` the reading, deciding and writing hold the file's lock (another run at the same file waits,
or its row says ``busy``). One :class:`LabelRow` per file, yielded as each file is settled. A file that cannot be
written (a full disk: ``no space left on the device``) gets an error row and the run goes on; an undo log that
cannot be written raises :class:`~musicgenre.tagging.undo.UndoLogError` and stops the run (nothing more can be
undone safely).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace

from musicgenre.audio.remote import is_url
from musicgenre.executors import Executor
from musicgenre.inference.batch import BatchConfig, FileResult, run_batch
from musicgenre.inference.model import GenreModel
from musicgenre.inference.prediction import Prediction
from musicgenre.tagging.policy import LabelPolicy, decide_on, needs_prediction
from musicgenre.tagging.tags import (
    LOCK_WAIT_S,
    FileLock,
    GenreTags,
    Rewrite,
    TagError,
    lock_file,
    probabilities_text,
    read_genres,
    write_genres,
)
from musicgenre.tagging.undo import UndoLog


@dataclass(frozen=True)
class LabelConfig:
    """How a library is labelled: the policy, whether to write (else a dry run), whether the probabilities go
    into the file too (else any already there are kept as they are), how files are classified, and how long a
    write waits for another run holding the same file before its row says busy."""

    policy: LabelPolicy = field(default_factory=LabelPolicy)
    apply: bool = False
    write_probabilities: bool = True
    batch: BatchConfig = field(default_factory=BatchConfig)
    lock_wait_s: float = LOCK_WAIT_S


@dataclass(frozen=True)
class LabelRow:
    """One file's outcome. ``current``: its genres before; ``new``: the genres it has (``applied``) or would have
    after; ``genre``/``probability``: the model's answer (None when not classified); ``reason``: why it was
    skipped, or the one-line error."""

    file: str
    action: str
    applied: bool = False
    current: tuple[str, ...] = ()
    new: tuple[str, ...] = ()
    genre: str | None = None
    probability: float | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.action != "error"

    @property
    def changes(self) -> bool:
        """The decision changes the file's genres (whether or not it was written)."""
        return self.action in ("set", "replace", "append")

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "action": self.action,
            "applied": self.applied,
            "current": list(self.current),
            "new": list(self.new),
            "genre": self.genre,
            "probability": None if self.probability is None else round(self.probability, 4),
            "reason": self.reason,
        }


def label_files(
    files: Sequence[str],
    config: LabelConfig,
    undo_log: UndoLog | None = None,
    model: GenreModel | None = None,
    executor: Executor | None = None,
) -> Iterator[LabelRow]:
    """Yield a :class:`LabelRow` per file of ``files``: first those settled by their tags alone, then the
    classified ones as they finish. With ``config.apply`` every write is logged to ``undo_log`` first. ``model``:
    the one ``config.batch`` names, when the caller has loaded it already (a run in this process reuses it);
    ``executor``: where the files are classified (None: as ``config.batch`` asks, :func:`run_batch`)."""
    model_name = model.name if model is not None else None
    if config.apply and undo_log is None:
        raise ValueError("applying changes needs an undo log")
    to_classify: list[str] = []
    for path in files:
        if is_url(path):
            yield LabelRow(path, "error", reason="a URL: tags are written only into local files")
            continue
        try:
            current = read_genres(path)
        except TagError as error:
            yield LabelRow(path, "error", reason=error.reason)
            continue
        if needs_prediction(current.genres, config.policy):
            to_classify.append(path)
        else:
            decision = decide_on(current.genres, None, config.policy)
            yield LabelRow(path, decision.action, current=current.genres, new=current.genres, reason=decision.reason)
    for result in run_batch(to_classify, config.batch, model, executor):
        yield label_result(result, config, undo_log, model_name)


def label_result(
    result: FileResult, config: LabelConfig, undo_log: UndoLog | None, model_name: str | None = None
) -> LabelRow:
    """Decide one classified file on its tags as they are now and, with ``config.apply``, write it."""
    if not result.ok or result.prediction is None:
        return LabelRow(result.file, "error", reason=result.error or "not classified")
    prediction = result.prediction
    try:
        with lock_file(result.file, config.lock_wait_s) if config.apply else nullcontext(None) as lock:
            return _decide_and_write(result.file, prediction, config, undo_log, model_name, lock)
    except TagError as error:  # busy, or the file cannot be read or written: it is left as it was
        return LabelRow(result.file, "error", genre=prediction.genre, reason=error.reason)


def _decide_and_write(
    path: str,
    prediction: Prediction,
    config: LabelConfig,
    undo_log: UndoLog | None,
    model_name: str | None,
    lock: FileLock | None,
) -> LabelRow:
    """The decision on the tags ``path`` has now and, when it writes and ``config.apply``, the write (under
    ``lock``, so no other run changes the file between the reading and the writing)."""
    current = read_genres(path)
    decision = decide_on(current.genres, prediction, config.policy)
    row = LabelRow(
        path,
        decision.action,
        False,
        current.genres,
        decision.genres,
        prediction.genre,
        prediction.probability,
        decision.reason,
    )
    if os.path.islink(path):  # the link stays a link: the file it names is (or would be) tagged
        via = f"via link to {os.path.realpath(path)}"
        row = replace(row, reason=f"{row.reason}; {via}" if row.reason else via)
    if not (decision.writes and config.apply):
        return row
    assert undo_log is not None and lock is not None, "label_files checks that an applying run has its log"
    try:
        write_prediction(path, decision.genres, prediction, config, undo_log, model_name, lock)
    except TagError as error:
        return replace(row, action="error", new=current.genres, reason=error.reason)
    return replace(row, applied=True)


def write_prediction(
    path: str,
    genres: tuple[str, ...],
    prediction: Prediction,
    config: LabelConfig,
    undo_log: UndoLog,
    model_name: str | None = None,
    lock: FileLock | None = None,
) -> GenreTags:
    """Write ``genres`` (and the prediction's probabilities, unless turned off) into ``path``, the undo entry
    flushed to disk before the tagged copy replaces the file; return the tags as they were. Raises
    :class:`TagError` for this file, :class:`UndoLogError` when the log cannot be written (the file untouched)."""
    text = probabilities_text(prediction.probabilities, model_name) if config.write_probabilities else None

    def log_it(previous: GenreTags, rewrite: Rewrite) -> None:
        after = text if config.write_probabilities else previous.probabilities
        undo_log.record(path, previous, genres, after, rewrite)

    return write_genres(
        path, genres, text, keep_probabilities=not config.write_probabilities, before_replace=log_it, lock=lock
    )
