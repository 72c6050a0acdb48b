"""The library report: its summaries, the PCA map and the self-contained page, on synthesized predictions files."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from visualization.fake_predictions import write_fake_predictions

from musicgenre.inference.library import Library, LibraryTrack, LibraryWindow, read_library
from musicgenre.visualization.library_map import library_map, pca_2d, tag_matrix, unit_square
from musicgenre.visualization.library_report import (
    MAX_LISTED,
    MAX_STRIPS,
    common_prefix,
    library_report_html,
    write_library_report,
)
from musicgenre.visualization.library_summary import (
    confidence_histogram,
    disagreements,
    genre_shares,
    review,
    runs,
)


def assert_self_contained(page: str) -> None:
    assert not re.search(r"(?:src|href)=\"(?!data:|#)", page), "the page links something outside itself"
    assert "http://" not in page and "https://" not in page and "<link" not in page
    assert re.findall(r"<script[^>]*>", page) in ([], ['<script type="application/json" id="map-data">', "<script>"])


def map_json(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, re.S)[1])


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    return write_fake_predictions(tmp_path_factory.mktemp("lib") / "p.jsonl", 400, "jsonl")


def test_summaries_count_what_went_in(fake):
    tracks = read_library(fake.path).tracks
    shares = genre_shares(tracks)
    assert {s.genre: s.count for s in shares} == fake.genres
    assert [s.count for s in shares] == sorted((s.count for s in shares), reverse=True)
    assert sum(s.share for s in shares) == pytest.approx(1.0)
    found = review(tracks)
    assert (len(found.uncertain), len(found.not_music), len(found.failed)) == (
        fake.uncertain,
        fake.not_music,
        fake.failed,
    )
    assert [t.probability for t in found.uncertain] == sorted(t.probability for t in found.uncertain)
    histogram = confidence_histogram(tracks)
    assert sum(histogram.sure) + sum(histogram.uncertain) == sum(fake.genres.values())
    assert sum(histogram.uncertain) == fake.uncertain  # not music (marked uncertain too) is left out
    changing = disagreements(tracks)
    assert len(changing) == fake.changing
    assert [d.agreement for d in changing] == sorted(d.agreement for d in changing)


def test_runs_merge_windows_of_one_genre():
    windows = [LibraryWindow(s, s + 30.0, g) for s, g in [(0, "jazz"), (15, "jazz"), (30, "rock"), (45, "jazz")]]
    track = LibraryTrack("a.flac", "jazz", 0.6, 80.0, windows=tuple(windows))
    assert [(r.genre, r.start_s, r.end_s) for r in runs(track)] == [
        ("jazz", 0.0, 30.0),
        ("rock", 30.0, 45.0),
        ("jazz", 45.0, 80.0),
    ]
    (found,) = disagreements([track])
    assert found.agreement == 0.75


def test_without_the_models_mark_shaky_means_below_one_half():
    tracks = [LibraryTrack(f"{i}.wav", "rock", p) for i, p in enumerate((0.3, 0.9, 0.45))]
    found = review(tracks)
    assert [t.file for t in found.uncertain] == ["0.wav", "2.wav"] and "below 0.5" in found.rule


def test_pca_puts_rank_one_data_on_the_first_axis():
    rng = np.random.default_rng(0)
    direction = np.array([1.0, 2.0, -1.0, 0.5])
    scores = rng.normal(size=30)
    points, explained = pca_2d(scores[:, None] * direction + 3.0)
    assert explained == pytest.approx(1.0)
    assert abs(np.corrcoef(points[:, 0], scores)[0, 1]) == pytest.approx(1.0)
    np.testing.assert_allclose(points[:, 1], 0.0, atol=1e-9)
    scaled = unit_square(points)
    assert scaled.min() >= 0.0 and scaled.max() <= 1.0 and np.ptp(scaled[:, 0]) == pytest.approx(1.0)
    assert pca_2d(np.ones((5, 3)))[1] == 0.0 and pca_2d(np.ones((1, 3)))[0].shape == (1, 2)


def test_tag_matrix_and_the_cache_fallback():
    a = LibraryTrack("a", "jazz", 0.9, top_tags=(("jazz", 0.8), ("piano", 0.5)))
    b = LibraryTrack("b", "rock", 0.9, top_tags=(("rock", 0.7), ("jazz", 0.1)))
    failed = LibraryTrack("c", None, None, error="c: broken")
    matrix, tags, indices = tag_matrix([a, failed, b])
    assert tags == ("jazz", "piano", "rock") and indices == (0, 2)
    np.testing.assert_allclose(matrix, [[0.8, 0.5, 0.0], [0.1, 0.0, 0.7]])
    plain = [LibraryTrack(n, "pop", 0.8) for n in "xyz"]
    assert library_map(plain) is None
    placed = library_map(plain, {0: np.ones(50), 2: np.zeros(50)})
    assert placed is not None and placed.indices == (0, 2) and "embedding cache" in placed.source


def test_page_has_every_section_and_links_nothing(fake, tmp_path):
    report = write_library_report(fake.path, tmp_path / "out" / "library.html", read_cache=False)
    page = report.path.read_text(encoding="utf-8")
    assert report.size == len(page.encode()) and report.tracks == 400
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for section in ("shares-title", "confidence-title", "review-title", "timelines-title", "map-title"):
        assert f'<h2 id="{section}">' in page
    bars = re.findall(r'<g class="bar" data-genre="(\w+)" data-count="(\d+)">', page)
    assert {g: int(n) for g, n in bars} == fake.genres
    assert page.count('<g class="bin">') == 20
    assert f"<summary>Uncertain: {fake.uncertain}</summary>" in page
    assert f"<summary>Not music: {fake.not_music}</summary>" in page
    assert f"<summary>Failed: {fake.failed}</summary>" in page
    assert "cannot decode" in page
    assert page.count('<tr class="disagreement">') == min(fake.changing, MAX_STRIPS)
    data = map_json(page)
    assert len(data["points"]) == len(data["files"]) == sum(fake.genres.values())
    assert data["prefix"] == "/music/" and all(not f.startswith("/") for f in data["files"])
    assert '<p class="note" id="folder">Files under <code>/music/</code></p>' in page
    assert '<td class="file">/music/' not in page  # lists name files after the common folder
    assert all(0 <= x <= 1000 and 0 <= y <= 1000 for x, y, _, _ in data["points"])
    assert_self_contained(page)


def test_long_lists_are_cut_and_the_page_stays_light(tmp_path):
    fake = write_fake_predictions(tmp_path / "p.csv", 3000, "csv", seed=1)
    report = write_library_report(fake.path, tmp_path / "library.html", read_cache=False)
    page = report.path.read_text(encoding="utf-8")
    assert fake.uncertain > MAX_LISTED and fake.changing > MAX_STRIPS
    assert f"… and {fake.uncertain - MAX_LISTED} more" in page
    assert f"… and {fake.changing - MAX_STRIPS} more." in page
    assert page.count('<tr class="disagreement">') == MAX_STRIPS
    assert report.size < 120 * 3000  # the map's data is most of it: well under the predictions file
    assert report.size < fake.path.stat().st_size / 10


def test_without_timeline_or_tags_each_section_says_how_to_get_it(tmp_path):
    fake = write_fake_predictions(tmp_path / "p.jsonl", 30, "jsonl", timeline=False, explain=False)
    page = library_report_html(read_library(fake.path))
    assert "musicgenre predict --timeline -o FILE" in page and 'id="no-timeline"' in page
    assert "musicgenre predict --explain -o FILE" in page and "musicgenre embed" in page
    assert "<canvas" not in page
    assert_self_contained(page)


def test_names_are_escaped_everywhere(tmp_path):
    evil = "</script><script>alert(1)</script>.mp3"
    tracks = (
        LibraryTrack(evil, "jazz", 0.3, uncertain=True, top_tags=(("jazz", 0.5),)),
        LibraryTrack("b.mp3", "rock", 0.9, uncertain=False, top_tags=(("rock", 0.5),)),
        LibraryTrack("<b>.wav", None, None, error="<b>.wav: <bad> data"),
    )
    page = library_report_html(Library(tmp_path / "p.jsonl", "jsonl", tracks, False, True), library_map(tracks))
    assert "alert(1)" in page and "<script>alert" not in page and "<b>.wav" not in page
    assert "&lt;bad&gt; data" in page
    assert map_json(page)["files"][0] == evil  # the data survives, as data
    assert_self_contained(page)


def test_an_empty_file_makes_a_page(tmp_path):
    empty = tmp_path / "p.csv"
    empty.write_text("file,scope,start_s,end_s,genre,probability,uncertain,not_music,error\n")
    page = library_report_html(read_library(empty))
    assert "No classified tracks." in page and "<b>0</b>tracks" in page


def test_common_prefix_is_a_folder():
    assert common_prefix(["/m/a/x.mp3", "/m/ab/y.mp3"]) == "/m/"
    assert common_prefix(["x.mp3", "y.mp3"]) == "" and common_prefix(["/m/x.mp3"]) == ""


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_name_that_is_not_utf8_is_shown_not_fatal(tmp_path, fmt):
    """predict writes such a name escaped in JSON and as its bytes in CSV; the page shows a replacement."""
    name = "/m/caf\udce9.mp3"
    if fmt == "jsonl":
        text = f'{{"file": {json.dumps(name)}, "genre": "jazz", "probability": 0.9, "error": null}}\n'
    else:
        text = f"file,scope,start_s,end_s,genre,probability,uncertain,not_music,error\n{name},track,0,30,jazz,0.9,,,\n"
    predictions = tmp_path / f"p.{fmt}"
    predictions.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    report = write_library_report(predictions, tmp_path / "r.html", read_cache=False)
    page = report.path.read_bytes().decode("utf-8")  # valid UTF-8
    assert report.tracks == 1 and "<b>1</b>classified" in page
