"""One's own collection: one folder per label, audio anywhere inside it."""

from __future__ import annotations

from musicgenre.datasets import find_dataset, load_folders


def test_labels_are_folder_names_and_subfolders_count(tmp_path, clip):
    clip(tmp_path / "ambient" / "a.flac")
    clip(tmp_path / "ambient" / "live" / "b.ogg")
    clip(tmp_path / "jungle" / "c.mp3")
    (tmp_path / "jungle" / "cover.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("no audio here")
    clip(tmp_path / "loose.wav")  # no label
    data = load_folders(tmp_path)
    assert data.classes == ("ambient", "jungle")
    assert data.clip_ids.tolist() == ["ambient/a", "ambient/live/b", "jungle/c"]
    assert data.labels.tolist() == ["ambient", "ambient", "jungle"]
    assert data.label_indices.tolist() == [0, 0, 1]
    assert [p.name for p in data.ignored] == ["loose.wav"]
    assert find_dataset(tmp_path) == data


def test_same_song_in_two_formats_counts_once(tmp_path, clip):
    clip(tmp_path / "dub" / "x.mp3")
    clip(tmp_path / "dub" / "x.flac")
    clip(tmp_path / "dub" / "y.mp3")
    data = load_folders(tmp_path)
    assert [t.path.name for t in data] == ["x.flac", "y.mp3"]
    assert [t.path.name for t in data.set_aside] == ["x.mp3"]


def test_extension_case_and_hidden_folders(tmp_path, clip):
    clip(tmp_path / "funk" / "A.WAV".lower()).rename(tmp_path / "funk" / "A.WAV")
    clip(tmp_path / ".cache" / "z.wav")
    data = load_folders(tmp_path)
    assert data.clip_ids.tolist() == ["funk/A"] and data.classes == ("funk",)
