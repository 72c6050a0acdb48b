"""The musicnn model (``load_model("musicnn")``, the default before the fused one): musicnn tags -> a genre head,
analysed once per track, every window read from its patches.

Always run: the contract, the card, how windows map to patches, work done once, short input, the uncertain mark.
With ``../shared``: real clips through our decoder agree with the head on the published taggram frames.
"""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import onnx
import pytest
from counting_session import CountingSession
from signals import SR, clicks, tone, write

from musicgenre.genres import GENRES
from musicgenre.inference import SHIPPED_MODELS, classify, load_model
from musicgenre.inference.tag_model import TagModel
from musicgenre.models.windows import Window

MUSICNN_PATH = SHIPPED_MODELS["musicnn"]


@pytest.fixture(scope="module")
def model() -> TagModel:
    model = load_model("musicnn")
    assert isinstance(model, TagModel)
    return model


def test_musicnn_is_the_musicnn_graph(model):
    assert isinstance(model, TagModel)
    assert model.path == str(MUSICNN_PATH) and model.genres == GENRES
    assert model.sample_rate == 16000 and model.clip_seconds == 30.0 and model.recipe_name == "musicnn-msd-logmel"
    assert model.head.statistics == ("mean", "max", "std") and len(model.feature_names) == 150
    graph = onnx.load(MUSICNN_PATH).graph
    assert [i.name for i in graph.input] == ["patches", "windows"]
    assert [o.name for o in graph.output] == ["probabilities", "taggram"]
    assert MUSICNN_PATH.stat().st_size < 5_000_000
    assert 0 < model.uncertain_below < 1 and model.head.temperature > 0


def test_card_describes_this_file(model):
    facts = model.card()
    assert facts["sha256"] == hashlib.sha256(MUSICNN_PATH.read_bytes()).hexdigest()
    row = facts["fault_filtered"]
    assert row["n_test"] == 290 and row["ci_low"] < row["accuracy"] < row["ci_high"]
    assert facts["shipped"]["temperature"] == pytest.approx(model.head.temperature)
    assert facts["shipped"]["uncertain_threshold"] == pytest.approx(model.uncertain_below)
    markdown = MUSICNN_PATH.with_name("MODEL_CARD.md").read_text()
    assert f"**{100 * row['accuracy']:.1f} %**" in markdown and facts["sha256"] in markdown
    assert MUSICNN_PATH.with_name("reliability.png").is_file()


def test_windows_read_the_patches_centred_in_them(model):
    centres = model.patch_centres(20)  # 3 s patches (187 frames of 16 ms): centres 1.496 s, 4.488 s, ...
    assert centres[:2] == pytest.approx([1.496, 4.488])
    assert model.window_patches(centres, Window(0.0, 30.0)).tolist() == list(range(10))
    assert model.window_patches(centres, Window(15.0, 45.0)).tolist() == list(range(5, 15))
    assert model.window_patches(centres[:1], Window(0.0, 1.2)).tolist() == [0]  # none centred in it: the nearest


def test_the_track_is_analysed_once(model):
    """60 s -> three windows sharing patches; the network sees each of the 20 patches once, in batches of 10,
    and each window's probabilities are the head's on its own patches' tags."""
    y = clicks(bpm=100.0, seconds=60.0) + tone(196.0, 60.0, amplitude=0.2)
    y = 0.9 * y / np.abs(y).max()  # within full scale: beyond it classify would clip, the reference below not
    counting = CountingSession(model.session)
    spy = dataclasses.replace(model, session=counting)
    p = classify(y, SR, timeline=True, model=spy)
    assert counting.fed == [10, 10]
    assert [(w.start_s, w.end_s) for w in p.timeline] == [(0.0, 30.0), (15.0, 45.0), (30.0, 60.0)]
    from musicgenre.audio import resample
    from musicgenre.backbones.musicnn.preprocess import patches_from_signal

    patches = patches_from_signal(resample(y, SR, 16000))
    taggram = model.taggram(patches)
    for window in p.timeline:
        rows = model.window_patches(model.patch_centres(len(taggram)), Window(window.start_s, window.end_s))
        # the graph's own head on the same patches agrees with the numpy head the engine uses
        (graph,) = model.session.run(
            ["probabilities"],
            {"patches": np.ascontiguousarray(patches[rows]), "windows": np.ones((1, len(rows)), np.float32)},
        )
        got = np.array([window.probabilities[g] for g in GENRES])
        np.testing.assert_allclose(got, model.head.window_proba(taggram[rows])[0], atol=1e-6)
        np.testing.assert_allclose(got, graph[0], atol=1e-5)
    track = np.mean([[w.probabilities[g] for g in GENRES] for w in p.timeline], axis=0)
    np.testing.assert_allclose([p.probabilities[g] for g in GENRES], track / track.sum(), atol=1e-6)


