"""Read any common audio file to mono float32 at a chosen sample rate.

libsndfile (via soundfile) reads wav/au/flac/ogg/opus/aiff and can seek, so a window of a long file costs
only that window; PyAV (FFmpeg) reads the compressed formats (mp3, m4a/aac, …: :data:`FFMPEG_FIRST`) and
whatever libsndfile cannot. A file that neither reads gets one reason, from the decoder its extension calls
for, in words (:func:`_reason`). Float samples beyond full scale are clipped to [-1, 1], as playback would;
samples more than :data:`MAX_PEAK` (24 dB over full scale) are refused as not audio at any usual level.
Resampling is soxr's high-quality mode, the same that librosa uses by default.
"""

from __future__ import annotations

import errno
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
    {
        ".wav",
        ".au",
        ".snd",
        ".flac",
        ".ogg",
        ".oga",
        ".opus",
        ".mp3",
        ".m4a",
        ".aac",
        ".mp4",
        ".aif",
        ".aiff",
        ".wma",
        ".webm",
    }
)


#: Extensions read by FFmpeg first: compressed formats (libsndfile's MP3 path prints libmpg123's notes to stderr).
FFMPEG_FIRST = frozenset({".mp3", ".m4a", ".aac", ".mp4", ".wma", ".webm"})

#: Largest sample magnitude accepted (24 dB over full scale); between 1 and this, samples are clipped to [-1, 1].
MAX_PEAK = 16.0

#: Sample rates (Hz) a file may declare. Below, a header is lying or the "audio" holds nothing audible (1 Hz data
#: would be resampled 16000-fold); above, no converter or interface records.
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 1000, 768000


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds, read from its header without decoding it."""

    path: str
    sample_rate: int  # Hz, as stored
    channels: int
    duration: float  # seconds
    format: str


def _check_file(path: Path) -> None:
    """Refuse what is not a readable regular file before any decoder opens it (a FIFO would block the open)."""
    if not path.exists():
        if path.is_symlink():
            raise AudioError(path, "a symbolic link loop" if _is_link_loop(path) else "a broken symbolic link")
        raise AudioError(path, "no such file")
    if path.is_dir():
        raise AudioError(path, "is a folder, not an audio file")
    if not path.is_file():
        raise AudioError(path, "not a regular file (a pipe, socket or device): only files are read")
    if path.stat().st_size == 0:
        raise AudioError(path, "empty file (0 bytes)")


def _is_link_loop(path: Path) -> bool:
    try:
        path.stat()
    except OSError as error:
        return error.errno == errno.ELOOP
    return False


def _check_sample_rate(path: Path, sample_rate: int) -> None:
    if not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
        raise AudioError(
            path, f"sample rate of {sample_rate} Hz: audio is stored at {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz"
        )


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
            chunk_id, chunk_size = (
                head[position : position + 4],
                struct.unpack("<I", head[position + 4 : position + 8])[0],
            )
            if chunk_id == b"data":
                if chunk_size not in (0, 0xFFFFFFFF):  # 0 / -1: streamed, length unknown
                    declared = (position + 8, chunk_size)
                break
            position += 8 + chunk_size + (chunk_size & 1)
    if declared and declared[0] + declared[1] > size:
        raise AudioError(
            path,
            f"truncated: the header promises {declared[1]} bytes of samples, "
            f"the file holds {max(size - declared[0], 0)}",
        )


def info(path: str | Path) -> AudioInfo:
    """Sample rate, channels and duration of ``path`` (raises :class:`AudioError`)."""
    path = Path(path)
    _check_file(path)
    _check_not_truncated(path)
    found = _first_that_reads(path, _sf_info, _av_info)
    _check_sample_rate(path, found.sample_rate)
    return found


def _sf_info(path: Path) -> AudioInfo:
    with sf.SoundFile(path) as f:
        return AudioInfo(str(path), f.samplerate, f.channels, f.frames / f.samplerate, f.format)


def _first_that_reads(path: Path, with_sndfile, with_ffmpeg):
    """``with_ffmpeg(path)`` for :data:`FFMPEG_FIRST` extensions; else ``with_sndfile(path)``, falling back to
    FFmpeg (formats libsndfile lacks, wrong extensions). On failure one :class:`AudioError` with the first
    decoder's reason."""
    # FFmpeg probes content, so it also reads a wrong extension; libsndfile would only add libmpg123's notes
    readers = (with_ffmpeg,) if path.suffix.lower() in FFMPEG_FIRST else (with_sndfile, with_ffmpeg)
    first_error = None
    for reader in readers:
        try:
            return reader(path)
        except AudioError:
            raise
        except Exception as error:
            first_error = first_error or error
    raise AudioError(path, f"not a readable audio file ({_reason(first_error, path)})") from None


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
    y, native_sr = _first_that_reads(
        path, lambda p: _load_soundfile(p, offset, duration), lambda p: _load_av(p, offset, duration)
    )
    _check_sample_rate(path, native_sr)
    if y.size == 0:
        if offset > 0:
            raise AudioError(path, f"no audio after {offset:.2f} s")
        raise AudioError(path, "no audio samples in the file")
    return limit_range(y, path), native_sr


