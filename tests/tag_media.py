"""Short synthesized files of every tagged format (PyAV encodes them) and hashes of their decoded audio."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import numpy as np

SR = 44100
#: extension -> (container format, codec, sample format)
FORMATS = {
    "mp3": ("mp3", "libmp3lame", "fltp"),
    "flac": ("flac", "flac", "s16"),
    "ogg": ("ogg", "vorbis", "fltp"),
    "opus": ("ogg", "libopus", "flt"),
    "m4a": ("mp4", "aac", "fltp"),
    "wav": ("wav", "pcm_s16le", "s16"),
    "aiff": ("aiff", "pcm_s16be", "s16"),
}


def write_clip(
    path: Path, seconds: float = 1.0, freq: float = 440.0, signal: np.ndarray | None = None, sr: int = SR
) -> Path:
    """A stereo tone (or ``signal``, mono at ``sr`` Hz, as given) at ``path``, encoded by PyAV in the format its
    extension names."""
    container, codec, fmt = FORMATS[path.suffix.lstrip(".")]
    if signal is None:
        rate = 48000 if codec == "libopus" else SR
        t = np.arange(int(seconds * rate)) / rate
        y = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    else:
        rate, y = sr, np.asarray(signal, np.float32)
        if codec == "libopus" and rate not in (8000, 12000, 16000, 24000, 48000):
            import soxr

            y, rate = soxr.resample(y, rate, 48000).astype(np.float32), 48000
    stereo = np.stack([y, y[::-1]])
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="stereo")
        stream.codec_context.options = {"strict": "experimental"}  # FFmpeg's own vorbis encoder
        step = 1024  # frames of one codec block each: FFmpeg's vorbis encoder drops most of one huge frame
        for start in range(0, stereo.shape[1], step):
            part = stereo[:, start : start + step]
            if fmt == "s16":
                data = (part * 32767).astype(np.int16).T.reshape(1, -1)
            elif fmt == "flt":
                data = part.T.reshape(1, -1)
            else:
                data = part
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt, layout="stereo")
            frame.sample_rate, frame.pts = rate, start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def decoded_hash(path: Path) -> str:
    """SHA-256 of every decoded audio frame's samples."""
    digest = hashlib.sha256()
    with av.open(str(path)) as source:
        for frame in source.decode(audio=0):
            digest.update(frame.to_ndarray().tobytes())
    return digest.hexdigest()


def packet_hash(path: Path) -> str:
    """SHA-256 of the raw compressed audio packets (the payload the tags sit around)."""
    digest = hashlib.sha256()
    with av.open(str(path)) as source:
        for packet in source.demux(audio=0):
            if packet.size:
                digest.update(bytes(packet))
    return digest.hexdigest()