def test_short_file_and_uncertain_mark(model, tmp_path):
    path = write(tmp_path / "short.wav", tone(330.0, 2.0, amplitude=0.3) + clicks(bpm=140.0, seconds=2.0))
    p = classify(path, timeline=True, model=model)
    assert p.windows == 1 and p.timeline[0].end_s == pytest.approx(2.0, abs=1e-3)  # one repeat-padded patch
    assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert p.uncertain is (p.probability < model.uncertain_below) and p.to_dict()["uncertain"] is p.uncertain


def test_features_model_has_no_uncertain_mark():
    p = classify(tone(220.0, 5.0), SR, model=load_model("features"))
    assert p.uncertain is None and p.to_dict()["uncertain"] is None


# --- real clips -------------------------------------------------------------------------------------------------

#: Shared clips whose published taggram gives the head a clear answer (top probability >= 0.7 on its frames).
CLEAR = (
    "hiphop/hiphop.00028.wav",
    "jazz/jazz.00054.wav",
    "pop/pop.00000.wav",
    "reggae/reggae.00000.au",
    "reggae/reggae.00014.au",
    "reggae/reggae.00017.au",
    "rock/rock.00000.wav",
    "rock/rock.00016.wav",
)


def test_real_clips_agree_with_the_published_taggrams(model, shared_audio, shared_taggrams):
    """Our decode (soxr), log-mel and graph on non-overlapping patches give the genre the head gives the
    published frames (made by the original musicnn under TensorFlow, patches every 1 s), and close probabilities."""
    from musicgenre.datasets.splits import clip_id
    from musicgenre.datasets.taggrams import load_taggram_dir

    tg = load_taggram_dir(shared_taggrams)
    index = {c: i for i, c in enumerate(tg.clip_ids)}
    for name in CLEAR:
        published = model.head.window_proba(tg.frames[tg.clip == index[clip_id(name)]])[0]
        assert published.max() >= 0.7, name
        p = classify(shared_audio / name, model=model)
        assert p.genre == GENRES[int(published.argmax())], name
        # hop 187 vs 61 and soxr vs kaiser_best move the top probability by up to 0.13 on these clips
        assert abs(p.probability - published.max()) < 0.2, name


def test_blocks_give_the_whole_track_answer(model, tmp_path):
    """A 100 s WAV at 22050 Hz read in blocks of 3 patches (each resampled on its own) gives what one block of the
    whole track gives, and each patch still goes through the network once."""
    y = clicks(bpm=120.0, seconds=100.0) + tone(220.0, 100.0, amplitude=0.2) + tone(3000.0, 100.0, amplitude=0.05)
    path = write(tmp_path / "long.wav", y)
    whole = classify(path, timeline=True, model=dataclasses.replace(model, block_patches=10_000))
    counting = CountingSession(model.session)
    blocks = classify(path, timeline=True, model=dataclasses.replace(model, session=counting, block_patches=3))
    assert sum(counting.fed) == 33 and max(counting.fed) == 3  # 100 s = 33 whole patches of 2.992 s
    assert [(w.start_s, w.end_s) for w in blocks.timeline] == [(w.start_s, w.end_s) for w in whole.timeline]
    for a, b in zip(blocks.timeline, whole.timeline, strict=True):
        # only the resampler's edges differ (soxr on 10 s pieces against the whole signal; 4e-7 measured here)
        np.testing.assert_allclose(
            [a.probabilities[g] for g in GENRES], [b.probabilities[g] for g in GENRES], atol=1e-4
        )


@pytest.mark.parametrize("name", ["musicnn", "features"])
def test_a_header_that_overstates_the_length_is_read_to_the_real_end(name):
    """A damaged header (a bit flip made one MP3 of 2 s claim 61 hours) must not break reading: the read that
    comes back short ends the track (musicnn: the last block; features: the last window, no 14,000 more seeks),
    windows past the decoded end are dropped, and the answer is the honest header's."""
    from musicgenre.models.windows import WindowConfig, plan_windows

    model = load_model(name)
    sr = model.sample_rate
    y = (clicks(100, 70.0, sr=sr) + tone(330.0, 70.0, sr=sr, amplitude=0.2)).astype(np.float32)

    def read(window: Window, last: bool) -> np.ndarray:  # a file that ends at 70 s whatever its header says
        return y[int(round(window.start_s * sr)) : len(y) if last else int(round(window.end_s * sr))]

    config = WindowConfig(window_s=30.0, hop_s=15.0)
    lying = model.score_windows("lying.mp3", read, plan_windows(3600.0, config))
    honest = model.score_windows("honest.mp3", read, plan_windows(70.0, config))
    assert lying.decoded_s == pytest.approx(70.0, abs=0.01) and honest.decoded_s is None
    assert [(w.start_s, w.end_s) for w in lying.windows][:3] == [(w.start_s, w.end_s) for w in honest.windows][:3]
    np.testing.assert_allclose(lying.probabilities.mean(axis=0), honest.probabilities.mean(axis=0), atol=0.02)