def limit_range(y: np.ndarray, name: str | Path) -> np.ndarray:
    """``y`` with samples beyond full scale clipped to [-1, 1]; raises :class:`AudioError` naming ``name`` for
    NaN or infinite samples, or samples over :data:`MAX_PEAK` (not audio at any usual level)."""
    if not np.all(np.isfinite(y)):
        raise AudioError(name, "the signal holds NaN or infinite samples")
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak > MAX_PEAK:
        raise AudioError(
            name,
            f"sample values reach {peak:.3g}, {20 * np.log10(peak):.0f} dB above full scale: "
            f"not audio at any usual level (up to {20 * np.log10(MAX_PEAK):.0f} dB over is clipped)",
        )
    return np.clip(y, -1.0, 1.0) if peak > 1.0 else y


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample a mono signal with soxr (high quality); a no-op when the rates agree."""
    if orig_sr == target_sr:
        return np.ascontiguousarray(y, dtype=np.float32)
    return soxr.resample(y, orig_sr, target_sr, quality="HQ").astype(np.float32, copy=False)


#: Decoder messages that mislead once the file is known to exist and be regular -> what they mean here.
_REASONS = {
    "does not exist or is not a regular file": "not a recognised audio format",
    "format not recognised": "not a recognised audio format",
    "invalid data found when processing input": "no valid audio data found: corrupt, or not audio",
    "avcodec_send_packet": "no valid audio data found: corrupt, or not audio",
    # libsndfile's own words
    "unimplemented format": "an encoding no decoder here reads, or a damaged header",
    "malformed": "a damaged header: the format is known, the file is malformed",
    "no 'data' chunk": "no sample data: the WAV file has no 'data' chunk",
    "channel count is zero": "the header declares 0 channels",
    "too many channels": "the header declares more channels than a decoder reads",
    "lost sync": "corrupt data: the decoder lost sync",
    "flac decoder": "corrupt FLAC data",
    "internal error": "corrupt: the decoder could not make sense of it",
    "psf_fseek": "corrupt: the decoder could not make sense of it",
}


def _reason(error: Exception | None, path: Path) -> str:
    """A decoder's message in a few words: plain words for the common ones, else the message without its
    ``[Errno N]`` code and the path (the error names it first)."""
    text = " ".join(str(error).split()) or type(error).__name__
    for clue, meaning in _REASONS.items():
        if clue in text.lower():
            return meaning
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
    return np.ascontiguousarray(
        channels_by_samples.mean(axis=0, dtype=np.float32)
        if channels_by_samples.shape[0] > 1
        else channels_by_samples[0],
        dtype=np.float32,
    )


def _open_av(path: Path):
    import av

    container = av.open(str(path), metadata_errors="ignore")
    streams = [s for s in container.streams if s.type == "audio"]
    if not streams:
        container.close()
        raise AudioError(path, "no audio stream in the file")
    return container, streams[0]


def _av_info(path: Path) -> AudioInfo:
    container, stream = _open_av(path)
    with container:
        if stream.duration is not None and stream.time_base is not None:
            seconds = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            seconds = container.duration / 1_000_000
        else:
            seconds = float("nan")
        channels = getattr(stream, "channels", None) or stream.codec_context.channels
        return AudioInfo(
            str(path),
            int(stream.rate or stream.codec_context.sample_rate),
            int(channels),
            seconds,
            container.format.name,
        )


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
            container.seek(
                int((offset - _AV_PREROLL_S) / stream.time_base), stream=stream, backward=True, any_frame=False
            )
        chunks: list[np.ndarray] = []
        position = None  # index, in native samples, of the next decoded sample
        have = 0
        for frame in container.decode(stream):
            _check_frame(path, frame)
            data = frame.to_ndarray()
            if not frame.format.is_planar:
                data = data.reshape(-1, frame.layout.nb_channels).T
            mono = _to_mono(_as_float(data))
            if position is None:
                position = int(round(float(frame.pts * frame.time_base) * native_sr)) if frame.pts is not None else 0
            frame_start, position = position, position + mono.size
            if position <= start:
                continue
            mono = mono[max(start - frame_start, 0) :]
            chunks.append(mono)
            have += mono.size
            if wanted is not None and have >= wanted:
                break
        y = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return (y[:wanted] if wanted is not None else y), native_sr


def _check_frame(path: Path, frame) -> None:
    """Refuse a decoded frame whose planes do not match its channel layout before reading it: a damaged header
    (an AAC claiming 38 channels, decoded into 42 planes) makes PyAV's ``to_ndarray`` read freed memory and crash."""
    channels = frame.layout.nb_channels
    planes = frame.planes
    expected_planes = channels if frame.format.is_planar else 1
    per_plane = frame.samples * frame.format.bytes * (1 if frame.format.is_planar else channels)
    if channels < 1 or len(planes) != expected_planes or any(plane.buffer_size < per_plane for plane in planes):
        raise AudioError(
            path, f"a damaged stream: the decoder gave {channels} channels in {len(planes)} planes (corrupt header)"
        )


