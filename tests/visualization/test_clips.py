"""Choosing one example per genre from a folder; bad folders and files give one clear line."""

from __future__ import annotations

import pytest

from musicgenre.audio import AudioError
from musicgenre.datasets import DatasetError
from musicgenre.visualization.clips import genre_examples, load_clip


def test_one_example_per_genre_in_genre_order(tone_folder):
    clips = genre_examples(tone_folder, duration=1.0)
    assert [c.genre for c in clips] == ["blues", "classical", "country", "disco"]
    assert [c.name for c in clips] == ["blues.00000.wav", "classical.00000.wav", "country.00000.wav", "disco.00000.wav"]
    assert all(c.duration_s == pytest.approx(1.0) for c in clips)


def test_an_undecodable_file_is_skipped_with_one_line(tmp_path):
    import signals

    (tmp_path / "rock").mkdir()
    (tmp_path / "rock" / "rock.00000.wav").write_bytes(b"RIFF not really a wave file" * 10)
    signals.write(tmp_path / "rock" / "rock.00001.wav", signals.tone(330.0, 1.0))
    warnings: list[str] = []
    clips = genre_examples(tmp_path, warn=warnings.append)
    assert [c.name for c in clips] == ["rock.00001.wav"]
    assert len(warnings) == 1 and "rock.00000.wav" in warnings[0] and "\n" not in warnings[0]


def test_missing_folder_and_file_raise_one_line_naming_them(tmp_path):
    with pytest.raises(DatasetError, match="nowhere: no such folder"):
        genre_examples(tmp_path / "nowhere")
    with pytest.raises(AudioError) as error:
        load_clip(tmp_path / "absent.wav")
    assert str(error.value) == f"{tmp_path / 'absent.wav'}: no such file"


def test_genre_comes_from_the_parent_folder(tone_folder):
    assert load_clip(tone_folder / "disco" / "disco.00001.wav").genre == "disco"
