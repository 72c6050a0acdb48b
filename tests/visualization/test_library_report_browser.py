"""The library report of 10,000 tracks opened from disk in headless Chromium: drawn, offline, hover names a file.

Uses the web tests' Chromium through Playwright (their ``browser`` and ``shots`` fixtures); the screenshot goes
to the test's tmp folder, or to ``$MUSICGENRE_SCREENSHOTS`` when set.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from interfaces.web.test_browser import browser, shots  # noqa: F401  (fixtures: the web tests' Chromium)
from visualization.fake_predictions import write_fake_predictions

from musicgenre.visualization.library_report import MAX_STRIPS, write_library_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_ten_thousand_tracks_load_offline_and_hover_names_a_file(browser, shots: Path, tmp_path: Path):  # noqa: F811
    fake = write_fake_predictions(tmp_path / "genres.jsonl", 10_000, "jsonl")
    report = write_library_report(fake.path, tmp_path / "library.html", read_cache=False)
    classified = sum(fake.genres.values())

    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(report.path.as_uri())
    page.wait_for_selector(f"body[data-map-points='{classified}']", timeout=30_000)  # the script drew every point

    assert len(page.query_selector_all("#shares .bar")) == len(fake.genres)
    assert len(page.query_selector_all("tr.disagreement svg.strip")) == MAX_STRIPS
    painted = page.evaluate("""() => {
        const c = document.getElementById('map');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let inked = 0;
        for (let i = 3; i < d.length; i += 4) inked += d[i] > 0;
        return inked / (c.width * c.height);
    }""")
    assert painted > 0.02  # points cover the canvas, not one corner

    canvas = page.query_selector("#map")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    first = page.evaluate("JSON.parse(document.getElementById('map-data').textContent).points[0]")
    scale = box["width"] / 820
    x = box["x"] + (14 + first[0] / 1000 * (820 - 28)) * scale
    y = box["y"] + (560 - 14 - first[1] / 1000 * (560 - 28)) * scale
    page.mouse.move(x, y)
    assert page.is_visible("#map-tip")
    assert re.fullmatch(r"/music/\w+/artist \d+/track \d{5}\.flac — \w+ \d\.\d\d", page.text_content("#map-tip"))

    page.screenshot(path=str(shots / "library-report.png"), full_page=True)
    assert errors == []
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []  # nothing outside the page
    page.close()


def test_the_real_clips_page_shows_its_sections(browser, shots: Path, shared_audio: Path, tmp_path: Path):  # noqa: F811
    from visualization.shared_library import predict_shared_library

    predictions = predict_shared_library(shared_audio, tmp_path, fmt="jsonl")
    report = write_library_report(predictions, tmp_path / "library.html", read_cache=False)
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(report.path.as_uri())
    page.wait_for_selector("body[data-map-points='12']")  # the music: not the tone, not the broken file
    for section in ("#shares", "#confidence", "#not-music", "#failed", "tr.disagreement svg.strip", "#map"):
        assert page.is_visible(section), section
    strip = page.query_selector("tr.disagreement:has-text('classical then metal.flac')")
    assert strip is not None
    runs = [r.get_attribute("data-genre") for r in strip.query_selector_all("rect.run")]
    assert runs[0] == "classical" and runs[-1] == "metal"
    page.screenshot(path=str(shots / "library-report-shared-clips.png"), full_page=True)
    assert errors == []
    page.close()
