"""A corpus of hostile inputs for the decoders and every entry point (``benchmarks/fuzz_inputs.py``, the fuzz tests).

:func:`hostile_inputs` yields :class:`HostileInput` items, deterministic for a seed:

- fixed cases: header lies (4 GB of data, 0 Hz, 1 Hz, 10 MHz, 0 or 255 channels, 0-, 7- or 64-bit samples), float
  samples with NaN, ±inf, 1e30 and denormals, non-music signals (silence, DC, a click, tones, white noise), 0.2 s and
  1 s durations, an MP3 that is mostly junk, valid files under wrong extensions, and filesystem oddities (empty
  files, a folder named ``.wav``, symlink loops, broken links, FIFOs, an unreadable file, non-UTF-8 and newline
  names);
- then, up to ``n``, mutations of short excerpts of real music (the shared GTZAN clips when present, else the
  package's synthesized example clips) re-encoded to every supported format: truncations at each container
  boundary and at random offsets, bit flips and byte runs in the header and the payload.

:func:`materialize` writes one into a folder. Nothing here is dataset audio kept on disk: excerpts are re-encoded
in memory from ``../shared`` at run time.
"""

from __future__ import annotations

import io
import os
import re
import struct
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import soundfile as sf

SR = 22050
EXCERPT_S = 2.0
SHARED_AUDIO = Path(__file__).resolve().parents[1].parent / "shared" / "gtzan" / "audio"

#: Kinds whose content is not music in any useful sense: a confident genre for them is a wrong answer.
NON_MUSIC = frozenset({"silence", "dc", "click", "tone", "noise"})

#: Filesystem entries that are not regular files (``special`` values).
SPECIALS = frozenset({"folder", "symlink-loop", "broken-symlink", "fifo", "unreadable"})


@dataclass(frozen=True)
class HostileInput:
    """One input: a file ``name`` (odd characters allowed) and its bytes, or a ``special`` filesystem entry.

    ``kind`` groups inputs in the report; ``music`` says whether it is intact real music (a right answer is possible).
    """

    name: str | bytes
    kind: str
    data: bytes = b""
    special: str | None = None
    music: bool = False


# --- encoders ----------------------------------------------------------------------------------------------------


def encode_soundfile(y: np.ndarray, sr: int, fmt: str, subtype: str | None = None) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, y, sr, format=fmt, subtype=subtype)
    return buffer.getvalue()


