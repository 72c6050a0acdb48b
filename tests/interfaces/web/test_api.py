"""The JSON API through the ASGI test client, with the real shipped model.

Every request's temporary file must be gone when the answer arrives (checked after each test).
"""

from __future__ import annotations

import asyncio
import base64
import io
import re
import threading
from pathlib import Path

import librosa
import numpy as np
import pytest
import signals

import musicgenre
from musicgenre.backbones.efficientat.vocabulary import MUSIC_GENRES
from musicgenre.genres import GENRE_COLOURS, GENRES
from musicgenre.inference import DEFAULT_MODEL, MODEL_NAMES, classify, load_model

#: Where test clients send requests: a loopback Host, as a browser on this machine sends.
LOOPBACK = "http://localhost"

LIMIT = 3 * 1024 * 1024  # the `client` fixture's upload limit


@pytest.fixture(autouse=True)
def no_files_left(upload_dir):
    yield
    assert list(upload_dir.iterdir()) == [], "a temporary upload was left behind"


def wav_bytes(y: np.ndarray, sr: int = signals.SR, fmt: str = "WAV") -> bytes:
    buffer = io.BytesIO()
    import soundfile as sf

    sf.write(buffer, y, sr, format=fmt)
    return buffer.getvalue()


def post(client, data: bytes, name: str = "clip.wav", query: str = "", field: str = "file"):
    return client.post(f"/api/classify{query}", files={field: (name, data, "application/octet-stream")})


