"""What the library report shows, computed from the tracks of a predictions file: pure functions, no HTML.

Genre shares (with how many of each are marked uncertain), the distribution of the top probability, the files
to review (uncertain, not music, failed) and the tracks whose windows disagree, each as a small dataclass the
page builder (:mod:`musicgenre.visualization.library_report`) draws.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from musicgenre.genres import GENRES
from musicgenre.inference.library import LibraryTrack

#: Bins of the confidence histogram over [0, 1].
CONFIDENCE_BINS = 20

#: Below this top probability a track counts as shaky when the model marks nothing uncertain (no threshold).
FALLBACK_UNCERTAIN_BELOW = 0.5


@dataclass(frozen=True)
class GenreShare:
    """A genre's tracks: how many, of which marked uncertain, and their part of the classified music."""

    genre: str
    count: int
    uncertain: int
    share: float


@dataclass(frozen=True)
class ConfidenceHistogram:
    """Counts of classified tracks per bin of top probability (``edges`` has one more entry than the counts),
    split into marked uncertain and not; ``median`` of the top probabilities (None without tracks)."""

    edges: tuple[float, ...]
    sure: tuple[int, ...]
    uncertain: tuple[int, ...]
    median: float | None


@dataclass(frozen=True)
class Review:
    """Files worth a look: ``uncertain`` (shakiest first), ``not_music``, ``failed``; ``rule`` says what
    "uncertain" meant here (the model's mark, or a probability below :data:`FALLBACK_UNCERTAIN_BELOW`)."""

    uncertain: tuple[LibraryTrack, ...]
    not_music: tuple[LibraryTrack, ...]
    failed: tuple[LibraryTrack, ...]
    rule: str


@dataclass(frozen=True)
class Run:
    """Consecutive windows of one genre, from the first's start to where the next run starts (or the end)."""

    genre: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Disagreement:
    """A track whose windows do not all agree: ``agreement`` is the share of its windows whose genre is the
    track's; ``runs`` its timeline as runs of one genre."""

    track: LibraryTrack
    agreement: float
    runs: tuple[Run, ...]


def ordered_genres(tracks: Sequence[LibraryTrack]) -> list[str]:
    """The genres the tracks name: the ten in model order first, others in the order they appear."""
    seen = list(dict.fromkeys(t.genre for t in tracks if t.genre is not None))
    seen += [w.genre for t in tracks for w in t.windows if w.genre not in seen]
    seen = list(dict.fromkeys(seen))
    return [g for g in GENRES if g in seen] + [g for g in seen if g not in GENRES]


def genre_shares(tracks: Sequence[LibraryTrack]) -> list[GenreShare]:
    """One entry per genre of the classified music (not-music tracks have no genre to count), most tracks first
    (ties in genre order)."""
    classified = [t for t in tracks if t.music]
    counts = Counter(t.genre for t in classified if t.genre is not None)
    shaky = Counter(t.genre for t in classified if t.uncertain)
    order = {g: i for i, g in enumerate(ordered_genres(classified))}
    total = len(classified)
    return [
        GenreShare(g, n, shaky[g], n / total) for g, n in sorted(counts.items(), key=lambda i: (-i[1], order[i[0]]))
    ]


def confidence_histogram(tracks: Sequence[LibraryTrack], bins: int = CONFIDENCE_BINS) -> ConfidenceHistogram:
    """Top probabilities of the classified music (not the not-music tracks) in ``bins`` equal bins over [0, 1]
    (1.0 in the last)."""
    sure, shaky = [0] * bins, [0] * bins
    values = sorted(t.probability for t in tracks if t.music and t.probability is not None)
    for track in tracks:
        if not track.music or track.probability is None:
            continue
        index = min(max(int(track.probability * bins), 0), bins - 1)
        (shaky if track.uncertain else sure)[index] += 1
    median = None
    if values:
        mid = len(values) // 2
        median = values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
    edges = tuple(round(i / bins, 6) for i in range(bins + 1))
    return ConfidenceHistogram(edges, tuple(sure), tuple(shaky), median)


def review(tracks: Sequence[LibraryTrack]) -> Review:
    """The files to look at. Uncertain: marked so by the model (not music has its own list); when the model
    marks nothing (no threshold: every mark None), top probability below :data:`FALLBACK_UNCERTAIN_BELOW`."""
    classified = [t for t in tracks if t.ok]
    marked = any(t.uncertain is not None for t in classified)
    if marked:
        shaky = [t for t in classified if t.uncertain and not t.not_music]
        rule = "marked uncertain by the model (its calibrated probability says it is more often wrong than right)"
    else:
        shaky = [t for t in classified if (t.probability or 0.0) < FALLBACK_UNCERTAIN_BELOW and not t.not_music]
        rule = f"top probability below {FALLBACK_UNCERTAIN_BELOW:g} (the model has no uncertain threshold of its own)"
    shaky.sort(key=lambda t: (t.probability or 0.0, t.file))
    return Review(
        tuple(shaky),
        tuple(t for t in classified if t.not_music),
        tuple(t for t in tracks if not t.ok),
        rule,
    )


def runs(track: LibraryTrack) -> tuple[Run, ...]:
    """The track's windows as runs of one genre; a run ends where the next begins, the last at the track's end
    (or its last window's end)."""
    windows = sorted(track.windows, key=lambda w: w.start_s)
    if not windows:
        return ()
    end = max([w.end_s for w in windows] + [track.duration_s or 0.0])
    out: list[Run] = []
    for window in windows:
        if out and out[-1].genre == window.genre:
            continue
        if out:
            out[-1] = Run(out[-1].genre, out[-1].start_s, window.start_s)
        out.append(Run(window.genre, window.start_s, end))
    return tuple(out)


def disagreements(tracks: Sequence[LibraryTrack]) -> list[Disagreement]:
    """Classified music whose windows name more than one genre, least agreement first (then most runs)."""
    found = []
    for track in tracks:
        if not track.music or len({w.genre for w in track.windows}) < 2:
            continue
        agree = sum(w.genre == track.genre for w in track.windows) / len(track.windows)
        found.append(Disagreement(track, agree, runs(track)))
    found.sort(key=lambda d: (d.agreement, -len(d.runs), d.track.file))
    return found
