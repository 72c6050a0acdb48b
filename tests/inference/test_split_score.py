"""``musicgenre evaluate``: a model scored on a published GTZAN split from the user's own copy, honestly.

Always run: a GTZAN-shaped folder of generated signals (named as fault-filtered test clips, one corrupt): every
clip found is classified, the corrupt one is a failure, the missing ones are counted; the shipped musicnn head is
replaced by its held-out twin on the test part. With ``../shared``: the real clips of the test part.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from signals import music, write

from musicgenre.datasets.splits import load_split
from musicgenre.inference import load_model
from musicgenre.inference.split_score import HELDOUT_HEAD, held_out, score_split
from musicgenre.interfaces.cli.main import cli
from musicgenre.models.linear_head import LinearHead

TEST = load_split("filtered", "test")
BLUES, METAL, POP = (next(c for c in TEST if c.startswith(genre)) for genre in ("blues", "metal", "pop"))


@pytest.fixture(scope="module")
def gtzan(tmp_path_factory):
    root = tmp_path_factory.mktemp("gtzan") / "genres"
    for clip in (BLUES, METAL):
        folder = root / clip.split(".")[0]
        folder.mkdir(parents=True, exist_ok=True)
        write(folder / f"{clip}.wav", music(6.0))
    (root / "pop").mkdir()
    (root / "pop" / f"{POP}.wav").write_bytes(b"RIFF0000WAVEfmt garbage")  # a listed test clip, corrupt
    return root


def test_the_heldout_head_is_the_shipped_heads_twin():
    heldout = LinearHead.from_json(HELDOUT_HEAD.read_text())
    shipped = load_model("musicnn").head
    assert heldout.genres == shipped.genres and heldout.statistics == shipped.statistics
    assert heldout.coef.shape == shipped.coef.shape and not np.allclose(heldout.coef, shipped.coef)


def test_held_out_swaps_the_head_in_the_default_and_in_musicnn():
    for name in ("musicnn+efficientat", "musicnn"):
        model, note = held_out(load_model(name))
        head = model.musicnn.head if name == "musicnn+efficientat" else model.head
        assert note and "443 training clips" in note
        np.testing.assert_array_equal(head.coef, LinearHead.from_json(HELDOUT_HEAD.read_text()).coef)
    model = load_model("efficientat")
    assert held_out(model) == (model, None)


def test_score_split_on_a_partial_gtzan(gtzan):
    score = score_split(load_model("efficientat"), gtzan)
    assert score.clips == [BLUES, METAL] and len(score.predicted) == 2
    assert [c for c, _ in score.failed] == [POP] and score.listed == 290
    assert len(score.missing) == 287 and score.summary["n_test"] == 2 and score.note is None


def test_evaluate_command(gtzan, tmp_path):
    out = tmp_path / "score.json"
    victim = tmp_path / "victim.conf"
    victim.write_text("a = 1\n")
    out.symlink_to(victim)  # a link planted at -o is replaced, not written through
    result = CliRunner().invoke(cli, ["evaluate", str(gtzan), "--model", "musicnn", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "a = 1\n" and not out.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["score.json", "victim.conf"]
    assert "note: musicnn's head refitted on the 443 training clips only" in result.output
    assert "2 of 290 listed clips scored (287 not found, 1 failed)" in result.output
    assert f"{POP}: " in result.output
    record = json.loads(out.read_text())
    assert record["scored"] == 2 and record["failed"][0]["clip"] == POP


def test_a_model_without_gtzans_genres_is_refused(gtzan):
    result = CliRunner().invoke(cli, ["evaluate", str(gtzan), "--model", "audioset-genres"])
    assert result.exit_code != 0 and "does not answer in GTZAN's ten genres" in result.output


def test_the_real_test_clips_here(shared_audio):
    score = score_split(load_model(), shared_audio)
    assert score.clips == ["blues.00099", "hiphop.00000", "pop.00000"] and not score.failed
    assert score.note and score.summary["n_test"] == 3
