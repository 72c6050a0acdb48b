"""Reading musicnn taggram files: the published ones (skipped without ../shared) and malformed ones."""

from __future__ import annotations

import numpy as np
import pytest
from taggram_files import write_taggram_file

from musicgenre.datasets.splits import load_split
from musicgenre.datasets.taggrams import load_taggram_dir, read_taggram_file
from musicgenre.genres import GENRES


def test_published_taggrams_are_the_fault_filtered_train_and_test_clips(shared_taggrams):
    tg = load_taggram_dir(shared_taggrams)
    train, test = load_split("filtered", "train"), load_split("filtered", "test")
    assert tg.clip_ids.tolist()[:443] == sorted(train, key=tg.clip_ids.tolist().index)
    assert set(tg.clip_ids.tolist()) == set(train) | set(test) and len(tg) == 733
    assert tg.frames.shape == (20542, 50) and tg.frames.dtype == np.float32
    assert 0.0 <= tg.frames.min() and tg.frames.max() <= 1.0
    per_clip = np.bincount(tg.clip)
    assert per_clip.min() >= 28 and per_clip.max() <= 29
    assert (np.diff(tg.clip) >= 0).all()  # each clip's frames together, clips in file order
    assert [c.split(".")[0] for c in tg.clip_ids] == [GENRES[i] for i in tg.y]


def test_frames_are_grouped_by_clip_in_time_order(tmp_path):
    path = tmp_path / "t.npz"
    x = np.arange(5 * 50, dtype=np.float32).reshape(5, 50)
    ids = np.array(
        ["rock/rock.00001.au", "jazz/jazz.00002.au", "rock/rock.00001.au", "jazz/jazz.00002.au", "rock/rock.00001.au"]
    )
    y = np.array([9, 5, 9, 5, 9], np.int64)
    np.savez(path, X=x, Y=y, IDS=ids)
    tg = read_taggram_file(path)
    assert tg.clip_ids.tolist() == ["rock.00001", "jazz.00002"] and tg.y.tolist() == [9, 5]
    assert tg.clip.tolist() == [0, 0, 0, 1, 1]
    assert tg.frames[:, 0].tolist() == [0, 100, 200, 50, 150]


def test_malformed_files_are_refused_in_one_line(tmp_path):
    write_taggram_file(tmp_path / "ok.npz", ["blues.00001", "rock.00002"])
    ok = dict(np.load(tmp_path / "ok.npz"))
    cases = {
        "missing": ({k: v for k, v in ok.items() if k != "Y"}, "missing Y"),
        "wrong_genre": ({**ok, "Y": np.where(ok["Y"] == 0, 1, ok["Y"])}, "disagrees"),
        "pickled": ({**ok, "IDS": ok["IDS"].astype(object)}, "cannot read"),
    }
    for name, (arrays, message) in cases.items():
        np.savez(tmp_path / f"{name}.npz", **arrays)
        with pytest.raises(ValueError, match=message) as error:
            read_taggram_file(tmp_path / f"{name}.npz")
        assert str(tmp_path / f"{name}.npz") in str(error.value) and "\n" not in str(error.value)
    (tmp_path / "text.npz").write_text("not a zip")
    with pytest.raises(ValueError, match="cannot read"):
        read_taggram_file(tmp_path / "text.npz")
    with pytest.raises(ValueError, match="no training_data"):
        load_taggram_dir(tmp_path)
