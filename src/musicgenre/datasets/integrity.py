"""Integrity report of a dataset folder: what is missing, broken, mis-sized or duplicated.

Every audio file (including those set aside by de-duplication) is decoded once at its own sample
rate with :func:`musicgenre.audio.load_native`; a file that fails is listed with the one-line
reason of its :class:`~musicgenre.audio.AudioError` and the check goes on.

- **Length**: a GTZAN clip is wrong-length when its decoded duration is more than
  ``tolerance_seconds`` (default 1.0 s) away from 30 s, i.e. outside 29.0-31.0 s (640 584-683 550
  samples at 22 050 Hz; the canonical length is 661 794). All 1000 lengths in the public feature
  table lie within 660 000-675 808 samples (29.93-30.65 s), so a sound copy raises no flag.
- **Duplicate content**: SHA-256 of the decoded float32 samples and the sample rate, so an ``.au``
  and a ``.wav`` of the same 16-bit samples hash alike while a lossy re-encoding (``.mp3``) does not.
  Reported two ways: one clip id in several files (with whether their samples are identical) and
  identical audio under different clip ids.
- **GTZAN's known faults**: :data:`~musicgenre.datasets.gtzan.KNOWN_FAULTS` (jazz.00054, corrupt
  in the Kaggle release) and the 70 clips outside the fault-filtered split, computed from the shipped
  lists (:func:`~musicgenre.datasets.splits.outside_split`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np

from musicgenre.audio import AudioError, load_native
from musicgenre.datasets.dataset import Dataset, Track
from musicgenre.datasets.folders import find_dataset
from musicgenre.datasets.gtzan import GTZAN_CLIP_IDS, KNOWN_FAULTS, compact_ids
from musicgenre.datasets.splits import PARTS, SplitName, SplitPart, load_splits, outside_split


@dataclass(frozen=True)
class IntegrityConfig:
    """What counts as a sound file. ``None`` switches a check off."""

    expected_seconds: float | None = 30.0  # s; GTZAN clips are 30 s
    tolerance_seconds: float = 1.0  # s either side of expected_seconds
    expected_sample_rate: int | None = 22050  # Hz; files at another rate are listed
    workers: int = 2  # threads decoding files (libsndfile and hashlib release the GIL)


#: Defaults for GTZAN (30 s ± 1 s at 22 050 Hz) and for one's own labelled folders (no length or rate check).
GTZAN_CHECK = IntegrityConfig()
FOLDERS_CHECK = IntegrityConfig(expected_seconds=None, expected_sample_rate=None)


@dataclass(frozen=True)
class FileCheck:
    """What decoding one file gave (``error`` set and the rest None when it did not decode)."""

    path: str
    clip_id: str
    label: str
    sample_rate: int | None
    samples: int | None
    digest: str | None
    error: str | None

    @property
    def seconds(self) -> float | None:
        return None if self.samples is None or not self.sample_rate else self.samples / self.sample_rate


class _Decoded(NamedTuple):
    """What the check of a file that decoded holds (a :class:`FileCheck` leaves these None only on an error)."""

    path: str
    clip_id: str
    seconds: float
    samples: int
    sample_rate: int
    digest: str


def _decoded(check: FileCheck) -> _Decoded:
    if check.samples is None or not check.sample_rate or check.digest is None:
        raise ValueError(f"{check.path}: decoded, yet its check lacks the length, rate or digest")
    samples, rate = check.samples, check.sample_rate
    return _Decoded(check.path, check.clip_id, samples / rate, samples, rate, check.digest)


@dataclass(frozen=True)
class Undecodable:
    path: str
    clip_id: str
    reason: str


@dataclass(frozen=True)
class WrongLength:
    path: str
    clip_id: str
    seconds: float
    samples: int
    sample_rate: int


@dataclass(frozen=True)
class OtherRate:
    path: str
    clip_id: str
    sample_rate: int


#: Formats that store samples exactly; copies in these can be compared sample for sample.
LOSSLESS = frozenset({".wav", ".au", ".snd", ".flac", ".aif", ".aiff"})


@dataclass(frozen=True)
class FormatTwins:
    """One clip id present in several files; ``identical`` is None when one of them did not decode.

    ``lossy`` is True when one of the files is a lossy format (mp3, ogg, …): its samples cannot equal
    the original's, so a difference is expected and not counted as a problem.
    """

    clip_id: str
    paths: tuple[str, ...]
    kept: str
    identical: bool | None
    lossy: bool = False


@dataclass(frozen=True)
class SameAudio:
    """Identical decoded samples under different clip ids."""

    clip_ids: tuple[str, ...]
    paths: tuple[str, ...]
    digest: str


@dataclass(frozen=True)
class KnownFault:
    """A documented fault of a GTZAN clip and how the copy at hand fares."""

    clip_id: str
    fault: str
    present: bool
    paths: tuple[str, ...]
    decodes: bool | None  # None when absent; True when every file of the clip decodes
    seconds: float | None
    samples: int | None = None  # of the first file that decodes
    sample_rate: int | None = None  # Hz


@dataclass(frozen=True)
class SplitMembership:
    """Which of the dataset's clips each part of a published split names."""

    name: str
    parts: dict[SplitPart, tuple[str, ...]]  # part -> present clip ids, in GTZAN order
    outside: tuple[str, ...]  # present clip ids no list names


