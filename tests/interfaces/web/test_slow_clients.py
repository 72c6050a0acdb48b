"""Slow and hostile clients against the real server (uvicorn on a loopback port, the real model in a thread).

Clients connect from different loopback addresses (127.0.0.2, 127.0.0.3, ...: all of 127/8 is this machine on
Linux), so the per-client limit sees them as different machines. Deadlines are shortened to about a second;
what is asserted is who gets which answer, never how long anything took.
"""

from __future__ import annotations

import io
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import signals
import soundfile as sf

uvicorn = pytest.importorskip("uvicorn", reason="the web extra (uvicorn) is not installed")

from musicgenre.interfaces.web.app import create_app  # noqa: E402
from musicgenre.interfaces.web.guards import HostGuard, host_name  # noqa: E402
from musicgenre.interfaces.web.server import bind_socket, server_config  # noqa: E402
from musicgenre.interfaces.web.settings import WebSettings  # noqa: E402

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="needs the whole 127.0.0.0/8 as local addresses (Linux)"
)

BODY_HEAD = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="slow.wav"\r\n\r\n'


def _request_head(host: str = "localhost", length: int = 1_000_000) -> bytes:
    return (
        f"POST /api/classify HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=xyz\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


class Server:
    """A running server: its port, settings and upload folder."""

    def __init__(self, port: int, settings: WebSettings, uploads: Path):
        self.port, self.settings, self.uploads = port, settings, uploads

    def connect(self, source: str) -> socket.socket:
        """A connection from loopback address ``source``."""
        return socket.create_connection(("127.0.0.1", self.port), timeout=15, source_address=(source, 0))

    def health(self) -> dict:
        return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=15).json()


@pytest.fixture()
def server(real_analyzer, tmp_path) -> Iterator[Server]:
    uploads = tmp_path / "uploads"
    settings = WebSettings(
        host="127.0.0.1",
        port=0,
        upload_timeout_s=1.5,
        header_timeout_s=1.0,
        max_uploads_per_client=2,
        max_pending=16,
        workers=1,
        pool="thread",
        tmp_dir=uploads,
    )
    app = create_app(settings, analyzer=real_analyzer)
    listening = bind_socket("127.0.0.1", 0)
    config = server_config(app, settings, log_level="warning")
    config.port = listening.getsockname()[1]
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    for _ in range(200):
        if running.started:
            break
        time.sleep(0.05)
    assert running.started, "the server did not start"
    try:
        yield Server(config.port, settings, uploads)
    finally:
        running.should_exit = True
        thread.join(15)
        listening.close()


def read_response(connection: socket.socket) -> tuple[int, bytes]:
    """Status and everything the server sent until it closed the connection (every answer here closes it)."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    connection.close()
    assert received, "the server closed the connection without an answer"
    return int(received.split(b" ", 2)[1]), received


def _wait_for(condition, what: str) -> None:
    for _ in range(300):
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def _trickle(connection: socket.socket, data: bytes, stop: threading.Event) -> None:
    """Send ``data`` a byte every 0.1 s until it is all sent, ``stop`` is set or the server hangs up."""
    for byte in data:
        if stop.wait(0.1):
            return
        try:
            connection.sendall(bytes([byte]))
        except OSError:
            return


def test_slow_clients_hold_no_more_than_their_share_and_a_normal_upload_is_served(server):
    # one machine opens three slow uploads: headers at once, then a body that never comes
    slow = [server.connect("127.0.0.2") for _ in range(2)]
    for connection in slow:
        connection.sendall(_request_head() + BODY_HEAD + b"RIFF")
    _wait_for(lambda: server.health()["in_progress"] == 2, "both slow uploads are in progress")
    third = server.connect("127.0.0.2")
    third.sendall(_request_head() + BODY_HEAD)
    status, answer = read_response(third)
    assert status == 429 and b"2 uploads from 127.0.0.2 are already in progress" in answer

    # another trickles its headers a byte at a time, forever
    stop = threading.Event()
    trickler = server.connect("127.0.0.3")
    trickling = threading.Thread(target=_trickle, args=(trickler, _request_head() * 10, stop), daemon=True)
    trickling.start()

    # meanwhile a normal upload from a third machine is served
    buffer = io.BytesIO()
    sf.write(buffer, signals.music(6.0), signals.SR, format="WAV")
    data = buffer.getvalue()
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.4"), timeout=30) as client:
        response = client.post(
            f"http://127.0.0.1:{server.port}/api/classify", files={"file": ("song.wav", data, "audio/wav")}
        )
    assert response.status_code == 200, response.text
    assert response.json()["file"] == "song.wav" and response.json()["genre"]

    # the trickler is cut off at its header deadline, however busy it keeps the line
    status, answer = read_response(trickler)
    stop.set()
    assert status == 408 and b"headers took too long" in answer

    # and the stalled uploads at their body deadline: their slots and files are freed
    for connection in slow:
        status, answer = read_response(connection)
        assert status == 408 and b"the upload took longer than its time limit (1.5 s)" in answer
    _wait_for(lambda: server.health()["in_progress"] == 0, "the slots are free again")
    assert list(server.uploads.iterdir()) == []


def test_an_idle_connection_is_closed_without_an_answer(server):
    idle = server.connect("127.0.0.5")
    assert idle.recv(100) == b""  # closed at the header deadline; nothing was asked, nothing is answered
    idle.close()


def test_a_foreign_host_is_refused_while_bound_to_loopback(server):
    connection = server.connect("127.0.0.6")
    connection.sendall(b"GET /api/model HTTP/1.1\r\nHost: rebound.example:8000\r\n\r\n")
    status, answer = read_response(connection)
    assert status == 400 and b"--allow-host rebound.example" in answer
    response = httpx.get(f"http://localhost:{server.port}/api/model", timeout=15)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header, name",
    [("localhost:8000", "localhost"), ("[::1]:8000", "::1"), ("Example.COM.", "example.com"), ("a.b", "a.b")],
)
def test_host_name_drops_port_brackets_and_case(header, name):
    assert host_name(header) == name


@pytest.mark.parametrize(
    "header, served",
    [
        ("localhost", True),
        ("127.0.0.1:8000", True),
        ("127.1.2.3", True),
        ("[::1]:9", True),
        ("app.localhost", True),
        ("music.example", True),  # allowed by the user
        ("evil.example", False),
        ("localhost.evil.example", False),
        ("[::ffff:10.0.0.1]", False),
        ("", False),
        (None, True),  # no Host at all: HTTP/1.0, never a browser
    ],
)
def test_host_guard_serves_loopback_names_and_the_allowed_ones(header, served):
    assert HostGuard(app=None, allowed=["Music.Example"]).accepts(header) is served
