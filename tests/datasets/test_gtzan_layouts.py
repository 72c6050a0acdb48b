"""Finding GTZAN in both layouts, or as the folder of genre folders, and de-duplicating clip ids."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from musicgenre.datasets import DatasetError, find_dataset, load_folders, load_gtzan, locate_gtzan
from musicgenre.genres import GENRES

IDS = ["blues.00000", "blues.00001", "jazz.00054", "rock.00099"]


def test_original_layout(tmp_path, gtzan_tree):
    gtzan_tree(tmp_path / "genres", IDS, ".au")
    (tmp_path / "genres" / "bextract_single.mf").write_text("not audio, ignored silently")
    data = load_gtzan(tmp_path)
    assert data.kind == "gtzan" and data.root == tmp_path / "genres"
    assert data.clip_ids.tolist() == IDS
    assert data.labels.tolist() == ["blues", "blues", "jazz", "rock"]
    assert data.classes == GENRES
    assert data.label_indices.tolist() == [0, 0, 5, 9]
    assert all(p.suffix == ".au" and p.is_file() for p in data.paths)


def test_kaggle_layout_found_from_above(tmp_path, gtzan_tree):
    base = tmp_path / "archive" / "Data" / "genres_original"
    gtzan_tree(base, IDS, ".wav")
    (tmp_path / "archive" / "Data" / "images_original" / "blues").mkdir(parents=True)
    (tmp_path / "archive" / "Data" / "features_30_sec.csv").write_text("filename,label\n")
    assert locate_gtzan(tmp_path / "archive") == base
    assert locate_gtzan(tmp_path) == base  # three folders down
    data = find_dataset(tmp_path)
    assert data.kind == "gtzan" and len(data) == 4
    assert data.by_clip_id("jazz.00054").path == base / "jazz" / "jazz.00054.wav"


def test_folder_of_genre_folders_and_deduplication(tmp_path, gtzan_tree):
    gtzan_tree(tmp_path, IDS, ".wav")
    gtzan_tree(tmp_path, ["blues.00000", "rock.00099"], ".au")  # same ids again, other format
    data = find_dataset(tmp_path)
    assert data.root == tmp_path and len(data) == 4
    assert [t.path.suffix for t in data] == [".wav"] * 4  # .wav wins
    assert sorted(t.clip_id for t in data.set_aside) == ["blues.00000", "rock.00099"]
    assert {t.path.suffix for t in data.set_aside} == {".au"}


def test_au_wins_over_mp3(tmp_path, clip):
    clip(tmp_path / "pop" / "pop.00003.mp3", 0.5)
    clip(tmp_path / "pop" / "pop.00003.au", 0.5)
    data = load_gtzan(tmp_path)
    assert [t.path.name for t in data] == ["pop.00003.au"]
    assert [t.path.name for t in data.set_aside] == ["pop.00003.mp3"]


def test_misnamed_and_hidden_files_are_ignored_not_lost(tmp_path, clip, gtzan_tree):
    gtzan_tree(tmp_path, ["disco.00002"])
    clip(tmp_path / "disco" / "my mix.wav")
    clip(tmp_path / "disco" / "rock.00001.wav")  # right pattern, wrong folder
    clip(tmp_path / "disco" / "._disco.00003.wav")
    data = load_gtzan(tmp_path)
    assert data.clip_ids.tolist() == ["disco.00002"]
    assert sorted(p.name for p in data.ignored) == ["._disco.00003.wav", "my mix.wav", "rock.00001.wav"]


def test_labelled_folders_are_not_mistaken_for_gtzan(tmp_path, clip):
    clip(tmp_path / "rock" / "song.wav")  # a genre name, but not GTZAN file names
    clip(tmp_path / "techno" / "a.flac")
    assert locate_gtzan(tmp_path) is None
    data = find_dataset(tmp_path)
    assert data.kind == "folders" and data.classes == ("rock", "techno")


def test_gtzan_beside_other_audio_folders_is_not_gtzan(tmp_path, clip, gtzan_tree):
    gtzan_tree(tmp_path, ["blues.00000"])
    clip(tmp_path / "my_own" / "x.wav")
    assert locate_gtzan(tmp_path) is None


def test_no_dataset_is_one_clear_line(tmp_path, clip, gtzan_tree):
    with pytest.raises(DatasetError) as missing:
        find_dataset(tmp_path / "nowhere")
    assert str(missing.value) == f"{tmp_path / 'nowhere'}: no such folder"
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no audio files in label folders"):
        find_dataset(tmp_path / "empty")
    with pytest.raises(DatasetError, match="no GTZAN genre folders"):
        load_gtzan(tmp_path / "empty")
    with pytest.raises(DatasetError, match="2 audio files lie directly in it"):
        find_dataset(
            gtzan_tree(tmp_path / "g", ["jazz.00001", "jazz.00002"]) / "jazz"
        )  # one genre folder, not the root
    with pytest.raises(DatasetError, match="is a file"):
        find_dataset(clip(tmp_path / "a.wav"))


def test_dataset_helpers(tmp_path, gtzan_tree):
    data = load_gtzan(gtzan_tree(tmp_path, IDS))
    part = data.subset(["rock.00099", "nope.00001", "blues.00000"])
    assert part.clip_ids.tolist() == ["rock.00099", "blues.00000"]  # the order asked for
    assert data.missing(["rock.00099", "nope.00001"]) == ["nope.00001"]
    assert data.take(np.array([2, 0])).clip_ids.tolist() == ["jazz.00054", "blues.00000"]
    assert "jazz.00054" in data and "jazz.00055" not in data
    assert data.counts()["blues"] == 2 and data.counts()["metal"] == 0
    with pytest.raises(KeyError, match="jazz.00055"):
        data.by_clip_id("jazz.00055")


def test_shared_folder(shared_audio):
    """The real shared clips: one track per distinct id, every file accounted for."""
    data = find_dataset(shared_audio)
    files = sorted(p for p in shared_audio.rglob("*") if p.is_file())
    stems = {p.stem for p in files}
    assert data.kind == "gtzan" and data.root == shared_audio
    assert len(data) == len(stems) and len(data) + len(data.set_aside) == len(files)
    assert set(data.clip_ids.tolist()) == stems
    assert data.ignored == ()
    for track in data:
        assert track.path.parent.name == track.label == track.clip_id.split(".")[0]
    for aside in data.set_aside:  # every set-aside file has a kept twin whose samples are identical
        kept = data.by_clip_id(aside.clip_id)
        assert kept.path.suffix == ".wav" and aside.path.suffix == ".au"
        np.testing.assert_array_equal(sf.read(kept.path)[0], sf.read(aside.path)[0])


def test_load_folders_on_gtzan_still_works(tmp_path, gtzan_tree):
    """GTZAN is also a labelled-folder collection: same labels, ids carry the folder."""
    gtzan_tree(tmp_path, IDS)
    data = load_folders(tmp_path)
    assert data.kind == "folders"
    assert data.clip_ids.tolist() == ["blues/blues.00000", "blues/blues.00001", "jazz/jazz.00054", "rock/rock.00099"]
