"""Audio in: decode any common file to a mono float32 signal at a chosen rate."""

from musicgenre.audio.errors import AudioError
from musicgenre.audio.io import (
    AUDIO_EXTENSIONS,
    DEFAULT_SR,
    AudioInfo,
    info,
    is_silent,
    load,
    load_native,
    resample,
)

__all__ = ["AUDIO_EXTENSIONS", "DEFAULT_SR", "AudioError", "AudioInfo", "info", "is_silent", "load", "load_native", "resample"]
