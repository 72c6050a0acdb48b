"""``classify(explain=True)``: the tags that pushed a tag model's answer, as exact terms of its linear head.

Always run: a synthesized three-window track (the decomposition sums to the mean of the logits the model used),
a head on own genres, the feature model's one-line refusal, work done once, every output format. With
``../shared``: a real clip, where the logits' difference also gives back the model's own probabilities.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import numpy as np
import pytest
from counting_session import CountingSession
from signals import SR, clicks, tone

from musicgenre.inference import classify, load_model
from musicgenre.inference.explain import Explanation, explain
from musicgenre.inference.model import WindowScores
from musicgenre.inference.output import EXPLAIN_COLUMNS, OutputConfig, Writer, csv_columns, to_record
from musicgenre.inference.tag_model import TagModel
from musicgenre.models.linear_head import LinearHead


@dataclasses.dataclass(frozen=True)
class RecordingModel(TagModel):
    """The shipped tag model, keeping every :class:`WindowScores` it returns (what its head read and gave)."""

    seen: list = dataclasses.field(default_factory=list, compare=False, kw_only=True)

    def score_windows(self, name, read, windows) -> WindowScores:
        scores = super().score_windows(name, read, windows)
        self.seen.append(scores)
        return scores


def recording(model: TagModel, **changes) -> RecordingModel:
    fields = {f.name: getattr(model, f.name) for f in dataclasses.fields(TagModel)}
    return RecordingModel(**{**fields, **changes})


@pytest.fixture(scope="module")
def model() -> TagModel:
    model = load_model("musicnn")
    assert isinstance(model, TagModel)
    return model


@pytest.fixture(scope="module")
def track() -> np.ndarray:
    """60 s of clicks and a tone: three 30 s windows every 15 s."""
    y = clicks(bpm=100.0, seconds=60.0) + tone(196.0, 60.0, amplitude=0.2) + tone(1200.0, 60.0, amplitude=0.05)
    return 0.9 * y / np.abs(y).max()


def assert_exact(explanation: Explanation, scores: WindowScores, head: LinearHead) -> None:
    """The shown contributions plus the bias give the mean of the logits the model used on its windows, for the
    genre and for the rival; and those logits are the ones whose softmax(z / T) the model averaged."""
    used = head.decision(scores.statistics)  # (windows, k): the logits behind each window's probabilities
    np.testing.assert_allclose(
        head.predict_proba(scores.statistics), scores.probabilities, rtol=0, atol=1e-6
    )  # the statistics kept are the ones the probabilities came from
    for parts in (explanation.parts, explanation.rival_parts):
        k = head.genres.index(parts.genre)
        assert len(parts.contributions) == head.n_tags
        total = parts.bias + sum(parts.contributions.values())
        assert total == pytest.approx(used[:, k].mean(), rel=0, abs=1e-9)
        assert parts.logit == pytest.approx(used[:, k].mean(), rel=0, abs=1e-9)
    margin = {t: explanation.parts.contributions[t] - explanation.rival_parts.contributions[t] for t in head_tags()}
    for tag, term in explanation.pushed_for + explanation.pushed_against:
        assert term == pytest.approx(margin[tag], abs=1e-12)
    assert [t for t, _ in explanation.pushed_for] == sorted(
        [t for t, c in margin.items() if c > 0], key=lambda t: -margin[t]
    )[: len(explanation.pushed_for)]


def head_tags() -> tuple[str, ...]:
    from musicgenre.backbones.musicnn.config import MSD_TAGS

    return MSD_TAGS


def test_contributions_sum_to_the_mean_window_logit_on_a_synthesized_track(model, track):
    spy = recording(model)
    p = classify(track, SR, model=spy, explain=True, timeline=True)
    (scores,) = spy.seen
    e = p.explanation
    assert e is not None and p.windows == 3 == e.windows
    assert (e.genre, e.probability) == (p.genre, pytest.approx(p.probability))
    runner_up = p.top(2)[1]
    assert (e.rival, e.rival_probability) == (runner_up[0], pytest.approx(runner_up[1]))
    assert_exact(e, scores, model.head)
    # each window's probabilities in the timeline are softmax(window logit / T)
    logits = model.head.decision(scores.statistics) / model.head.temperature
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    got = np.array([[w.probabilities[g] for g in model.genres] for w in p.timeline])
    np.testing.assert_allclose(got, expected, atol=1e-6)
    # top tags: the mean of the scored patches' tags, most probable first
    assert [t for t, _ in e.top_tags] == [head_tags()[i] for i in np.argsort(-scores.tags, kind="stable")[:5]]
    assert e.summary().startswith(f"{p.genre} {p.probability:.2f}: ")


def test_explaining_runs_the_network_no_more_than_classifying(model, track):
    plain, explained = CountingSession(model.session), CountingSession(model.session)
    a = classify(track, SR, model=dataclasses.replace(model, session=plain))
    b = classify(track, SR, model=dataclasses.replace(model, session=explained), explain=True)
    assert plain.fed == explained.fed == [10, 10]
    assert a.probabilities == b.probabilities and a.explanation is None and b.explanation is not None


def test_a_head_on_own_genres_is_explained_too(model, track):
    """A model trained on a user's own genres (another head on the same 150 statistics) explains in its names."""
    rng = np.random.default_rng(3)
    genres = ("chiptune", "drone", "field recording")
    head = LinearHead(
        model.head.statistics,
        model.head.center,
        model.head.scale,
        rng.normal(size=(3, model.head.n_features)),
        rng.normal(size=3),
        genres,
        temperature=0.8,
    )
    spy = recording(model, head=head, genres=genres)
    p = classify(track, SR, model=spy, explain=True)
    e = p.explanation
    assert e is not None and e.genre == p.genre and {e.genre, e.rival} <= set(genres)
    assert_exact(e, spy.seen[0], head)