@dataclass(frozen=True)
class IntegrityReport:
    """The result of :func:`check_integrity`; ``render_text()`` and ``to_json()`` present it."""

    root: str
    kind: str
    config: IntegrityConfig
    n_files: int
    n_clips: int
    formats: dict[str, int]
    per_label: dict[str, int]
    expected_clips: int | None
    missing: tuple[str, ...]
    undecodable: tuple[Undecodable, ...]
    wrong_length: tuple[WrongLength, ...]
    other_rate: tuple[OtherRate, ...]
    format_twins: tuple[FormatTwins, ...]
    same_audio: tuple[SameAudio, ...]
    ignored: tuple[str, ...]
    length_range: tuple[float, float] | None  # seconds, over files that decoded
    splits: tuple[SplitMembership, ...]
    known_faults: tuple[KnownFault, ...]
    outside_filtered: tuple[str, ...]  # all 70 GTZAN ids outside the fault-filtered split
    outside_filtered_present: tuple[str, ...]

    def problems(self) -> list[str]:
        """One short line per kind of problem found (empty when the folder is sound and complete)."""
        out = []
        if self.missing:
            out.append(f"{len(self.missing)} of {self.expected_clips} clips missing")
        if self.undecodable:
            out.append(f"{len(self.undecodable)} files do not decode")
        if self.wrong_length:
            out.append(f"{len(self.wrong_length)} files of the wrong length")
        if self.other_rate:
            out.append(f"{len(self.other_rate)} files at another sample rate")
        differing = [t for t in self.format_twins if t.identical is False and not t.lossy]
        if differing:
            out.append(f"{len(differing)} clip ids whose files differ in content")
        if self.same_audio:
            out.append(f"{len(self.same_audio)} groups of identical audio under different ids")
        if self.ignored:
            out.append(f"{len(self.ignored)} audio files ignored (name or place does not fit the layout)")
        return out

    @property
    def ok(self) -> bool:
        return not self.problems()

    def to_dict(self) -> dict:
        """Plain JSON-ready data (lists, dicts, str, numbers)."""
        data = asdict(self)
        data["ok"] = self.ok
        data["problems"] = self.problems()
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def render_text(self) -> str:
        return render_text(self)


def _decode(track: Track) -> FileCheck:
    try:
        y, sr = load_native(track.path)
    except AudioError as error:
        return FileCheck(str(track.path), track.clip_id, track.label, None, None, None, error.reason)
    digest = hashlib.sha256(np.int64(sr).tobytes() + np.ascontiguousarray(y, dtype=np.float32).tobytes()).hexdigest()
    return FileCheck(str(track.path), track.clip_id, track.label, int(sr), int(y.size), digest, None)


def check_files(
    tracks: tuple[Track, ...] | list[Track],
    workers: int = 2,
    progress: Callable[[int], None] | None = None,
) -> list[FileCheck]:
    """Decode every track once; results in input order. ``progress(n_done)`` is called after each file."""
    results: list[FileCheck] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for check in pool.map(_decode, tracks):
            results.append(check)
            if progress:
                progress(len(results))
    return results


def _membership(present: list[str], name: SplitName) -> SplitMembership:
    have = set(present)
    lists = load_splits(name)
    order = {c: i for i, c in enumerate(GTZAN_CLIP_IDS)}
    parts = {part: tuple(sorted((c for c in lists[part] if c in have), key=order.__getitem__)) for part in PARTS}
    listed = {c for ids in lists.values() for c in ids}
    return SplitMembership(name, parts, tuple(c for c in present if c not in listed))