def _as_float(data: np.ndarray) -> np.ndarray:
    """PCM integers to float in [-1, 1), as libsndfile does."""
    if np.issubdtype(data.dtype, np.integer):
        return data.astype(np.float32) / float(2 ** (8 * data.dtype.itemsize - 1))
    return data.astype(np.float32, copy=False)


def is_silent(y: np.ndarray, threshold_db: float = -70.0) -> bool:
    """True when the signal, less its mean (a constant offset is inaudible), peaks below ``threshold_db`` dBFS:
    no music to classify (see :func:`_signal_peak`)."""
    return _signal_peak(y) <= 10 ** (threshold_db / 20)


#: Samples :func:`_signal_peak` passes over at either end: resampling a signal with an offset rings there (soxr:
#: under 7 ms for any input rate down to 8 kHz; 400 samples are 18-25 ms at the models' 16 and 22.05 kHz).
EDGE_SAMPLES = 400


def _signal_peak(y: np.ndarray) -> float:
    """Peak magnitude of ``y`` around its mean (a DC offset is not sound), leaving out :data:`EDGE_SAMPLES` (at
    most a tenth of ``y``) at either end, where a resampled offset rings."""
    y = np.asarray(y)
    edge = min(EDGE_SAMPLES, y.size // 10)
    core = y[edge : y.size - edge]
    return float(np.max(np.abs(core - core.mean(dtype=np.float64)))) if core.size else 0.0
