"""The web package's small parts: filename cleaning, size checks, the worker's error mapping, the mel picture."""

from __future__ import annotations

import numpy as np
import pytest
import signals

from musicgenre.interfaces.web import analysis
from musicgenre.interfaces.web.analysis import AnalysisJob, AnalyzerFailed, UnreadableAudio
from musicgenre.interfaces.web.settings import MULTIPART_OVERHEAD_BYTES, WebSettings
from musicgenre.interfaces.web.spectrogram import mel_image
from musicgenre.interfaces.web.uploads import UploadError, check_content_length, display_name, safe_suffix


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("song.wav", "song.wav"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Music\\track 01.mp3", "track 01.mp3"),
        ("bell\x07\x00name.wav", "bellname.wav"),
        ("\u202eevil.wav", "evil.wav"),  # right-to-left override is a format character: dropped
        ("  spaced \t out .flac", "spaced out .flac"),
        ("..", "upload"),
        ("", "upload"),
        (None, "upload"),
    ],
)
def test_display_name(raw, shown):
    assert display_name(raw) == shown


def test_display_name_is_short_and_keeps_the_extension():
    name = display_name("x" * 500 + ".wav")
    assert len(name) <= 120 and name.endswith(".wav")


@pytest.mark.parametrize(
    "name, suffix",
    [("a.WAV", ".wav"), ("a.mp3", ".mp3"), ("a.exe", ".bin"), ("noext", ".bin"), ("a.wav/../../x", ".bin")],
)
def test_safe_suffix(name, suffix):
    assert safe_suffix(name) == suffix


def test_content_length_check():
    check_content_length(None, 100)
    check_content_length(str(100 + MULTIPART_OVERHEAD_BYTES), 100)
    with pytest.raises(UploadError) as refused:
        check_content_length(str(101 + MULTIPART_OVERHEAD_BYTES), 100)
    assert refused.value.status_code == 413
    with pytest.raises(UploadError) as bad:
        check_content_length("lots", 100)
    assert bad.value.status_code == 422


def test_settings_refuse_nonsense():
    for bad in ({"workers": 0}, {"max_upload_bytes": 0}, {"pool": "gpu"}, {"time_limit_s": 0}, {"max_pending": 0}):
        with pytest.raises(ValueError):
            WebSettings(**bad)
    assert WebSettings().host == "127.0.0.1"


def test_audio_errors_name_only_the_display_name(tmp_path):
    path = tmp_path / "upload-abc123.wav"
    path.write_bytes(b"not audio" * 100)
    with pytest.raises(UnreadableAudio) as error:
        analysis.analyze(AnalysisJob(str(path), "mine.wav"))
    assert str(error.value).startswith("mine.wav: ")
    assert str(tmp_path) not in str(error.value) and "upload-abc123" not in str(error.value)


def test_faults_of_ours_are_not_blamed_on_the_file(tmp_path, monkeypatch):
    path = signals.write(tmp_path / "upload-x.wav", signals.noise(3.0))

    def broken(*args, **kwargs):
        raise RuntimeError(f"bug while reading {path}")

    monkeypatch.setattr("musicgenre.inference.classify", broken)
    with pytest.raises(AnalyzerFailed) as error:
        analysis.analyze(AnalysisJob(str(path), "mine.wav"))
    assert "internal error" in str(error.value) and "RuntimeError" in str(error.value)
    assert str(tmp_path) not in str(error.value)


def test_mel_image_of_a_long_file_is_bounded(tmp_path):
    seconds = 95.0
    path = signals.write(
        tmp_path / "long.wav", signals.tone(300.0, seconds) * 0.5 + signals.noise(seconds, amplitude=0.01)
    )
    image = mel_image(path, seconds, max_columns=200)
    assert image.values.shape[0] == 64 and 150 <= image.values.shape[1] <= 200
    assert image.values.shape[1] * image.seconds_per_column == pytest.approx(seconds, abs=image.seconds_per_column)
    # a steady tone: every column alike, also across the 30 s chunk seams (no gaps or doubled frames)
    columns = image.values[:, 2:-2].astype(int)
    assert np.abs(columns - np.median(columns, axis=1, keepdims=True)).max() <= 12
