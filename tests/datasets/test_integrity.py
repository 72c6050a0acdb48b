"""The integrity report on a synthesized GTZAN-shaped folder with planted faults, and on the real shared clips."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from signals import SR, noise, tone, write

from musicgenre.datasets import GTZAN_CLIP_IDS, check_integrity, find_dataset, load_splits, outside_split
from musicgenre.datasets.integrity import FOLDERS_CHECK, GTZAN_CHECK, IntegrityConfig


def _put(root: Path, name: str, y: np.ndarray, sr: int = SR) -> Path:
    path = root / name.split(".")[0] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return write(path, y, sr)


@pytest.fixture()
def faulty(tmp_path) -> Path:
    """A GTZAN-shaped folder: 30-s clips at 22050 Hz plus one planted fault of each kind."""
    root = tmp_path / "gtzan"
    good = tone(220, 30.0)
    _put(root, "blues.00000.wav", good)
    (root / "blues" / "blues.00001.wav").write_bytes(b"")  # empty file
    (root / "blues" / "blues.00002.wav").write_text("this is a text file, not audio\n")  # text named .wav
    _put(root, "classical.00000.wav", noise(12.0, seed=1))  # wrong length
    _put(root, "classical.00001.wav", good)  # same audio as blues.00000 under another id
    _put(root, "country.00000.wav", tone(330, 30.0, sr=16000), sr=16000)  # another sample rate
    _put(root, "disco.00000.wav", noise(30.0, seed=2))
    _put(root, "disco.00000.au", noise(30.0, seed=2))  # same id, two formats, identical samples
    _put(root, "hiphop.00005.wav", noise(30.0, seed=3))
    _put(root, "hiphop.00005.au", noise(30.0, seed=4))  # same id, two formats, different samples
    _put(root, "jazz.00054.wav", noise(30.03, seed=5))  # the known Kaggle fault, this copy sound
    _put(root, "pop.00015.wav", noise(29.5, seed=6))  # one of the 70 outside the filtered split; 29.5 s is within ± 1 s
    _put(root, "pop.notes.wav", noise(1.0, seed=7))  # misnamed: ignored
    return root


def test_report_on_planted_faults(faulty):
    report = check_integrity(faulty)
    rel = lambda p: Path(p).relative_to(faulty).as_posix()  # noqa: E731
    assert report.kind == "gtzan" and report.config == GTZAN_CHECK
    assert report.n_files == 12 and report.n_clips == 10
    assert report.formats == {".wav": 10, ".au": 2}
    assert len(report.missing) == 990 and "blues.00003" in report.missing and "blues.00000" not in report.missing
    assert {rel(u.path): u.reason for u in report.undecodable} == {
        "blues/blues.00001.wav": "empty file (0 bytes)",
        "blues/blues.00002.wav": report.undecodable[1].reason,
    }
    assert "not a readable audio file" in report.undecodable[1].reason
    assert [(rel(w.path), w.samples) for w in report.wrong_length] == [("classical/classical.00000.wav", 12 * SR)]
    assert [(rel(o.path), o.sample_rate) for o in report.other_rate] == [("country/country.00000.wav", 16000)]
    twins = {t.clip_id: t for t in report.format_twins}
    assert set(twins) == {"disco.00000", "hiphop.00005"}
    assert twins["disco.00000"].identical is True and twins["hiphop.00005"].identical is False
    assert rel(twins["disco.00000"].kept) == "disco/disco.00000.wav"
    assert [s.clip_ids for s in report.same_audio] == [("blues.00000", "classical.00001")]
    assert [rel(p) for p in report.ignored] == ["pop/pop.notes.wav"]
    (jazz,) = report.known_faults
    assert jazz.clip_id == "jazz.00054" and jazz.present and jazz.decodes and "Kaggle" in jazz.fault
    assert jazz.seconds == pytest.approx(30.03, abs=1e-3)
    assert report.outside_filtered == tuple(outside_split("filtered")) and len(report.outside_filtered) == 70
    assert report.outside_filtered_present == ("pop.00015",)
    assert not report.ok and len(report.problems()) == 7


def test_text_and_json_say_the_same(faulty):
    report = check_integrity(faulty)
    text = report.render_text()
    assert "undecodable 2" in text and "blues/blues.00001.wav: empty file (0 bytes)" in text
    assert "length      1 outside 30 s ± 1 s" in text and "classical/classical.00000.wav: 12.00 s" in text
    assert "disco.00000: disco/disco.00000.wav + disco/disco.00000.au: identical samples" in text
    assert "hiphop.00005" in text and "DIFFERENT samples" in text
    assert "blues.00000 = classical.00001" in text
    assert "known fault jazz.00054" in text and "decodes, 30.03 s" in text
    assert "known fault 70 clips left out of the fault-filtered split" in text and "1 of them here: pop.00015" in text
    assert "missing     990 of the 1000 GTZAN clips:" in text
    data = json.loads(report.to_json())
    assert data["ok"] is False and len(data["missing"]) == 990 and len(data["outside_filtered"]) == 70
    assert data["known_faults"][0]["clip_id"] == "jazz.00054"
    assert data["config"]["tolerance_seconds"] == 1.0


def test_undecodable_known_fault_is_called_out(tmp_path):
    root = tmp_path / "Data" / "genres_original"
    _put(root, "jazz.00053.wav", noise(30.0))
    (root / "jazz" / "jazz.00054.wav").write_bytes(
        b"RIFF\x24\x00\x00\x00WAVEjunkjunkjunk"
    )  # broken like the Kaggle copy
    report = check_integrity(tmp_path)
    (jazz,) = report.known_faults
    assert jazz.present and jazz.decodes is False
    assert [Path(u.path).name for u in report.undecodable] == ["jazz.00054.wav"]
    assert "and does NOT decode" in report.render_text()


def test_tolerance_is_configurable(faulty):
    loose = check_integrity(faulty, IntegrityConfig(tolerance_seconds=20.0))
    assert loose.wrong_length == ()
    tight = check_integrity(faulty, IntegrityConfig(tolerance_seconds=0.01))
    assert {Path(w.path).stem for w in tight.wrong_length} == {"classical.00000", "jazz.00054", "pop.00015"}


def test_labelled_folders_report(tmp_path):
    (tmp_path / "dub").mkdir()
    pcm = (tone(300, 3.0) * 32767).astype(
        np.int16
    )  # as integers: libsndfile's wav and flac writers round floats differently
    write(tmp_path / "dub" / "a.wav", pcm)
    write(tmp_path / "dub" / "b.flac", pcm)  # same audio, lossless: identical samples
    (tmp_path / "dub" / "c.mp3").write_bytes(b"ID3 but nothing else")
    report = check_integrity(tmp_path)
    assert report.kind == "folders" and report.config == FOLDERS_CHECK
    assert report.expected_clips is None and report.missing == () and report.known_faults == () and report.splits == ()
    assert report.wrong_length == ()  # no length expected for one's own music
    assert [s.clip_ids for s in report.same_audio] == [("dub/a", "dub/b")]
    assert [Path(u.path).name for u in report.undecodable] == ["c.mp3"]
    assert "length      not checked" in report.render_text()


def test_shared_folder_report(shared_audio, feature_table):
    """The real clips: counts from the folder itself, identical twins checked independently with soundfile."""
    report = check_integrity(shared_audio)
    files = sorted(p for p in shared_audio.rglob("*") if p.is_file())
    by_stem: dict[str, list[Path]] = {}
    for path in files:
        by_stem.setdefault(path.stem, []).append(path)
    assert report.n_files == len(files) and report.n_clips == len(by_stem)
    assert len(report.missing) == len(GTZAN_CLIP_IDS) - len(by_stem)
    assert set(report.missing).isdisjoint(by_stem)
    assert report.undecodable == () and report.wrong_length == () and report.other_rate == ()
    assert report.same_audio == () and report.ignored == ()
    twins = {t.clip_id: t for t in report.format_twins}
    assert set(twins) == {stem for stem, paths in by_stem.items() if len(paths) > 1}
    for stem, twin in twins.items():
        samples = [sf.read(p, dtype="int16")[0] for p in by_stem[stem]]
        assert twin.identical is all(np.array_equal(samples[0], s) for s in samples[1:])
        assert twin.identical  # the README's claim about the shared copies
    filtered = next(m for m in report.splits if m.name == "filtered")
    for part, ids in load_splits("filtered").items():
        assert set(filtered.parts[part]) == set(ids) & set(by_stem)
    # jazz.00054: decodes here and has the length the public table gives, yet stays flagged as the Kaggle fault
    (jazz,) = report.known_faults
    table = pd.read_csv(feature_table, usecols=["filename", "length"]).set_index("filename")["length"]
    assert jazz.present and jazz.decodes is True
    assert (jazz.samples, jazz.sample_rate) == (table["jazz.00054.wav"], 22050)
    assert "jazz.00054" in report.render_text() and "Kaggle" in report.render_text()
    assert len(report.outside_filtered) == 70
    assert report.outside_filtered_present == tuple(c for c in outside_split("filtered") if c in by_stem)
    assert report.problems() == [f"{len(report.missing)} of 1000 clips missing"]


def test_shared_jazz_00054_decodes_at_table_length(shared_audio, feature_table):
    data = find_dataset(shared_audio)
    y, sr = sf.read(data.by_clip_id("jazz.00054").path, dtype="float32")
    assert sr == 22050 and y.ndim == 1 and np.isfinite(y).all() and np.abs(y).max() > 0.1
    assert y.size == 662112 == pd.read_csv(feature_table).set_index("filename").loc["jazz.00054.wav", "length"]


def test_lossy_twin_differs_without_being_a_problem(tmp_path):
    y = noise(30.0, seed=9)
    _put(tmp_path, "metal.00007.wav", y)
    _put(tmp_path, "metal.00007.mp3", y)
    report = check_integrity(tmp_path)
    (twin,) = report.format_twins
    assert twin.identical is False and twin.lossy and Path(twin.kept).suffix == ".wav"
    assert report.problems() == ["999 of 1000 clips missing"]
    assert "samples differ, as expected of a lossy copy" in report.render_text()
