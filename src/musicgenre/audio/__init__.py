"""Audio in: which files to read (files, folders, globs); decoding any of them to mono float32 at a chosen rate."""

from musicgenre.audio.errors import AudioError, FileFailure
from musicgenre.audio.files import file_hash, find_audio_files, find_inputs
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
from musicgenre.audio.remote import is_url, local_copy

__all__ = [
    "AUDIO_EXTENSIONS",
    "DEFAULT_SR",
    "AudioError",
    "AudioInfo",
    "FileFailure",
    "file_hash",
    "find_audio_files",
    "find_inputs",
    "info",
    "is_silent",
    "is_url",
    "limit_range",
    "load",
    "load_native",
    "local_copy",
    "resample",
]
