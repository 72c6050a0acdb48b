"""The audio files a benchmark runs on: each distinct file once (by content), optionally the first few."""

from __future__ import annotations

from pathlib import Path


def distinct_audio_files(folder: str | Path, limit: int | None = None) -> list[Path]:
    """Audio files under ``folder``, byte-identical copies dropped, in search order; the first ``limit`` if given."""
    from musicgenre.audio import file_hash, find_audio_files

    files, _ = find_audio_files([folder])
    distinct, seen = [], set()
    for f in files:
        key = file_hash(f)
        if key not in seen:
            seen.add(key)
            distinct.append(Path(f))
    return distinct[:limit] if limit else distinct
