"""``musicgenre serve``: options reach the app and uvicorn; loopback by default; a bad model fails before serving."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from musicgenre.interfaces.cli.main import cli


@pytest.fixture()
def runs(monkeypatch):
    """Capture what ``uvicorn.Server.run`` would have served (config, the app, the bound socket) instead of serving;
    the sockets are closed afterwards."""
    import uvicorn

    calls: list[dict] = []

    def capture(server, sockets=None):
        calls.append({"app": server.config.app, "config": server.config, "sockets": sockets})

    monkeypatch.setattr(uvicorn.Server, "run", capture)
    yield calls
    for call in calls:
        for sock in call["sockets"] or ():
            sock.close()


def test_defaults_bind_loopback(runs, monkeypatch):
    from musicgenre.interfaces.web import server

    asked: list[tuple[str, int]] = []
    real_bind = server.bind_socket

    def bind_any_port(host, port=0):  # port 8000 itself may be taken on a developer's machine
        asked.append((host, port))
        return real_bind(host, 0)

    monkeypatch.setattr(server, "bind_socket", bind_any_port)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    (call,) = runs
    assert asked == [("127.0.0.1", 8000)] and call["config"].host == "127.0.0.1"
    settings = call["app"].state.service.settings
    assert settings.max_upload_bytes == 50 * 1024 * 1024 and settings.host == "127.0.0.1"
    assert "warning" not in result.output


def test_options_reach_the_app(runs, tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--model",
            "features",
            "--max-upload-mb",
            "1.5",
            "--workers",
            "3",
            "--time-limit",
            "7",
        ],
    )
    assert result.exit_code == 0, result.output
    (call,) = runs
    settings = call["app"].state.service.settings
    assert call["config"].host == "0.0.0.0" and call["sockets"][0].getsockname()[0] == "0.0.0.0"
    assert settings.max_upload_bytes == int(1.5 * 1024 * 1024) and settings.workers == 3 and settings.time_limit_s == 7
    assert call["app"].state.service.analyzer.workers == 3
    assert "other machines can reach this server" in result.output


def test_bad_model_fails_before_serving(runs, tmp_path):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not onnx")
    result = CliRunner().invoke(cli, ["serve", "--model", str(bad)])
    assert result.exit_code != 0 and runs == []
    assert "model.onnx" in result.output and "not a readable ONNX model" in result.output


def test_port_0_binds_a_free_loopback_port_and_says_which(runs):
    result = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    ((listening,),) = [call["sockets"] for call in runs]
    host, port = listening.getsockname()[:2]
    assert host == "127.0.0.1" and port > 0 and runs[0]["config"].port == port
    assert f"http://127.0.0.1:{port}/" in result.output


def test_slow_client_options_reach_the_app_and_uvicorn(runs):
    result = CliRunner().invoke(
        cli,
        [
            "serve",
            "--port",
            "0",
            "--upload-timeout",
            "3",
            "--header-timeout",
            "2",
            "--max-uploads-per-client",
            "2",
            "--allow-host",
            "music.example",
        ],
    )
    assert result.exit_code == 0, result.output
    (call,) = runs
    settings = call["app"].state.service.settings
    assert (settings.upload_timeout_s, settings.header_timeout_s, settings.max_uploads_per_client) == (3, 2, 2)
    assert settings.allowed_hosts == ("music.example",) and settings.checks_host
    assert call["config"].http.header_timeout_s == 2  # uvicorn gets the protocol with the header deadline


def test_a_port_in_use_is_one_line(runs):
    from musicgenre.interfaces.web.server import bind_socket

    taken = bind_socket("127.0.0.1", 0)
    taken.listen()
    try:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    finally:
        taken.close()
    assert result.exit_code == 1 and runs == []
    assert f"cannot bind 127.0.0.1:{port}" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["--workers", "0"],
        ["--max-upload-mb", "0"],
        ["--port", "70000"],
        ["--upload-timeout", "0"],
        ["--header-timeout", "-1"],
        ["--max-uploads-per-client", "0"],
    ],
)
def test_nonsense_options_are_refused(runs, args):
    result = CliRunner().invoke(cli, ["serve", *args])
    assert result.exit_code == 2 and runs == []