def encode_av(y: np.ndarray, sr: int, container: str, codec: str, rate: int | None = None) -> bytes:
    """Encode mono float ``y`` with FFmpeg (PyAV) into ``container`` with ``codec``, resampled to ``rate``."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate or sr)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(y.astype(np.float32)[None, :], format="flt", layout="mono")
        frame.sample_rate = sr
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate or sr)
        for converted in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(converted):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


#: extension -> encoder of a mono float32 signal at :data:`SR`.
ENCODERS = {
    ".wav": lambda y: encode_soundfile(y, SR, "WAV", "PCM_16"),
    ".flac": lambda y: encode_soundfile(y, SR, "FLAC"),
    ".ogg": lambda y: encode_soundfile(y, SR, "OGG", "VORBIS"),
    ".aiff": lambda y: encode_soundfile(y, SR, "AIFF", "PCM_16"),
    ".au": lambda y: encode_soundfile(y, SR, "AU", "PCM_16"),
    ".mp3": lambda y: encode_av(y, SR, "mp3", "libmp3lame"),
    ".m4a": lambda y: encode_av(y, SR, "ipod", "aac"),
    ".opus": lambda y: encode_av(y, SR, "ogg", "libopus", rate=48000),
}


def wav_header(
    *, rate: int = SR, channels: int = 1, bits: int = 16, fmt_code: int = 1, data_bytes: int | None = None, n: int = 0
) -> bytes:
    """A RIFF/WAVE header that says what it is told to (``data_bytes`` may claim more than follows)."""
    block = channels * max(bits, 8) // 8
    fmt = struct.pack("<HHIIHH", fmt_code, channels, rate, rate * block, block, bits)
    size = n if data_bytes is None else data_bytes
    riff_size = min(36 + size, 0xFFFFFFFF)
    return (
        b"RIFF"
        + struct.pack("<I", riff_size)
        + b"WAVEfmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", size)
    )


def float_wav(y: np.ndarray) -> bytes:
    data = y.astype("<f4").tobytes()
    return wav_header(bits=32, fmt_code=3, n=len(data)) + data


# --- sources --------------------------------------------------------------------------------------------------


def music_excerpts(limit: int = 6) -> list[tuple[str, np.ndarray]]:
    """Up to ``limit`` 2 s excerpts (mono float32, 22050 Hz) of real shared clips, else of the synthesized examples."""
    if SHARED_AUDIO.is_dir():
        wavs = sorted(SHARED_AUDIO.rglob("*.wav"))
        excerpts = []
        for path in wavs[:: max(1, len(wavs) // limit)][:limit]:
            y, sr = sf.read(path, dtype="float32", frames=int(EXCERPT_S * 22050), start=5 * 22050)
            excerpts.append((path.stem, (y if y.ndim == 1 else y.mean(axis=1)).astype(np.float32)))
        return excerpts
    from musicgenre.inference.examples import example_clips

    return [(c.name, c.signal[: int(EXCERPT_S * SR)]) for c in example_clips()[:limit]]


def boundaries(data: bytes, mpeg: bool = False, limit: int = 80) -> list[int]:
    """Offsets where a container's structure changes: chunk/box/page markers and the 4 and 8 bytes after, and with
    ``mpeg`` the frame syncs; at most ``limit``, spread evenly (the header's come first)."""
    markers = (
        rb"RIFF|WAVE|fmt |data|LIST|FORM|AIFF|COMM|SSND|fLaC|OggS|OpusHead|OpusTags|\x01vorbis|\x03vorbis"
        rb"|ID3|ftyp|moov|mdat|\.snd"
    )
    cuts = {0, 1, 2, 3, 4, 8, 12, 16, 20, 24, 36, 40, 44}
    for match in re.finditer(markers, data[:65536]):
        cuts.update({match.start(), match.start() + 4, match.start() + 8})
    if mpeg:
        for match in re.finditer(rb"\xff[\xe0-\xff]", data[:65536]):  # MPEG frame syncs
            cuts.add(match.start())
    cuts = sorted(c for c in cuts if c < len(data))
    return cuts if len(cuts) <= limit else [cuts[int(i)] for i in np.linspace(0, len(cuts) - 1, limit)]


# --- the corpus -------------------------------------------------------------------------------------------------


def fixed_cases(rng: np.random.Generator, long_input: bool) -> Iterator[HostileInput]:
    """The hand-made cases: header lies, bad floats, non-music, durations, junk, wrong extensions, filesystem."""
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(SR) / SR)).astype(np.float32)
    pcm = (tone * 32767).astype("<i2").tobytes()
    for name, header in {
        "claims-4GB": wav_header(data_bytes=0xFFFFFFF0),
        "rate-0Hz": wav_header(rate=0, n=len(pcm)),
        "rate-1Hz": wav_header(rate=1, n=len(pcm)),
        "rate-10MHz": wav_header(rate=10_000_000, n=len(pcm)),
        "channels-0": wav_header(channels=0, n=len(pcm)),
        "channels-255": wav_header(channels=255, n=len(pcm)),
        "bits-0": wav_header(bits=0, n=len(pcm)),
        "bits-7": wav_header(bits=7, n=len(pcm)),
        "bits-64-int": wav_header(bits=64, n=len(pcm)),
        "format-code-unknown": wav_header(fmt_code=0x1234, n=len(pcm)),
        "data-size-0": wav_header(data_bytes=0),
        "data-size-odd": wav_header(data_bytes=len(pcm) - 1),
    }.items():
        yield HostileInput(f"{name}.wav", "header", header + pcm)
    for name, values in {
        "nan": np.full(SR, np.nan),
        "inf": np.full(SR, np.inf),
        "minus-inf": np.full(SR, -np.inf),
        "1e30": np.full(SR, 1e30),
        "tone-with-nan": np.where(np.arange(SR) % 1000 == 0, np.nan, tone),
        "tone-with-inf": np.where(np.arange(SR) % 1000 == 0, np.inf, tone),
        "tone-times-1e30": tone * 1e30,
        "tone-times-4": tone * 4,
        "denormals": np.full(SR, 1e-42),
        "tone-plus-denormals": tone + 1e-42,
    }.items():
        yield HostileInput(f"float-{name}.wav", "float", float_wav(np.asarray(values, np.float32)))
    seconds = 6
    n = seconds * SR
    t = np.arange(n) / SR
    click = np.zeros(n, np.float32)
    click[n // 2] = 0.9
    signals = {
        "silence": ("silence", np.zeros(n, np.float32)),
        "dc-half": ("dc", np.full(n, 0.5, np.float32)),
        "dc-small": ("dc", np.full(n, 0.01, np.float32)),
        "click": ("click", click),
        "tone-55": ("tone", 0.5 * np.sin(2 * np.pi * 55 * t)),
        "tone-440": ("tone", 0.5 * np.sin(2 * np.pi * 440 * t)),
        "tone-1000": ("tone", 0.5 * np.sin(2 * np.pi * 1000 * t)),
        "tone-8000": ("tone", 0.5 * np.sin(2 * np.pi * 8000 * t)),
        "square-220": ("tone", 0.3 * np.sign(np.sin(2 * np.pi * 220 * t))),
        "white-noise": ("noise", 0.3 * rng.standard_normal(n)),
        "white-noise-loud": ("noise", np.clip(rng.standard_normal(n), -1, 1)),
        "uniform-noise": ("noise", rng.uniform(-0.5, 0.5, n)),
    }
    for name, (kind, y) in signals.items():
        yield HostileInput(f"{name}.wav", kind, encode_soundfile(np.asarray(y, np.float32), SR, "WAV", "PCM_16"))
    for seconds_short in (0.2, 1.0):
        short = (0.3 * np.sin(2 * np.pi * 330 * np.arange(int(seconds_short * SR)) / SR)).astype(np.float32)
        for ext in (".wav", ".mp3", ".flac"):
            yield HostileInput(f"short-{seconds_short}s{ext}", "duration", ENCODERS[ext](short))
    if long_input:  # 2 h at 8 kHz, 16-bit: 115 MB
        quiet = (rng.standard_normal(8000 * 60) * 0.05).astype(np.float32)
        block = (np.tile(quiet, 120) * 32767).astype("<i2").tobytes()
        yield HostileInput("two-hours.wav", "duration", wav_header(rate=8000, n=len(block)) + block)
    mp3 = ENCODERS[".mp3"](tone)
    yield HostileInput("mostly-junk.mp3", "junk", b"ID3\x03\x00\x00\x00\x00\x00\x0a" + rng.bytes(200_000) + mp3[:2000])
    yield HostileInput("random-bytes.mp3", "junk", rng.bytes(50_000))
    yield HostileInput("random-bytes.wav", "junk", rng.bytes(50_000))
    yield HostileInput("text.flac", "junk", b"this is not audio\n" * 1000)
    yield HostileInput("html.m4a", "junk", b"<!doctype html><html><body>404</body></html>")
    wav = ENCODERS[".wav"](tone)
    yield HostileInput("wav-named.mp3", "wrong-extension", wav)
    yield HostileInput("flac-named.wav", "wrong-extension", ENCODERS[".flac"](tone))
    yield HostileInput("mp3-named.ogg", "wrong-extension", mp3)
    yield HostileInput("m4a-named.flac", "wrong-extension", ENCODERS[".m4a"](tone))
    yield HostileInput("empty.wav", "empty", b"")
    yield HostileInput("empty.mp3", "empty", b"")
    yield HostileInput("one-byte.flac", "empty", b"\x00")
    for special in sorted(SPECIALS):  # the unreadable one holds a valid WAV (root reads it anyway)
        yield HostileInput(f"{special}.wav", "filesystem", wav if special == "unreadable" else b"", special=special)
    yield HostileInput(b"non-utf8-\xff\xfe.wav", "name", wav)
    yield HostileInput("new\nline.wav", "name", wav)
    yield HostileInput('tab\tand, comma "quote".wav', "name", wav)


def mutations(excerpt: np.ndarray, label: str, rng: np.random.Generator) -> Iterator[HostileInput]:
    """The excerpt intact in every format, then truncated at each boundary, then random damage, round-robin."""
    encoded = {ext: encode(excerpt) for ext, encode in ENCODERS.items()}
    for ext, data in encoded.items():
        yield HostileInput(f"{label}{ext}", "intact", data, music=True)
    for ext, data in encoded.items():
        for cut in boundaries(data, mpeg=ext == ".mp3"):
            yield HostileInput(f"{label}-cut{cut}{ext}", "truncated-boundary", data[:cut])
    while True:
        ext = list(encoded)[rng.integers(len(encoded))]
        data = bytearray(encoded[ext])
        how = rng.integers(5)
        if how == 0:
            cut = int(rng.integers(1, len(data)))
            yield HostileInput(f"{label}-cut{cut}{ext}", "truncated-random", bytes(data[:cut]))
            continue
        region = min(len(data), 256) if how in (1, 3) else len(data)
        if how in (1, 2):  # bit flips in the header (1) or anywhere (2)
            for _ in range(int(rng.choice([1, 8, 64]))):
                i = int(rng.integers(region))
                data[i] ^= 1 << int(rng.integers(8))
            kind = "bitflip-header" if how == 1 else "bitflip-payload"
        else:  # a run of one byte value or random bytes, in the header (3) or anywhere (4)
            length = int(rng.choice([4, 16, 256, 4096]))
            start = int(rng.integers(region))
            run = bytes([int(rng.choice([0x00, 0xFF]))]) * length if rng.random() < 0.5 else rng.bytes(length)
            data[start : start + length] = run[: len(data) - start]
            kind = "byterun-header" if how == 3 else "byterun-payload"
        yield HostileInput(f"{label}-{kind}-{int(rng.integers(1 << 30))}{ext}", kind, bytes(data))


def hostile_inputs(n: int, seed: int = 0, long_input: bool = False) -> Iterator[HostileInput]:
    """``n`` inputs: the fixed cases first, then the excerpts' mutations in turn (deterministic for ``seed``)."""
    rng = np.random.default_rng(seed)
    made = 0
    for item in fixed_cases(rng, long_input):
        if made == n:
            return
        made += 1
        yield item
    streams = [mutations(y, label, np.random.default_rng([seed, i])) for i, (label, y) in enumerate(music_excerpts())]
    while made < n:
        for stream in streams:
            if made == n:
                return
            made += 1
            yield next(stream)


def materialize(item: HostileInput, folder: Path, index: int) -> Path:
    """Write ``item`` into ``folder`` under a unique name (prefixed by ``index``) and return its path."""
    name = item.name if isinstance(item.name, bytes) else item.name.encode()
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), b"%06d-" % index + name)))
    if item.special == "folder":
        path.mkdir()
    elif item.special == "symlink-loop":
        other = path.with_name(path.name + ".loop.wav")
        path.symlink_to(other.name)
        other.symlink_to(path.name)
    elif item.special == "broken-symlink":
        path.symlink_to("missing-target.wav")
    elif item.special == "fifo":
        os.mkfifo(path)
    else:
        path.write_bytes(item.data)
        if item.special == "unreadable":
            path.chmod(0)
    return path


def expected_rows(item: HostileInput) -> int:
    """Result or error rows a batch must give for ``item``: a folder is searched (and this one is empty)."""
    return {"folder": 0, "symlink-loop": 2}.get(item.special or "", 1)


def row_mismatches(items: list[tuple[HostileInput, Path]], counts: Counter) -> dict[str, int]:
    """Inputs whose row count in ``counts`` (file path -> rows) is not :func:`expected_rows`: name -> rows found
    (a link loop's rows are those of both its names)."""
    wrong = {}
    for item, path in items:
        got = counts[str(path)] + (counts[str(path) + ".loop.wav"] if item.special == "symlink-loop" else 0)
        if got != expected_rows(item):
            wrong[os.fsdecode(path.name)] = got
    return wrong