def test_the_feature_model_says_it_has_no_tags(track):
    features = load_model("features")
    p = classify(track[: 20 * SR], SR, model=features, explain=True)
    assert p.explanation is None and "explanation" not in p.to_dict()
    reason = features.explain_unavailable
    assert reason and "\n" not in reason and "not tags" in reason
    record = to_record(_result(p), OutputConfig("json", explain=True))
    assert record["explanation"] is None  # the key is there, null: asked for, not available


def test_explain_rejects_wrong_shapes(model):
    with pytest.raises(ValueError, match="tag names"):
        explain(model.head, ("a", "b"), np.zeros((1, 150)), np.zeros(50), np.full(10, 0.1))
    with pytest.raises(ValueError, match="statistics"):
        explain(model.head, head_tags(), np.zeros((0, 150)), np.zeros(50), np.full(10, 0.1))


def test_a_real_clip(model, shared_audio):
    """On a real 30 s clip (one window) the explained logit is the one the model used, and the two logits'
    difference over T gives back the log ratio of the model's own probabilities."""
    spy = recording(model)
    p = classify(shared_audio / "jazz" / "jazz.00054.wav", model=spy, explain=True)
    (scores,) = spy.seen
    e = p.explanation
    assert e is not None and p.windows == 1 and e.genre == p.genre == "jazz"
    assert_exact(e, scores, model.head)
    log_ratio = np.log(p.probabilities[e.genre]) - np.log(p.probabilities[e.rival])
    assert (e.parts.logit - e.rival_parts.logit) / model.head.temperature == pytest.approx(log_ratio, abs=1e-5)
    assert "jazz" in [t for t, _ in e.pushed_for] and e.top_tags[0][0] == "jazz"


# --- output formats ---------------------------------------------------------------------------------------------


def _result(prediction):
    from musicgenre.inference.batch import FileResult

    return FileResult("song.wav", prediction)


@pytest.fixture(scope="module")
def explained(model, track):
    return classify(track, SR, model=model, explain=True, timeline=True)


def _written(prediction, fmt: str, **config) -> str:
    stream = io.StringIO()
    out = OutputConfig(fmt, explain=True, **config)
    writer = Writer(stream, out)
    writer.begin()
    writer.write(to_record(_result(prediction), out))
    writer.end()
    return stream.getvalue()


def test_json_and_jsonl_carry_the_explanation(explained):
    e = explained.explanation
    for fmt in ("json", "jsonl"):
        text = _written(explained, fmt)
        record = json.loads(text)[0] if fmt == "json" else json.loads(text)
        got = record["explanation"]
        assert got["summary"] == e.summary() and got["rival"] == e.rival
        assert [x["tag"] for x in got["for"]] == [t for t, _ in e.pushed_for]
        for key in ("logit", "rival_logit"):  # rounded to 6 decimals: 50 terms sum within 50 * 5e-7
            parts = got[key]
            assert parts["bias"] + sum(parts["contributions"].values()) == pytest.approx(parts["logit"], abs=3e-5)
    assert "explanation" not in json.loads(_written_plain(explained))


def _written_plain(prediction) -> str:
    stream = io.StringIO()
    out = OutputConfig("jsonl")
    Writer(stream, out).write(to_record(_result(prediction), out))
    return stream.getvalue()


def test_csv_has_explanation_columns_on_track_rows(explained):
    rows = list(csv.DictReader(io.StringIO(_written(explained, "csv", timeline=True))))
    assert list(rows[0]) == csv_columns(OutputConfig("csv", timeline=True, explain=True))
    assert set(EXPLAIN_COLUMNS) < set(rows[0]) and list(rows[0])[-1] == "error"
    track = [r for r in rows if r["scope"] == "track"]
    windows = [r for r in rows if r["scope"] == "window"]
    assert len(track) == 1 and len(windows) == 3
    assert all(r[c] == "" for r in windows for c in EXPLAIN_COLUMNS)
    e = explained.explanation
    assert track[0]["explanation"] == e.summary() and track[0]["explain_rival"] == e.rival
    pairs = dict(item.split("=") for item in track[0]["explain_for"].split(";"))
    assert list(pairs) == [t for t, _ in e.pushed_for]
    assert track[0]["top_tags"].split(";")[0].split("=")[0] == e.top_tags[0][0]


def test_table_shows_why_and_tags_under_the_row(explained):
    text = _written(explained, "table")
    lines = text.splitlines()
    assert lines[0].startswith("song.wav")
    assert lines[1] == f"    why:  {explained.explanation.summary()}"
    assert lines[2].startswith("    tags: ")
