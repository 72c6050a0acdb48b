"""A music library a test makes: three "genres" of synthesized sound, MP3, FLAC and M4A files tagged in several
spellings by three artists each, a genre too small to learn, and one untagged file of each genre."""

from __future__ import annotations

from pathlib import Path

import mutagen
import numpy as np
from signals import SR, clicks, tone
from tag_media import write_clip

SECONDS = 6.0
FORMATS = ("mp3", "flac", "m4a")


def beat(variant: int) -> np.ndarray:
    """Clicks at 84-100 bpm over a low note that changes every half second."""
    pulse = (np.arange(int(SECONDS * SR)) // (SR // 2) % 2).astype(np.float32)
    bass = tone(55.0 + 3 * variant, SECONDS, amplitude=0.2) + pulse * tone(82.0 + 2 * variant, SECONDS, amplitude=0.15)
    return clicks(bpm=84.0 + 2 * variant, seconds=SECONDS) + bass


def drone(variant: int) -> np.ndarray:
    """A high two-note chord with a slow tremolo (it changes, so it is not a steady tone)."""
    t = np.arange(int(SECONDS * SR)) / SR
    tremolo = (0.6 + 0.4 * np.sin(2 * np.pi * (1.5 + 0.1 * variant) * t)).astype(np.float32)
    return tremolo * (
        tone(880.0 + 20 * variant, SECONDS, amplitude=0.2) + tone(1320.0 + 30 * variant, SECONDS, amplitude=0.1)
    )


def chip(variant: int) -> np.ndarray:
    """A square-wave arpeggio: four notes in turn, eight a second."""
    t = np.arange(int(SECONDS * SR)) / SR
    notes = (262.0 + 8 * variant) * np.array([1.0, 1.25, 1.5, 2.0])
    phase = 2 * np.pi * np.cumsum(notes[(t * 8).astype(int) % 4]) / SR
    return (0.2 * np.sign(np.sin(phase))).astype(np.float32)


SOUNDS = {"beat": beat, "drone": drone, "chip": chip}
#: genre -> the spellings its files carry, in turn
SPELLINGS = {"beat": ("Hip Hop", "Hip-Hop", "hip-hop"), "drone": ("Ambient", "ambient"), "chip": ("Chiptune",)}


def tag(path: Path, genre: str | None, artist: str | None) -> Path:
    """Set the file's genre and artist with mutagen's easy interface (ID3, Vorbis comments, MP4 atoms)."""
    audio = mutagen.File(path, easy=True)
    if audio.tags is None:
        audio.add_tags()
    if genre:
        audio["genre"] = genre
    if artist:
        audio["artist"] = artist
    audio.save()
    return path


def make_library(root: Path) -> Path:
    """3 genres x 3 artists x 2 tracks (tagged, spellings and formats in turn), 2 tracks of a genre too small to
    learn (Polka, one artist), and one untagged track of each genre (``untagged-<sound>.<ext>``) in ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    n = 0
    for genre, make in SOUNDS.items():
        for artist in range(3):
            for track in range(2):
                variant = 2 * artist + track
                path = root / f"{genre}-{artist}-{track}.{FORMATS[n % 3]}"
                write_clip(path, signal=make(variant), sr=SR)
                tag(path, SPELLINGS[genre][n % len(SPELLINGS[genre])], f"{genre} artist {artist}")
                n += 1
        write_clip(root / f"untagged-{genre}.{FORMATS[n % 3]}", signal=make(7), sr=SR)
        n += 1
    for track in range(2):
        tag(write_clip(root / f"polka-{track}.mp3", signal=beat(track), sr=SR), "Polka", "Yankovic")
    return root