def check_integrity(
    source: str | Path | Dataset,
    config: IntegrityConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IntegrityReport:
    """Check the dataset at ``source`` (a folder, found with :func:`find_dataset`, or a :class:`Dataset`).

    ``config`` defaults to :data:`GTZAN_CHECK` for GTZAN and :data:`FOLDERS_CHECK` otherwise.
    ``progress(n_done, n_total)`` is called after each decoded file. Raises
    :class:`~musicgenre.datasets.dataset.DatasetError` only when no dataset is found at all.
    """
    dataset = source if isinstance(source, Dataset) else find_dataset(source)
    is_gtzan = dataset.kind == "gtzan"
    config = config or (GTZAN_CHECK if is_gtzan else FOLDERS_CHECK)
    files = dataset.tracks + dataset.set_aside
    total = len(files)
    checks = check_files(files, config.workers, (lambda n: progress(n, total)) if progress else None)

    undecodable = tuple(Undecodable(c.path, c.clip_id, c.error) for c in checks if c.error)
    decoded = [_decoded(c) for c in checks if c.error is None]
    by_clip = _by_clip(checks)
    seconds = [c.seconds for c in decoded]
    present = dataset.clip_ids.tolist()
    gtzan = _gtzan_findings(present, by_clip) if is_gtzan else _GtzanFindings()

    return IntegrityReport(
        root=str(dataset.root),
        kind=dataset.kind,
        config=config,
        n_files=len(files),
        n_clips=len(dataset),
        formats=_formats(checks),
        per_label=dataset.counts(),
        expected_clips=len(GTZAN_CLIP_IDS) if is_gtzan else None,
        missing=gtzan.missing,
        undecodable=undecodable,
        wrong_length=_wrong_length(decoded, config),
        other_rate=_other_rate(decoded, config),
        format_twins=_format_twins(by_clip, {t.clip_id: str(t.path) for t in dataset.tracks}),
        same_audio=_same_audio(decoded),
        ignored=tuple(str(p) for p in dataset.ignored),
        length_range=(round(min(seconds), 4), round(max(seconds), 4)) if seconds else None,
        splits=gtzan.splits,
        known_faults=gtzan.known_faults,
        outside_filtered=gtzan.outside,
        outside_filtered_present=tuple(c for c in gtzan.outside if c in set(present)),
    )


def _wrong_length(decoded: list[_Decoded], config: IntegrityConfig) -> tuple[WrongLength, ...]:
    """Files more than ``tolerance_seconds`` away from ``expected_seconds`` (none when the length is not checked)."""
    if config.expected_seconds is None:
        return ()
    return tuple(
        WrongLength(c.path, c.clip_id, round(c.seconds, 4), c.samples, c.sample_rate)
        for c in decoded
        if abs(c.seconds - config.expected_seconds) > config.tolerance_seconds
    )


def _other_rate(decoded: list[_Decoded], config: IntegrityConfig) -> tuple[OtherRate, ...]:
    """Files not at ``expected_sample_rate`` Hz (none when the rate is not checked)."""
    if config.expected_sample_rate is None:
        return ()
    return tuple(
        OtherRate(c.path, c.clip_id, c.sample_rate) for c in decoded if c.sample_rate != config.expected_sample_rate
    )


def _by_clip(checks: list[FileCheck]) -> dict[str, list[FileCheck]]:
    """The checks grouped by clip id, in file order (a group of several is one clip in several files)."""
    by_clip: dict[str, list[FileCheck]] = {}
    for c in checks:
        by_clip.setdefault(c.clip_id, []).append(c)
    return by_clip


def _format_twins(by_clip: dict[str, list[FileCheck]], kept_path: dict[str, str]) -> tuple[FormatTwins, ...]:
    """Every clip id present in several files, whether their samples are identical, and which file is used."""
    return tuple(
        FormatTwins(
            clip,
            tuple(c.path for c in group),
            kept_path[clip],
            None if any(c.digest is None for c in group) else len({c.digest for c in group}) == 1,
            any(Path(c.path).suffix.lower() not in LOSSLESS for c in group),
        )
        for clip, group in by_clip.items()
        if len(group) > 1
    )


def _same_audio(decoded: list[_Decoded]) -> tuple[SameAudio, ...]:
    """Groups of files whose decoded samples (and rate) hash alike under more than one clip id."""
    by_digest: dict[str, list[_Decoded]] = {}
    for d in decoded:
        by_digest.setdefault(d.digest, []).append(d)
    return tuple(
        SameAudio(tuple(sorted({c.clip_id for c in group})), tuple(c.path for c in group), digest)
        for digest, group in by_digest.items()
        if len({c.clip_id for c in group}) > 1
    )


def _formats(checks: list[FileCheck]) -> dict[str, int]:
    """Files per suffix (lower case), most frequent first, ties by suffix."""
    counts = Counter(Path(c.path).suffix.lower() for c in checks)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


class _GtzanFindings(NamedTuple):
    """What only a GTZAN folder is checked for (all empty for labelled folders)."""

    missing: tuple[str, ...] = ()
    splits: tuple[SplitMembership, ...] = ()
    known_faults: tuple[KnownFault, ...] = ()
    outside: tuple[str, ...] = ()  # all GTZAN ids outside the fault-filtered split


def _gtzan_findings(present: list[str], by_clip: dict[str, list[FileCheck]]) -> _GtzanFindings:
    """Missing GTZAN clips, the published splits' membership and the known faults, of the ``present`` clip ids."""
    have = set(present)
    return _GtzanFindings(
        missing=tuple(c for c in GTZAN_CLIP_IDS if c not in have),
        splits=(_membership(present, "filtered"), _membership(present, "stratified")),
        known_faults=tuple(_known_fault(clip, fault, by_clip.get(clip, [])) for clip, fault in KNOWN_FAULTS.items()),
        outside=tuple(outside_split("filtered")),
    )


def _known_fault(clip: str, fault: str, group: list[FileCheck]) -> KnownFault:
    if not group:
        return KnownFault(clip, fault, False, (), None, None)
    decodes = all(c.error is None for c in group)
    first = next((_decoded(c) for c in group if c.error is None), None)
    if first is None:
        return KnownFault(clip, fault, True, tuple(c.path for c in group), decodes, None)
    return KnownFault(
        clip,
        fault,
        True,
        tuple(c.path for c in group),
        decodes,
        round(first.seconds, 4),
        first.samples,
        first.sample_rate,
    )


def _short(items: list[str] | tuple[str, ...], limit: int = 12) -> str:
    items = list(items)
    return ", ".join(items[:limit]) + (f", … ({len(items) - limit} more)" if len(items) > limit else "")


def render_text(report: IntegrityReport) -> str:
    """The report as lines of text for a terminal (every list is given in full or as GTZAN id ranges)."""
    rel = partial(_relative, Path(report.root))
    lines = _overview_lines(report)
    lines += _file_lines(report, rel)
    lines += _duplicate_lines(report, rel)
    for membership in report.splits:
        lines += _split_lines(membership)
    lines += _fault_lines(report, rel)
    problems = report.problems()
    lines.append("summary     " + ("no problems" if not problems else "; ".join(problems)))
    return "\n".join(lines)


def _relative(root: Path, path: str) -> str:
    """``path`` relative to the dataset's ``root`` (POSIX separators), or as given when it lies elsewhere."""
    return Path(path).relative_to(root).as_posix() if Path(path).is_relative_to(root) else path


def _overview_lines(report: IntegrityReport) -> list[str]:
    """Where the dataset is, its files, formats and labels, and (GTZAN) the missing clips as id ranges."""
    lines = [f"dataset     {report.root}  ({'GTZAN' if report.kind == 'gtzan' else 'labelled folders'})"]
    formats = ", ".join(f"{ext} {n}" for ext, n in report.formats.items())
    lines.append(
        f"files       {report.n_files} audio files ({formats}) -> {report.n_clips} distinct clips in "
        f"{sum(1 for n in report.per_label.values() if n)} labels"
    )
    lines.append("per label   " + ", ".join(f"{label} {n}" for label, n in report.per_label.items()))
    if report.expected_clips is not None:
        lines.append(
            f"missing     {len(report.missing)} of the {report.expected_clips} GTZAN clips"
            + (":" if report.missing else "")
        )
        lines.extend(f"              {line}" for line in compact_ids(report.missing))
    return lines


def _file_lines(report: IntegrityReport, rel: Callable[[str], str]) -> list[str]:
    """Files that do not decode, are of the wrong length (in s) or at another sample rate (in Hz)."""
    lines = [f"undecodable {len(report.undecodable)}"]
    lines.extend(f"              {rel(u.path)}: {u.reason}" for u in report.undecodable)
    config = report.config
    span = (
        f", decoded lengths {report.length_range[0]:.2f}-{report.length_range[1]:.2f} s" if report.length_range else ""
    )
    if config.expected_seconds is not None:
        lines.append(
            f"length      {len(report.wrong_length)} outside {config.expected_seconds:g} s "
            f"± {config.tolerance_seconds:g} s{span}"
        )
        lines.extend(
            f"              {rel(w.path)}: {w.seconds:.2f} s ({w.samples} samples at {w.sample_rate} Hz)"
            for w in report.wrong_length
        )
    else:
        lines.append(f"length      not checked{span}")
    if config.expected_sample_rate is not None:
        lines.append(f"rate        {len(report.other_rate)} not at {config.expected_sample_rate} Hz")
        lines.extend(f"              {rel(o.path)}: {o.sample_rate} Hz" for o in report.other_rate)
    return lines


def _twin_verdict(twin: FormatTwins) -> str:
    """Whether the files of one clip id hold the same samples, in words."""
    if twin.identical is False and twin.lossy:
        return "samples differ, as expected of a lossy copy"
    return {True: "identical samples", False: "DIFFERENT samples", None: "not comparable (one does not decode)"}[
        twin.identical
    ]


def _duplicate_lines(report: IntegrityReport, rel: Callable[[str], str]) -> list[str]:
    """One clip id in several files, identical audio under several ids, and files the layout ignores."""
    lines = [f"same id in several files  {len(report.format_twins)}"]
    lines.extend(
        f"              {twin.clip_id}: {' + '.join(rel(p) for p in twin.paths)}: {_twin_verdict(twin)}; "
        f"using {rel(twin.kept)}"
        for twin in report.format_twins
    )
    lines.append(f"same audio under different ids  {len(report.same_audio)}")
    lines.extend(
        f"              {' = '.join(s.clip_ids)} ({', '.join(rel(p) for p in s.paths)})" for s in report.same_audio
    )
    if report.ignored:
        lines.append(f"ignored     {len(report.ignored)} audio files that do not fit the layout")
        lines.extend(f"              {rel(p)}" for p in report.ignored)
    return lines


def _split_lines(membership: SplitMembership) -> list[str]:
    """How many present clips each part of one published split names, then the ids as GTZAN ranges."""
    parts = "; ".join(f"{part} {len(ids)}" for part, ids in membership.parts.items())
    lines = [f"split {membership.name:<10} {parts}; in no list {len(membership.outside)}"]
    lines.extend(
        f"              {part:<5} " + "; ".join(compact_ids(ids)) for part, ids in membership.parts.items() if ids
    )
    if membership.outside:
        lines.append("              none  " + "; ".join(compact_ids(membership.outside)))
    return lines


def _fault_state(fault: KnownFault, rel: Callable[[str], str]) -> str:
    """How the copy at hand of a clip with a known fault fares: absent, sound, or not decoding."""
    if not fault.present:
        return "not present"
    if fault.decodes:
        return f"present ({', '.join(rel(p) for p in fault.paths)}), decodes, {fault.seconds:.2f} s: this copy is sound"
    return f"present ({', '.join(rel(p) for p in fault.paths)}) and does NOT decode: replace it with a sound copy"


def _fault_lines(report: IntegrityReport, rel: Callable[[str], str]) -> list[str]:
    """GTZAN's known faults (each with its state here) and the clips left out of the fault-filtered split."""
    lines: list[str] = []
    for fault in report.known_faults:
        lines.append(f"known fault {fault.clip_id}: {fault.fault}")
        lines.append(f"              here: {_fault_state(fault, rel)}")
    if report.outside_filtered:
        lines.append(
            f"known fault {len(report.outside_filtered)} clips left out of the fault-filtered split "
            "(Kereliuk, Sturm & Larsen 2015); "
            f"{len(report.outside_filtered_present)} of them here"
            + (f": {_short(report.outside_filtered_present)}" if report.outside_filtered_present else "")
        )
        lines.extend(f"              {line}" for line in compact_ids(report.outside_filtered))
    return lines
