"""Read any common audio file to mono float32 at a chosen sample rate.

libsndfile (via soundfile) reads wav/au/flac/ogg/opus/mp3 and can seek, so a window of a
long file costs only that window; PyAV (FFmpeg) takes what libsndfile cannot (m4a/aac, …).
Resampling is soxr's high-quality mode, the same that librosa uses by default.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from musicgenre.audio.errors import AudioError

#: Sample rate of GTZAN and of the models trained on it (Hz).
DEFAULT_SR = 22050

#: Extensions the folder scanners treat as audio.
AUDIO_EXTENSIONS = frozenset(
    {".wav", ".au", ".snd", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".mp4", ".aif", ".aiff", ".wma", ".webm"}
)


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds, read from its header without decoding it."""

    path: str
    sample_rate: int  # Hz, as stored
    channels: int
    duration: float  # seconds
    format: str


def _check_file(path: Path) -> None:
    if not path.exists():
        raise AudioError(path, "no such file")
    if path.is_dir():
        raise AudioError(path, "is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(path, "empty file (0 bytes)")


def _check_not_truncated(path: Path) -> None:
    """Raise when a WAV or AU header promises more sample bytes than the file holds.

    libsndfile quietly shortens such files (an interrupted download or copy); we call them broken.
    """
    with open(path, "rb") as f:
        head = f.read(65536)
    size = path.stat().st_size
    declared = None  # (offset of the sample data, its length in bytes)
    if head[:4] == b".snd" and len(head) >= 12:
        data_offset, data_size = struct.unpack(">II", head[4:12])
        if data_size != 0xFFFFFFFF:
            declared = (data_offset, data_size)
    elif head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        position = 12
        while position + 8 <= len(head):
            chunk_id, chunk_size = head[position:position + 4], struct.unpack("<I", head[position + 4:position + 8])[0]
            if chunk_id == b"data":
                if chunk_size not in (0, 0xFFFFFFFF):  # 0 / -1: streamed, length unknown
                    declared = (position + 8, chunk_size)
                break
            position += 8 + chunk_size + (chunk_size & 1)
    if declared and declared[0] + declared[1] > size:
        raise AudioError(path, f"truncated: the header promises {declared[1]} bytes of samples, the file holds {max(size - declared[0], 0)}")


def info(path: str | Path) -> AudioInfo:
    """Sample rate, channels and duration of ``path`` (raises :class:`AudioError`)."""
    path = Path(path)
    _check_file(path)
    _check_not_truncated(path)
    try:
        with sf.SoundFile(path) as f:
            return AudioInfo(str(path), f.samplerate, f.channels, f.frames / f.samplerate, f.format)
    except AudioError:
        raise
    except Exception:
        pass
    return _av_info(path)


def load(
    path: str | Path,
    sr: int | None = DEFAULT_SR,
    offset: float = 0.0,
    duration: float | None = None,
) -> np.ndarray:
    """Decode ``path`` to a mono float32 signal, shape ``(n_samples,)``, at ``sr`` Hz.

    ``offset`` and ``duration`` (seconds) select a window; only that window is decoded.
    ``sr=None`` keeps the file's own rate. Raises :class:`AudioError` naming the file and the reason.
    """
    y, native_sr = load_native(path, offset=offset, duration=duration)
    return resample(y, native_sr, sr) if sr else y


def load_native(path: str | Path, offset: float = 0.0, duration: float | None = None) -> tuple[np.ndarray, int]:
    """Like :func:`load` at the file's own rate; returns ``(signal, sample_rate)``."""
    path = Path(path)
    _check_file(path)
    if offset < 0 or (duration is not None and duration <= 0):
        raise ValueError(f"offset must be >= 0 and duration > 0 (got {offset}, {duration})")
    _check_not_truncated(path)
    try:
        y, native_sr = _load_soundfile(path, offset, duration)
    except AudioError:
        raise
    except Exception as sf_error:  # libsndfile cannot read it: try FFmpeg
        try:
            y, native_sr = _load_av(path, offset, duration)
        except AudioError:
            raise
        except Exception as av_error:
            raise AudioError(path, f"not a readable audio file ({_short(sf_error, path)}; {_short(av_error, path)})") from None
    if y.size == 0:
        if offset > 0:
            raise AudioError(path, f"no audio after {offset:.2f} s")
        raise AudioError(path, "no audio samples in the file")
    if not np.all(np.isfinite(y)):
        raise AudioError(path, "the decoded signal holds NaN or infinite samples")
    return y, native_sr


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample a mono signal with soxr (high quality); a no-op when the rates agree."""
    if orig_sr == target_sr:
        return np.ascontiguousarray(y, dtype=np.float32)
    return soxr.resample(y, orig_sr, target_sr, quality="HQ").astype(np.float32, copy=False)


def _short(error: Exception, path: Path) -> str:
    """A decoder's message in a few words: without its ``[Errno N]`` code and the path (the error names it first)."""
    text = " ".join(str(error).split()) or type(error).__name__
    for quoted in (f": '{path}'", f" '{path}'", f": {path}", f" {path}", str(path)):
        text = text.replace(quoted, "")
    return re.sub(r"\[Errno -?\d+\]\s*", "", text).strip(" :")[:160]


def _load_soundfile(path: Path, offset: float, duration: float | None) -> tuple[np.ndarray, int]:
    with sf.SoundFile(path) as f:
        start = int(round(offset * f.samplerate))
        if start >= f.frames > 0:
            return np.zeros(0, np.float32), f.samplerate
        if start:
            f.seek(start)
        frames = -1 if duration is None else int(round(duration * f.samplerate))
        data = f.read(frames=frames, dtype="float32", always_2d=True)
        return _to_mono(data.T), f.samplerate


def _to_mono(channels_by_samples: np.ndarray) -> np.ndarray:
    """Average channels, shape ``(channels, n) -> (n,)``, as librosa does."""
    return np.ascontiguousarray(channels_by_samples.mean(axis=0, dtype=np.float32) if channels_by_samples.shape[0] > 1 else channels_by_samples[0], dtype=np.float32)


def _open_av(path: Path):
    import av

    container = av.open(str(path), metadata_errors="ignore")
    streams = [s for s in container.streams if s.type == "audio"]
    if not streams:
        container.close()
        raise AudioError(path, "no audio stream in the file")
    return container, streams[0]


def _av_info(path: Path) -> AudioInfo:
    try:
        container, stream = _open_av(path)
    except AudioError:
        raise
    except Exception as error:
        raise AudioError(path, f"not a readable audio file ({_short(error, path)})") from None
    with container:
        if stream.duration is not None and stream.time_base is not None:
            seconds = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            seconds = container.duration / 1_000_000
        else:
            seconds = float("nan")
        channels = getattr(stream, "channels", None) or stream.codec_context.channels
        return AudioInfo(str(path), int(stream.rate or stream.codec_context.sample_rate), int(channels), seconds, container.format.name)


#: Seconds decoded and thrown away before a window, so that codecs with overlapping frames are warmed up.
_AV_PREROLL_S = 1.0


def _load_av(path: Path, offset: float, duration: float | None) -> tuple[np.ndarray, int]:
    container, stream = _open_av(path)
    with container:
        native_sr = int(stream.rate or stream.codec_context.sample_rate)
        start = int(round(offset * native_sr))
        wanted = None if duration is None else int(round(duration * native_sr))
        if offset > _AV_PREROLL_S:
            # Jump a little before the window so lossy decoders (AAC, MP3) settle; the exact start is cut below.
            container.seek(int((offset - _AV_PREROLL_S) / stream.time_base), stream=stream, backward=True, any_frame=False)
        chunks: list[np.ndarray] = []
        position = None  # index, in native samples, of the next decoded sample
        have = 0
        for frame in container.decode(stream):
            data = frame.to_ndarray()
            if not frame.format.is_planar:
                data = data.reshape(-1, frame.layout.nb_channels).T
            mono = _to_mono(_as_float(data))
            if position is None:
                position = int(round(float(frame.pts * frame.time_base) * native_sr)) if frame.pts is not None else 0
            frame_start, position = position, position + mono.size
            if position <= start:
                continue
            mono = mono[max(start - frame_start, 0):]
            chunks.append(mono)
            have += mono.size
            if wanted is not None and have >= wanted:
                break
        y = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return (y[:wanted] if wanted is not None else y), native_sr


def _as_float(data: np.ndarray) -> np.ndarray:
    """PCM integers to float in [-1, 1), as libsndfile does."""
    if np.issubdtype(data.dtype, np.integer):
        return data.astype(np.float32) / float(2 ** (8 * data.dtype.itemsize - 1))
    return data.astype(np.float32, copy=False)


def is_silent(y: np.ndarray, threshold_db: float = -70.0) -> bool:
    """True when the signal's peak is below ``threshold_db`` dBFS (no music to classify)."""
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    return peak <= 10 ** (threshold_db / 20)