def check_error(response, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail
    for word in words:
        assert word in detail, detail
    return detail


# --- happy paths ---------------------------------------------------------------------------------------


def test_real_clip_matches_classify(client, shared_audio: Path, upload_dir):
    path = shared_audio / "metal" / "metal.00000.wav"
    response = post(client, path.read_bytes(), name=path.name, query="?timeline=true&top=4")
    assert response.status_code == 200, response.text
    body = response.json()
    expected = classify(path, timeline=True)
    assert body["file"] == "metal.00000.wav"
    assert body["genre"] == expected.genre
    assert body["duration_s"] == pytest.approx(expected.duration_s, abs=1e-3)
    assert list(body["probabilities"]) == list(GENRES)
    for genre, p in expected.probabilities.items():
        assert body["probabilities"][genre] == pytest.approx(p, abs=1e-5)
    assert sum(body["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
    assert [t["genre"] for t in body["top"]] == [g for g, _ in expected.top(4)]
    assert len(body["timeline"]) == len(expected.timeline) == body["windows"]
    assert body["spectrogram"] is None  # only when asked
    assert body["model"]["name"] == DEFAULT_MODEL == "musicnn+efficientat"  # the default: both networks' rate
    assert body["model"]["sample_rate"] == 32000 and body["model"]["clip_seconds"] == 30.0
    assert body["uncertain"] is expected.uncertain and isinstance(body["uncertain"], bool)
    assert str(upload_dir) not in response.text


def test_mp3_upload(client, shared_audio: Path):
    path = shared_audio / "blues" / "blues.00099.mp3"
    response = post(client, path.read_bytes(), name=path.name, query="?top=1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["genre"] == classify(path).genre
    assert len(body["top"]) == 1 and body["top"][0]["genre"] == body["genre"]


def test_synthesized_clip_with_timeline_and_spectrogram(client):
    seconds = 50.0
    y = signals.clicks(120, seconds) + signals.tone(2000.0, seconds, amplitude=0.3)
    response = post(client, wav_bytes(y), name="tone and clicks.wav", query="?timeline=true&spectrogram=true")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["file"] == "tone and clicks.wav"
    assert body["duration_s"] == pytest.approx(seconds, abs=0.01)
    assert body["genre"] in GENRES
    timeline = body["timeline"]
    assert len(timeline) >= 2 and body["windows"] == len(timeline)
    starts = [w["start_s"] for w in timeline]
    assert starts == sorted(starts) and starts[0] == 0.0
    assert timeline[-1]["end_s"] == pytest.approx(seconds, abs=0.01)
    for window in timeline:
        assert window["genre"] == max(window["probabilities"], key=window["probabilities"].get)
    spec = body["spectrogram"]
    values = np.frombuffer(base64.b64decode(spec["data"]), np.uint8).reshape(spec["n_mels"], spec["n_columns"])
    assert spec["n_columns"] * spec["seconds_per_column"] == pytest.approx(seconds, abs=2 * spec["seconds_per_column"])
    # the 2 kHz tone is the brightest band: band 0 is the lowest, as the page draws it
    centres = librosa.mel_frequencies(spec["n_mels"] + 2, fmin=0.0, fmax=spec["fmax_hz"])[1:-1]
    brightest = int(np.argmax(values.mean(axis=1)))
    assert abs(brightest - int(np.argmin(abs(centres - 2000.0)))) <= 1
    assert values.max() == 255


def test_explain_gives_the_tags_that_pushed_the_answer(client):
    """The default (musicnn+efficientat) explains musicnn's head on musicnn's own answer, and gives each network's
    answer (``networks``, in the response schema): the fused probabilities are their geometric mean."""
    y = signals.clicks(120, 20.0) + signals.tone(440.0, 20.0, amplitude=0.3)
    plain = post(client, wav_bytes(y), query="?top=2").json()
    assert plain["explanation"] is None and plain["explanation_unavailable"] is None
    body = post(client, wav_bytes(y), query="?top=2&explain=true").json()
    e = body["explanation"]
    musicnn, efficientat = e["networks"]
    assert (musicnn["network"], efficientat["network"]) == ("musicnn", "efficientat")
    ranked = sorted(musicnn["probabilities"], key=lambda g: -musicnn["probabilities"][g])
    assert e["genre"] == musicnn["genre"] == ranked[0] and e["rival"] == ranked[1]
    assert e["summary"].startswith(f"{musicnn['genre']} ") and all(t["contribution"] > 0 for t in e["for"])
    assert all(t["contribution"] < 0 for t in e["against"]) and len(e["top_tags"]) == 5
    assert musicnn["top_tags"] == e["top_tags"] and len(efficientat["top_tags"]) == 5
    for key in ("logit", "rival_logit"):  # rounded to 6 decimals: 50 terms sum within 50 * 5e-7
        parts = e[key]
        assert parts["bias"] + sum(parts["contributions"].values()) == pytest.approx(parts["logit"], abs=3e-5)
    # one window: the logits' difference over T is the log ratio of musicnn's probabilities
    log_ratio = np.log(musicnn["probabilities"][e["genre"]] / musicnn["probabilities"][e["rival"]])
    assert (e["logit"]["logit"] - e["rival_logit"]["logit"]) / e["temperature"] == pytest.approx(log_ratio, abs=1e-3)
    fused = np.sqrt([musicnn["probabilities"][g] * efficientat["probabilities"][g] for g in GENRES])
    # from the answers' 6 decimals: a probability near 1e-6 rounded moves its square root's product by ~1e-3
    assert [body["probabilities"][g] for g in GENRES] == pytest.approx((fused / fused.sum()).tolist(), abs=2e-3)
    assert body["uncertain"] is True or musicnn["genre"] == efficientat["genre"]
    schema = client.get("/openapi.json").json()
    assert "explain" in [p["name"] for p in schema["paths"]["/api/classify"]["post"]["parameters"]]


def test_explain_with_a_model_without_tags_says_why(tmp_path):
    from fastapi.testclient import TestClient

    from musicgenre.interfaces.web.app import create_app
    from musicgenre.interfaces.web.engine import PoolAnalyzer
    from musicgenre.interfaces.web.settings import WebSettings

    analyzer = PoolAnalyzer(workers=1, pool="thread", model_path="features")
    app = create_app(WebSettings(tmp_dir=tmp_path, workers=1, pool="thread", model_path="features"), analyzer=analyzer)
    y = signals.clicks(120, 10.0) + signals.tone(440.0, 10.0, amplitude=0.3)
    with TestClient(app, base_url=LOOPBACK) as features_client:
        body = post(features_client, wav_bytes(y), query="?explain=true").json()
    assert body["explanation"] is None and "not tags" in body["explanation_unavailable"]


def test_client_path_is_only_echoed(client, upload_dir):
    y = signals.clicks(100, 4.0) + signals.noise(4.0, amplitude=0.05)
    response = post(client, wav_bytes(y), name="../../../etc/x/../evil.wav")
    assert response.status_code == 200, response.text
    assert response.json()["file"] == "evil.wav"
    assert not Path("/etc/evil.wav").exists()
    # raw bytes as a client may send them: Windows folders, control characters, a leading dot
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="C:\\tmp\\.ev\x07il\x1b[31m.wav"\r\n'
        b"Content-Type: audio/wav\r\n\r\n" + wav_bytes(y) + b"\r\n--xyz--\r\n"
    )
    response = client.post("/api/classify", content=body, headers={"content-type": "multipart/form-data; boundary=xyz"})
    assert response.status_code == 200, response.text
    assert response.json()["file"] == "evil[31m.wav"


# --- refusals ------------------------------------------------------------------------------------------


def test_too_large_is_413(client):
    check_error(post(client, b"\0" * (LIMIT + 1), name="big.wav"), 413, "too large")


def test_not_audio_is_422(client, upload_dir):
    detail = check_error(post(client, b"this is not audio at all\n" * 200, name="notes.wav"), 422, "notes.wav:")
    assert str(upload_dir) not in detail and "upload-" not in detail  # our temporary name never shows
    assert "not a readable audio file" in detail and "Errno" not in detail


def test_truncated_wav_is_422(client, shared_audio: Path):
    data = (shared_audio / "rock" / "rock.00000.wav").read_bytes()[:20000]
    check_error(post(client, data, name="cut.wav"), 422, "cut.wav:", "truncated")


def test_silence_is_422(client):
    check_error(
        post(client, wav_bytes(np.zeros(5 * signals.SR, np.float32)), name="quiet.wav"), 422, "quiet.wav:", "silent"
    )


def test_out_of_range_and_constant_signals_are_422(client):
    """A float WAV whose samples reach 1e30 (was a 500) and a constant DC offset (was "classical 0.81")."""
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, (1e30 * signals.noise(5.0)).astype(np.float32), signals.SR, format="WAV", subtype="FLOAT")
    check_error(post(client, buffer.getvalue(), name="loud.wav"), 422, "loud.wav:", "above full scale")
    check_error(
        post(client, wav_bytes(np.full(5 * signals.SR, 0.5, np.float32)), name="dc.wav"), 422, "dc.wav:", "silent"
    )


def test_too_short_is_422(client):
    check_error(post(client, wav_bytes(signals.tone(440, 0.3)), name="blip.wav"), 422, "too short")


def test_empty_file_is_422(client):
    check_error(post(client, b"", name="empty.wav"), 422, "empty")


def test_empty_body_is_422(client):
    check_error(client.post("/api/classify"), 422, "multipart/form-data")
    check_error(
        client.post("/api/classify", content=b"", headers={"content-type": "multipart/form-data; boundary=xyz"}),
        422,
        "empty",
    )


def test_wrong_field_is_422(client):
    check_error(post(client, b"RIFF....", field="audio"), 422, "'file'", "'audio'")


def test_a_real_sized_file_in_the_wrong_field_is_named_as_such(client):
    # a file of any size in another field is a misplaced file, not an oversized small form field
    detail = check_error(post(client, wav_bytes(signals.tone(440.0, 3.0)), field="audio"), 422, "'file'", "'audio'")
    assert "too large" not in detail


def test_a_file_in_another_field_beside_the_file_is_ignored(client):
    data = wav_bytes(signals.clicks(120, 5.0))
    response = client.post(
        "/api/classify",
        files=[("cover", ("cover.jpg", b"\xff\xd8" * 20000, "image/jpeg")), ("file", ("clip.wav", data, "audio/wav"))],
    )
    assert response.status_code == 200, response.text
    assert response.json()["file"] == "clip.wav"


def test_not_multipart_is_422(client):
    check_error(client.post("/api/classify", json={"file": "x.wav"}), 422, "multipart/form-data")


def test_malformed_multipart_is_422(client):
    response = client.post(
        "/api/classify",
        content=b"--xyz\r\nno headers end here",
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    check_error(response, 422)


def test_two_files_is_422(client):
    response = client.post(
        "/api/classify", files=[("file", ("a.wav", b"RIFF1", "audio/wav")), ("file", ("b.wav", b"RIFF2", "audio/wav"))]
    )
    check_error(response, 422, "one file")


@pytest.mark.parametrize("top", ["0", "11", "x"])
def test_bad_top_is_422(client, top):
    check_error(client.post(f"/api/classify?top={top}", files={"file": ("a.wav", b"RIFF", "audio/wav")}), 422, "top")


# --- the body is counted, never read whole past the limit (raw ASGI: we see every chunk the app asks for) ---


def asgi_post(app, headers: dict[str, str], chunks, delay_s: float = 0.0) -> tuple[int, dict, int]:
    """POST /api/classify straight into the ASGI app; returns status, JSON body and how many chunks it read.

    ``delay_s``: the client waits this long before each chunk (a slow upload). A chunk ``None`` is the client
    going away (``http.disconnect``).
    """
    chunks = iter(chunks)
    read = 0
    sent: list[dict] = []

    async def receive():
        nonlocal read
        await asyncio.sleep(delay_s)
        try:
            chunk = next(chunks)
        except StopIteration:
            return {"type": "http.request", "body": b"", "more_body": False}
        if chunk is None:
            return {"type": "http.disconnect"}
        read += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/classify",
        "raw_path": b"/api/classify",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    import json

    return status, json.loads(body), read


def test_declared_length_over_limit_is_refused_unread(client):
    status, body, read = asgi_post(
        client.app,
        {"content-type": "multipart/form-data; boundary=xyz", "content-length": str(10 * 1024**3)},
        iter(lambda: b"x" * 65536, None),
    )
    assert status == 413 and "too large" in body["detail"]
    assert read == 0


def test_endless_body_is_cut_at_the_limit(client, upload_dir):
    chunk = 64 * 1024
    head = (
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="endless.wav"\r\n'
        b"Content-Type: audio/wav\r\n\r\n"
    )

    def endless():
        yield head
        while True:
            yield b"\0" * chunk

    status, body, read = asgi_post(client.app, {"content-type": "multipart/form-data; boundary=xyz"}, endless())
    assert status == 413, body
    assert read * chunk <= LIMIT + 64 * 1024 + 2 * chunk  # stopped within a chunk or so of the limit
    assert list(upload_dir.iterdir()) == []


def test_slow_upload_gets_408_and_leaves_nothing(gated):
    client, gate, folder = gated(time_limit_s=0.5)
    head = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="slow.wav"\r\n\r\n'
    status, body, read = asgi_post(
        client.app, {"content-type": "multipart/form-data; boundary=xyz"}, [head] + [b"\0" * 1024] * 20, delay_s=0.1
    )
    assert status == 408 and "time limit" in body["detail"]
    assert read < 20 and not gate.entered.is_set()
    assert list(folder.iterdir()) == []


def test_client_going_away_mid_upload_is_no_server_error_and_leaves_nothing(client, upload_dir):
    head = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="gone.wav"\r\n\r\n'
    # the app must answer (nobody reads it) rather than raise: a raise is logged as a 500 with a traceback
    status, body, read = asgi_post(
        client.app, {"content-type": "multipart/form-data; boundary=xyz"}, [head, b"\0" * 4096, b"\0" * 4096, None]
    )
    assert status == 400 and "disconnected" in body["detail"], body
    assert list(upload_dir.iterdir()) == []
    assert client.get("/healthz").json()["in_progress"] == 0


# --- busy, time limit, admission ----------------------------------------------------------------------


def _post_in_thread(client, data: bytes, results: list) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.append(post(client, data, name="busy.wav")), daemon=True)
    thread.start()
    return thread


def test_healthz_answers_while_analysis_runs(gated, shared_audio: Path):
    client, gate, folder = gated()
    data = (shared_audio / "rock" / "rock.00000.wav").read_bytes()
    with client:
        results: list = []
        thread = _post_in_thread(client, data, results)
        assert gate.entered.wait(10), "the analysis never started"
        health: list = []
        probe = threading.Thread(target=lambda: health.append(client.get("/healthz")), daemon=True)
        probe.start()
        probe.join(5)
        assert health, "/healthz did not answer while the worker was busy"
        assert health[0].status_code == 200 and health[0].json()["in_progress"] == 1
        assert not results  # the upload is still being analysed
        gate.release.set()
        thread.join(60)
        assert results[0].status_code == 200, results[0].text
        assert results[0].json()["genre"] in GENRES
        assert list(folder.iterdir()) == []


def test_time_limit_gives_504_and_removes_the_file(gated, shared_audio: Path):
    client, gate, folder = gated(time_limit_s=0.5)
    data = (shared_audio / "rock" / "rock.00000.wav").read_bytes()
    with client:
        response = post(client, data, name="slow.wav")
        check_error(response, 504, "slow.wav", "time limit")
        assert gate.entered.is_set()
        assert list(folder.iterdir()) == []  # removed although the worker has not finished
        assert client.get("/healthz").json()["in_progress"] == 0
        gate.release.set()


def test_too_many_requests_gives_503(gated, shared_audio: Path):
    client, gate, folder = gated(max_pending=1)
    data = (shared_audio / "rock" / "rock.00000.wav").read_bytes()
    with client:
        results: list = []
        thread = _post_in_thread(client, data, results)
        assert gate.entered.wait(10)
        response = post(client, data, name="second.wav")
        check_error(response, 503, "busy")
        assert response.headers.get("retry-after")
        gate.release.set()
        thread.join(60)
        assert results[0].status_code == 200


# --- the other endpoints, the page and the docs ---------------------------------------------------------


def test_genres(client):
    body = client.get("/api/genres").json()
    assert [g["name"] for g in body["genres"]] == list(GENRES)
    assert {g["name"]: g["colour"] for g in body["genres"]} == GENRE_COLOURS


def test_model_card(client):
    """The default's card: both networks named (files, recipes, rates), GTZAN's ten genres, its own uncertain rule
    (no threshold), and its shipped card's figures."""
    card = client.get("/api/model").json()
    assert card["version"] == musicgenre.__version__
    assert card["name"] == DEFAULT_MODEL and card["genres"] == list(GENRES) and card["multi_label"] is False
    musicnn, efficientat = card["networks"]
    assert (musicnn["name"], musicnn["file"], musicnn["recipe"], musicnn["sample_rate"]) == (
        "musicnn",
        "model.onnx",
        "musicnn-msd-logmel",
        16000,
    )
    assert efficientat["name"] == "efficientat" and efficientat["recipe"] == "efficientat-mn04-logmel"
    assert efficientat["sample_rate"] == card["sample_rate"] == 32000 and card["clip_seconds"] == 30.0
    assert card["file"] == f"model.onnx + {efficientat['file']}" and "/" not in card["file"]  # names, not paths
    assert card["recipe"] == "musicnn-msd-logmel + efficientat-mn04-logmel"
    assert card["n_features"] == len(card["feature_names"]) == 150  # what musicnn's head reads
    assert "head" not in card["metadata"] and "classes" not in card["metadata"]  # no 40 kB JSON
    assert card["uncertain_below"] is None  # uncertain when the networks disagree, or under musicnn's threshold
    assert card["card"]["name"] == DEFAULT_MODEL and card["card"]["sha256"]


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_shipped_model_has_its_card(tmp_path, name):
    """/api/model and /api/genres answer for each shipped model: its genres (audioset-genres: AudioSet's 50,
    multi-label, each with a colour), its rate, and the classify endpoint's `top` goes up to its genres."""
    from fastapi.testclient import TestClient

    from musicgenre.interfaces.web.app import create_app
    from musicgenre.interfaces.web.engine import PoolAnalyzer
    from musicgenre.interfaces.web.settings import WebSettings

    analyzer = PoolAnalyzer(workers=1, pool="thread", model_path=name)
    app = create_app(WebSettings(tmp_dir=tmp_path, workers=1, pool="thread", model_path=name), analyzer=analyzer)
    client = TestClient(app, base_url=LOOPBACK)  # not started: no request is classified here
    card = client.get("/api/model").json()
    expected = MUSIC_GENRES if name == "audioset-genres" else GENRES
    assert card["genres"] == list(expected) and (card["name"] == name or name in ("musicnn", "features"))
    assert card["multi_label"] is (name == "audioset-genres") and "/" not in card["file"]
    assert card["sample_rate"] == {"musicnn": 16000, "features": 22050}.get(name, 32000)
    assert [n["name"] for n in card["networks"]] == (["musicnn", "efficientat"] if name == DEFAULT_MODEL else [])
    assert "classes" not in card["metadata"]
    colours = {g["name"]: g["colour"] for g in client.get("/api/genres").json()["genres"]}
    assert list(colours) == list(expected) and all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours.values())
    schema = client.get("/openapi.json").json()
    (top,) = [p for p in schema["paths"]["/api/classify"]["post"]["parameters"] if p["name"] == "top"]
    assert top["schema"]["maximum"] == len(expected)
    assert isinstance(card["card"], dict)  # every shipped model has its card's figures


@pytest.fixture(scope="module")
def audioset_client(upload_dir):
    """A test client of the app serving audioset-genres (uploads in ``upload_dir`` too)."""
    from fastapi.testclient import TestClient

    from musicgenre.interfaces.web.app import create_app
    from musicgenre.interfaces.web.engine import PoolAnalyzer
    from musicgenre.interfaces.web.settings import WebSettings

    analyzer = PoolAnalyzer(model_path="audioset-genres", workers=1, pool="thread")
    settings = WebSettings(
        max_upload_bytes=LIMIT, tmp_dir=upload_dir, workers=1, pool="thread", model_path="audioset-genres"
    )
    with TestClient(create_app(settings, analyzer=analyzer), base_url=LOOPBACK) as test_client:
        yield test_client


def test_audioset_genres_answers_with_its_classes(audioset_client, tmp_path):
    """serve --model audioset-genres: AudioSet's 50 music genres in its order, each with its own probability (as
    classify gives them; they need not sum to 1), the top K of them, its timeline, no uncertain mark, and why it
    has no explanation."""
    data = wav_bytes(signals.music(40.0))
    body = post(audioset_client, data, query="?top=5&timeline=true&explain=true").json()
    (tmp_path / "clip.wav").write_bytes(data)
    expected = classify(tmp_path / "clip.wav", timeline=True, model=load_model("audioset-genres"))
    assert list(body["probabilities"]) == list(MUSIC_GENRES) and body["genre"] == expected.genre
    for genre, p in expected.probabilities.items():
        assert body["probabilities"][genre] == pytest.approx(p, abs=1e-5)
    assert [t["genre"] for t in body["top"]] == [g for g, _ in expected.top(5)]
    assert [t["probability"] for t in body["top"]] == pytest.approx([p for _, p in expected.top(5)], abs=1e-5)
    assert len(body["timeline"]) == len(expected.timeline) == body["windows"] == 2
    assert all(list(w["probabilities"]) == list(MUSIC_GENRES) for w in body["timeline"])
    assert body["uncertain"] is None and body["model"]["name"] == "audioset-genres"
    assert body["explanation"] is None and "no linear head" in body["explanation_unavailable"]
    assert post(audioset_client, data, query="?top=50").status_code == 200
    check_error(post(audioset_client, data, query="?top=51"), 422, "top")


def test_healthz_and_limits(client):
    assert client.get("/healthz").json()["status"] == "ok"
    limits = client.get("/api/limits").json()
    assert limits["max_upload_bytes"] == LIMIT and limits["workers"] == 1


def _local_refs(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_page_and_its_files(client):
    response = client.get("/")
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    html = response.text
    assert '<label id="dropzone" class="dropzone" for="file-input">' in html
    assert 'id="file-input"' in html and 'type="file"' in html
    refs = _local_refs(html)
    assert "static/app.js" in refs and "static/style.css" in refs
    for ref in refs:
        assert not ref.startswith(("http:", "https:", "//")), f"the page loads {ref} from elsewhere"
        assert client.get("/" + ref).status_code == 200, ref


def test_docs_work_offline(client):
    html = client.get("/docs").text
    refs = _local_refs(html) + re.findall(r"url: '([^']+)'", html)
    assert any(ref.endswith("swagger-ui-bundle.js") for ref in refs)
    for ref in refs:
        assert ref.startswith("/"), f"/docs loads {ref} from elsewhere"
        assert client.get(ref).status_code == 200, ref
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/api/classify"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["file"]
    assert {"/api/genres", "/api/model", "/healthz"} <= set(schema["paths"])


@pytest.mark.slow
def test_a_dying_worker_gives_503_and_the_pool_recovers(tmp_path, monkeypatch, shared_audio: Path):
    """A worker process that dies mid-analysis (a decoder crash, the OOM killer) costs one 503 (retry), not the
    server."""
    from fastapi.testclient import TestClient

    from musicgenre.interfaces.web.app import create_app
    from musicgenre.interfaces.web.engine import PoolAnalyzer
    from musicgenre.interfaces.web.settings import WebSettings

    # spawned workers import the job function by name: put a small module where they will find it
    (tmp_path / "crashing_job.py").write_text(
        "import os\n"
        "from musicgenre.interfaces.web.analysis import analyze\n"
        "def job(j):\n"
        "    if j.filename.startswith('crash'):\n"
        "        os._exit(3)\n"
        "    return analyze(j)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import crashing_job

    analyzer = PoolAnalyzer(workers=1, pool="process", job_function=crashing_job.job)
    folder = tmp_path / "uploads"
    app = create_app(WebSettings(tmp_dir=folder, workers=1, time_limit_s=60), analyzer=analyzer)
    data = (shared_audio / "rock" / "rock.00000.wav").read_bytes()
    with TestClient(app, base_url=LOOPBACK) as client:
        response = post(client, data, name="crash.wav")
        check_error(response, 503, "crash.wav", "restarted, try again")
        assert response.headers["retry-after"] == "1"
        response = post(client, data, name="fine.wav")
        assert response.status_code == 200, response.text
        assert client.get("/healthz").json()["in_progress"] == 0
    assert list(folder.iterdir()) == []


def test_a_file_past_the_time_limit_frees_its_worker(tmp_path):
    """The worker stops an analysis that outlives its request (an interval timer in the worker), so the next
    request is served: a 20-minute WAV (400 patches, well over 3 s on any CPU) gets 504 under a 3 s limit, and a
    short clip sent right after it, on the only worker, gets 200 within its own limit."""
    from fastapi.testclient import TestClient

    from musicgenre.interfaces.web.app import create_app
    from musicgenre.interfaces.web.engine import PoolAnalyzer
    from musicgenre.interfaces.web.settings import WebSettings

    long_track = wav_bytes(np.tile(signals.tone(220.0, 10.0, sr=16000, amplitude=0.3), 120), sr=16000)
    short_clip = wav_bytes(signals.clicks(120, 5.0) + signals.tone(440.0, 5.0, amplitude=0.2))
    analyzer = PoolAnalyzer(workers=1, pool="process")
    folder = tmp_path / "uploads"
    app = create_app(WebSettings(tmp_dir=folder, workers=1, time_limit_s=3.0), analyzer=analyzer)
    with TestClient(app, base_url=LOOPBACK) as client:
        for _ in range(20):  # the worker's start (imports, model, warm-up) is not what this test measures
            if post(client, short_clip).status_code == 200:
                break
        else:
            pytest.fail("the worker never answered a short clip")
        check_error(post(client, long_track, name="long.wav"), 504, "long.wav", "time limit")
        response = post(client, short_clip)
        assert response.status_code == 200, response.text
    assert list(folder.iterdir()) == []
