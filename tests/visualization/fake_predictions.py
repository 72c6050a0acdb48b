"""Synthesized ``predict -o`` outputs of any size, written by the real writer (``inference.output.Writer``).

Each track gets a genre from skewed shares, ten probabilities, ``--timeline`` windows every 15 s (some tracks
change genre halfway), ``--explain`` top tags drawn from a few tags typical of its genre, and some rows are
marked uncertain, not music or failed. Used by the library-report tests and ``benchmarks/library_report_speed.py``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musicgenre.genres import GENRES
from musicgenre.inference.output import OutputConfig, Writer

#: Tags typical of each genre (MSD musicnn tag names), the pool a track's top tags are drawn from.
GENRE_TAGS: dict[str, tuple[str, ...]] = {
    "blues": ("blues", "guitar", "male vocalists", "soul", "oldies", "classic rock"),
    "classical": ("instrumental", "ambient", "beautiful", "chillout", "experimental", "mellow"),
    "country": ("country", "folk", "acoustic", "male vocalists", "oldies", "easy listening"),
    "disco": ("dance", "80s", "pop", "female vocalists", "funk", "soul"),
    "hiphop": ("Hip-Hop", "rnb", "dance", "electronic", "male vocalists", "funk"),
    "jazz": ("jazz", "instrumental", "chillout", "easy listening", "soul", "mellow"),
    "metal": ("metal", "heavy metal", "hard rock", "rock", "alternative", "punk"),
    "pop": ("pop", "female vocalists", "dance", "catchy", "sexy", "00s"),
    "reggae": ("chillout", "Hip-Hop", "party", "dance", "funk", "happy"),
    "rock": ("rock", "alternative", "indie", "classic rock", "guitar", "hard rock"),
}

#: How the genres are shared in a synthesized library (skewed, like a real collection).
SHARES = np.array([0.08, 0.05, 0.06, 0.05, 0.12, 0.09, 0.1, 0.2, 0.05, 0.2])


@dataclass(frozen=True)
class FakeLibrary:
    """A written file and what went into it (counts to check a report against): ``genres`` counts the music per
    genre (not the not-music rows)."""

    path: Path
    genres: dict[str, int]
    uncertain: int
    not_music: int
    failed: int
    changing: int


def _probabilities(rng: np.random.Generator, genre: int, sharpness: float) -> dict[str, float]:
    p = rng.dirichlet(np.ones(len(GENRES)) * 0.5)
    p[genre] += sharpness
    p /= p.sum()
    return {g: round(float(v), 6) for g, v in zip(GENRES, p, strict=True)}


def _record(rng: np.random.Generator, index: int, folder: str) -> tuple[dict, set[str]]:
    """One record as ``to_record`` makes it, and what it is: {failed}, {not_music} or {uncertain}, or neither,
    with changing (its windows change genre halfway)."""
    genre = int(rng.choice(len(GENRES), p=SHARES))
    name = f"{folder}/{GENRES[genre]}/artist {index % 97}/track {index:05d}.flac"
    roll = rng.random()
    if roll < 0.01:
        return {
            "file": name,
            "duration_s": None,
            "genre": None,
            "probability": None,
            "top": [],
            "error": (f"{name}: cannot decode (invalid data found when processing input)"),
        }, {"failed"}
    duration = float(rng.integers(30, 360))
    probabilities = _probabilities(rng, genre, float(rng.uniform(0.2, 3.0)))
    top_genre = max(probabilities, key=lambda g: probabilities[g])
    starts = np.arange(0.0, max(duration - 30.0, 0.0) + 1e-9, 15.0)
    changing = roll > 0.9 and len(starts) >= 2
    other = GENRES[(GENRES.index(top_genre) + 1 + int(rng.integers(0, 9))) % len(GENRES)]
    timeline = []
    for k, start in enumerate(starts):
        window_genre = other if changing and k >= len(starts) // 2 else top_genre
        window_p = _probabilities(rng, GENRES.index(window_genre), 2.0)
        window_p_top = max(window_p, key=lambda g: window_p[g])
        timeline.append(
            {
                "start_s": float(start),
                "end_s": min(float(start) + 30.0, duration),
                "genre": window_p_top,
                "probabilities": window_p,
            }
        )
    not_music = "a steady tone" if 0.01 <= roll < 0.015 else None
    uncertain = bool(probabilities[top_genre] < 0.45 or not_music)
    pool = GENRE_TAGS[top_genre]
    picks = rng.choice(len(pool), size=5, replace=False)
    tag_p = np.sort(rng.uniform(0.05, 0.7, size=5))[::-1]
    tags = [{"tag": pool[j], "probability": round(float(q), 6)} for j, q in zip(picks, tag_p, strict=True)]
    record = {
        "file": name,
        "duration_s": duration,
        "genre": top_genre,
        "probability": probabilities[top_genre],
        "probabilities": probabilities,
        "uncertain": uncertain,
        "not_music": not_music,
        "windows": len(timeline),
        "timeline": timeline,
        "explanation": {
            "summary": f"{top_genre} {probabilities[top_genre]:.2f}: {tags[0]['tag']}",
            "genre": top_genre,
            "rival": "rock" if top_genre != "rock" else "metal",
            "for": [{"tag": tags[0]["tag"], "contribution": 1.2}],
            "against": [],
            "top_tags": tags,
        },
        "top": [{"genre": top_genre, "probability": probabilities[top_genre]}],
        "error": None,
    }
    kinds = {"not_music"} if not_music else {"uncertain"} if uncertain else set()
    return record, kinds | ({"changing"} if changing else set())


def write_fake_predictions(
    path: Path, n: int, fmt: str = "jsonl", *, timeline: bool = True, explain: bool = True, seed: int = 0
) -> FakeLibrary:
    """Write ``n`` synthesized tracks to ``path`` in ``fmt`` (csv, jsonl, json) as ``predict -o`` would."""
    rng = np.random.default_rng(seed)
    config = OutputConfig(fmt, 1, timeline, explain=explain)
    counts = {"uncertain": 0, "not_music": 0, "failed": 0, "changing": 0}
    genres: dict[str, int] = {}
    buffer = io.StringIO()
    writer = Writer(buffer, config)
    writer.begin()
    for index in range(n):
        record, kinds = _record(rng, index, "/music")
        if not timeline:
            record.pop("timeline", None)
        if not explain:
            record.pop("explanation", None)
        writer.write(record)
        for kind in kinds:
            counts[kind] += 1
        if record["genre"] and not record.get("not_music"):
            genres[record["genre"]] = genres.get(record["genre"], 0) + 1
    writer.end()
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return FakeLibrary(
        path,
        genres,
        counts["uncertain"],
        counts["not_music"],
        counts["failed"],
        counts["changing"] if timeline else 0,
    )
