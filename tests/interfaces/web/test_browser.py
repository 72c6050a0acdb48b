"""End to end: ``musicgenre serve`` on a free loopback port, its page driven in headless Chromium (Debian's).

Screenshots go to the test's tmp folder, or to ``$MUSICGENRE_SCREENSHOTS`` when set (to look at them).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest
import signals

from musicgenre.genres import GENRE_COLOURS, GENRES

pytestmark = [pytest.mark.browser, pytest.mark.slow]
expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed").expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MAX_UPLOAD_MB = 4.5  # fractional: the page must show it as it is, not rounded


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(folder: Path, *options: str):
    """``musicgenre serve`` with ``options`` in a subprocess (1 worker process); yields its base URL; stopped at
    the end."""
    port = free_port()
    log = folder / "serve.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "musicgenre.interfaces.cli.main",
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
                "--max-upload-mb",
                str(MAX_UPLOAD_MB),
                "--log-level",
                "warning",
                *options,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"musicgenre serve exited with {process.returncode}:\n{log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"musicgenre serve did not answer within 90 s:\n{log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The default model served."""
    with serving(tmp_path_factory.mktemp("server")) as base:
        yield base


@pytest.fixture(scope="module")
def audioset_server(tmp_path_factory):
    """``serve --model audioset-genres``: AudioSet's 50 music genres, each scored on its own."""
    with serving(tmp_path_factory.mktemp("server"), "--model", "audioset-genres") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright (no browser download)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package (`make browser-deps` does, as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture()
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("MUSICGENRE_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def read_response(conn: socket.socket) -> str:
    """One whole HTTP/1.1 response (headers and its Content-Length body): they may come in separate segments."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")[1:]
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    return (head + b"\r\n\r\n" + body).decode("latin-1")


def open_page(browser, base: str, width: int = 1000, height: int = 1300):
    page = browser.new_page(viewport={"width": width, "height": height})
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(base) or request.url.startswith("data:") else outside.append(request.url)
        ),
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base + "/")
    page.wait_for_selector("body[data-state=ready]")
    # locator assertions, not wait_for_function: the page's CSP forbids the eval a string predicate polls with
    expect(page.locator("#model-name")).not_to_have_text("…")
    return page, outside, errors


def wait_for_result(page, timeout_ms: int = 90_000) -> str:
    page.wait_for_selector("body[data-state=done], body[data-state=error]", timeout=timeout_ms)
    return page.get_attribute("body", "data-state")


def test_pick_a_clip_and_see_genre_chart_timeline_spectrogram(server, browser, shared_audio: Path, shots: Path):
    clip = shared_audio / "classical" / "classical.00000.wav"
    expected = httpx.post(
        f"{server}/api/classify?timeline=true&explain=true", files={"file": (clip.name, clip.read_bytes())}, timeout=60
    ).json()
    page, outside, errors = open_page(browser, server)
    page.set_input_files("#file-input", str(clip))
    assert wait_for_result(page) == "done", page.text_content("#status")

    assert page.text_content("#result-genre") == expected["genre"]
    assert page.text_content("#result-file") == clip.name
    assert page.is_visible("#explanation")  # why this genre, under the result
    assert page.text_content("#explanation-summary") == expected["explanation"]["summary"]
    assert expected["explanation"]["top_tags"][0]["tag"] in page.text_content("#explanation-tags")
    # the default's two networks: musicnn's head is the one explained, then each network's own answer
    assert page.text_content("#explanation-head") == " (musicnn's head)"
    answers = page.query_selector_all("#explanation-networks li")
    assert [a.get_attribute("data-network") for a in answers] == ["musicnn", "efficientat"]
    for answer, network in zip(answers, expected["explanation"]["networks"], strict=True):
        assert answer.text_content().startswith(f"{network['network']}: {network['genre']} ")
    rows = page.query_selector_all("#bars .bar-row")
    assert [r.get_attribute("data-genre") for r in rows] == sorted(GENRES, key=lambda g: -expected["probabilities"][g])
    widths = page.eval_on_selector_all("#bars .bar", "bars => bars.map(b => b.getBoundingClientRect().width)")
    assert widths[0] > 50 and widths == sorted(widths, reverse=True)  # drawn, longest first
    colour = page.eval_on_selector("#bars .bar", "b => getComputedStyle(b).backgroundColor")
    hex_colour = GENRE_COLOURS[expected["genre"]]
    assert colour == "rgb({}, {}, {})".format(*(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)))
    segments = page.query_selector_all("#timeline .segment")
    assert len(segments) == len(expected["timeline"]) == 1  # a 30 s clip is one window
    assert page.text_content("#timeline .segment") == expected["timeline"][0]["genre"]
    # the spectrogram canvas was painted: many distinct colours, not one fill
    distinct = page.evaluate("""() => {
        const c = document.getElementById('spectrogram');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let i = 0; i < d.length; i += 4) seen.add(d[i] << 16 | d[i + 1] << 8 | d[i + 2]);
        return [c.width, c.height, seen.size];
    }""")
    assert distinct[0] > 100 and distinct[1] == 64 and distinct[2] > 50
    assert page.is_visible("#result") and not page.is_visible("#progress-box")
    page.screenshot(path=str(shots / "page-desktop.png"), full_page=True)
    assert outside == [] and errors == []


def test_drop_a_file_at_phone_width(server, browser, tmp_path: Path, shots: Path):
    wav = signals.write(
        tmp_path / "dropped clicks.wav", signals.clicks(128, 40.0) + signals.tone(220.0, 40.0, amplitude=0.2)
    )
    page, outside, errors = open_page(browser, server, width=375, height=1400)
    payload = base64.b64encode(wav.read_bytes()).decode()
    page.evaluate(
        """([name, b64]) => {
        const bytes = Uint8Array.from(atob(b64), ch => ch.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, {type: 'audio/wav'}));
        const zone = document.getElementById('dropzone');
        zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: transfer, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""",
        [wav.name, payload],
    )
    assert wait_for_result(page) == "done", page.text_content("#status")
    assert page.text_content("#result-genre") in GENRES
    assert page.text_content("#result-file") == "dropped clicks.wav"
    assert len(page.query_selector_all("#timeline .segment")) == 2  # 40 s: windows at 0 and 15 s (30 s long)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sticks out sideways
    page.screenshot(path=str(shots / "page-phone.png"), full_page=True)
    assert outside == [] and errors == []


def test_a_file_that_is_not_audio_shows_the_reason(server, browser, tmp_path: Path, shots: Path):
    notes = tmp_path / "notes.mp3"
    notes.write_text("these are not sounds\n" * 50)
    page, _, errors = open_page(browser, server)
    page.set_input_files("#file-input", str(notes))
    assert wait_for_result(page) == "error"
    status = page.text_content("#status")
    assert status.startswith("Could not classify: notes.mp3:"), status
    assert page.is_hidden("#result")
    page.screenshot(path=str(shots / "page-error.png"))
    assert errors == []


def test_a_long_track_timeline_is_readable_on_desktop_and_phone(
    server, browser, shared_audio: Path, tmp_path: Path, shots: Path
):
    from musicgenre import audio

    names = ["classical.00000", "metal.00000", "hiphop.00000", "reggae.00000", "jazz.00000", "pop.00000"]
    parts = [audio.load(shared_audio / n.split(".")[0] / f"{n}.wav", duration=20.0) for n in names]
    track = signals.write(tmp_path / "six genres.flac", np.concatenate(parts))  # 120 s, under the upload limit
    expected = httpx.post(
        f"{server}/api/classify?timeline=true", files={"file": (track.name, track.read_bytes())}, timeout=90
    ).json()
    genres = [w["genre"] for w in expected["timeline"]]
    runs = [g for i, g in enumerate(genres) if i == 0 or genres[i - 1] != g]

    page, outside, errors = open_page(browser, server)
    page.set_input_files("#file-input", str(track))
    assert wait_for_result(page) == "done", page.text_content("#status")
    assert [s.get_attribute("data-genre") for s in page.query_selector_all("#timeline .segment")] == genres
    assert len(page.query_selector_all("#timeline .run-start")) == len(runs)
    legend = {
        li.get_attribute("data-genre"): li.text_content() for li in page.query_selector_all("#timeline-legend li")
    }
    assert set(legend) == set(genres)
    for genre, text in legend.items():
        n = genres.count(genre)
        assert text == f"{genre} ({n} window{'s' if n > 1 else ''})"
    card = httpx.get(f"{server}/api/model").json()
    assert f"one {card['clip_seconds']:g} s window every {card['window_hop_seconds']:g} s" in page.text_content(
        "#timeline-caption"
    )
    labels_js = """() => [...document.querySelectorAll('#timeline .run-start .segment-label')].map(l => ({
        text: l.textContent, width: l.clientWidth, needed: l.scrollWidth,
        shown: getComputedStyle(l).visibility === 'visible'}))"""
    desktop = page.evaluate(labels_js)
    assert [label["text"] for label in desktop] == runs
    assert all(label["shown"] for label in desktop if label["width"] >= 90)  # room for any genre name: shown
    assert all(label["needed"] <= label["width"] + 1 for label in desktop if label["shown"])  # never cut off
    page.screenshot(path=str(shots / "timeline-desktop.png"), full_page=True)

    page.set_viewport_size({"width": 320, "height": 1500})
    page.wait_for_selector("body[data-fitted-width='320']")  # the resize handler has re-fitted the names
    phone = page.evaluate(labels_js)
    assert all(label["needed"] <= label["width"] + 1 for label in phone if label["shown"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    meta = page.text_content("#result-meta")
    assert " %" not in meta  # percentages keep their sign on the same line (no-break space)
    page.screenshot(path=str(shots / "timeline-phone.png"), full_page=True)
    assert outside == [] and errors == []


def test_too_large_is_refused_by_the_page_and_the_server(server, browser, tmp_path: Path, shots: Path):
    big = tmp_path / "big.wav"
    big.write_bytes(b"\0" * (int(MAX_UPLOAD_MB * 1024 * 1024) + 1))
    page, _, _ = open_page(browser, server, width=375, height=700)
    expect(page.locator("#limit-hint")).to_have_text("Up to 4.5\u00a0MB.")
    page.set_input_files("#file-input", str(big))
    expect(page.locator("#status")).to_have_text(
        "big.wav (4.5\u00a0MB) is too large: the server takes files up to 4.5\u00a0MB."
    )
    assert page.is_hidden("#progress-box")  # refused before any upload
    page.screenshot(path=str(shots / "page-too-large-phone.png"))
    # the server answers 413 from the declared length, without waiting for the body
    port = int(server.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            b"POST /api/classify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 1073741824\r\n\r\n--xyz\r\n"
        )
        reply = read_response(conn)
    assert reply.startswith("HTTP/1.1 413"), reply[:200]
    head, _, body = reply.partition("\r\n\r\n")
    assert "application/json" in head.lower()
    detail = json.loads(body)["detail"]
    assert "too large" in detail and "\n" not in detail, detail


#: The labels among ``ls`` whose whole text (set in their font, on one line) is wider than their box.
CUT_LABELS = """ls => ls.filter(l => {
    const probe = document.createElement("span"), style = getComputedStyle(l);
    probe.style.position = "absolute";
    probe.style.visibility = "hidden";
    probe.style.whiteSpace = "nowrap";
    probe.style.font = style.font;
    probe.style.textTransform = style.textTransform;
    probe.textContent = l.textContent;
    document.body.appendChild(probe);
    const wide = probe.getBoundingClientRect().width > l.getBoundingClientRect().width;
    probe.remove();
    return wide;
}).map(l => l.textContent)"""


def test_a_model_of_many_genres_shows_its_most_probable_ones(audioset_server, browser, tmp_path: Path, shots: Path):
    """serve --model audioset-genres: the lead says how the model answers, ten bars of its 50 genres (most probable
    first, each in the colour /api/genres gives it), a caption saying they are scored on their own, the timeline,
    and why there is no explanation."""
    clip = signals.write(tmp_path / "loop.wav", signals.music(40.0))
    expected = httpx.post(
        f"{audioset_server}/api/classify?timeline=true&explain=true",
        files={"file": (clip.name, clip.read_bytes())},
        timeout=60,
    ).json()
    colours = {g["name"]: g["colour"] for g in httpx.get(f"{audioset_server}/api/genres").json()["genres"]}
    page, outside, errors = open_page(browser, audioset_server)
    assert "50 genres" in page.text_content("#lead") and "on its own" in page.text_content("#lead")
    page.set_input_files("#file-input", str(clip))
    assert wait_for_result(page) == "done", page.text_content("#status")
    assert page.text_content("#result-genre") == expected["genre"]
    rows = page.query_selector_all("#bars .bar-row")
    ranked = sorted(expected["probabilities"], key=lambda g: -expected["probabilities"][g])
    assert [r.get_attribute("data-genre") for r in rows] == ranked[:10]
    caption = page.text_content("#bars-caption")
    assert caption.startswith("The 10 most probable of 50 genres") and "each scored on its own" in caption
    painted = page.eval_on_selector_all("#bars .bar", "bars => bars.map(b => getComputedStyle(b).backgroundColor)")
    assert painted == [
        "rgb({}, {}, {})".format(*(int(colours[g][i : i + 2], 16) for i in (1, 3, 5))) for g in ranked[:10]
    ]
    cut = page.eval_on_selector_all("#bars .bar-label", CUT_LABELS)
    assert cut == []  # the long names fit their column at desktop width
    assert len(page.query_selector_all("#timeline .segment")) == len(expected["timeline"]) == 2
    assert page.is_visible("#explanation") and "no linear head" in page.text_content("#explanation-summary")
    assert page.is_hidden("#explanation-networks")
    page.screenshot(path=str(shots / "page-audioset-genres.png"), full_page=True)
    assert outside == [] and errors == []
