"""Audio in: which files to read (files, folders, globs); decoding any of them to mono float32 at a chosen rate."""

from musicgenre.audio.errors import AudioError
from musicgenre.audio.files import file_hash, find_audio_files
from musicgenre.audio.io import (
    AUDIO_EXTENSIONS,
    DEFAULT_SR,
    AudioInfo,
    info,
    is_silent,
    limit_range,
    load,
    load_native,
    resample,
)

__all__ = [
    "AUDIO_EXTENSIONS",
    "DEFAULT_SR",
    "AudioError",
    "AudioInfo",
    "file_hash",
    "find_audio_files",
    "info",
    "is_silent",
    "limit_range",
    "load",
    "load_native",
    "resample",
]
