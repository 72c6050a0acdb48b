"""``musicgenre serve``: options reach the app and uvicorn; loopback by default; a bad model fails before serving."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from musicgenre.interfaces.cli.main import cli


@pytest.fixture()
def runs(monkeypatch):
    """Capture what ``uvicorn.run`` would have been given instead of serving."""
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append({"app": app, **kwargs}))
    return calls


def test_defaults_bind_loopback(runs):
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    (call,) = runs
    assert call["host"] == "127.0.0.1" and call["port"] == 8000
    settings = call["app"].state.settings
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
            "8123",
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
    settings = call["app"].state.settings
    assert (call["host"], call["port"]) == ("0.0.0.0", 8123)
    assert settings.max_upload_bytes == int(1.5 * 1024 * 1024) and settings.workers == 3 and settings.time_limit_s == 7
    assert call["app"].state.analyzer.workers == 3
    assert "other machines can reach this server" in result.output


def test_bad_model_fails_before_serving(runs, tmp_path):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not onnx")
    result = CliRunner().invoke(cli, ["serve", "--model", str(bad)])
    assert result.exit_code != 0 and runs == []
    assert "model.onnx" in result.output and "not a readable ONNX model" in result.output


def test_port_0_binds_a_free_loopback_port_and_says_which(runs, monkeypatch):
    import uvicorn

    served: list = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets=None: served.append((server.config, sockets)))
    result = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert runs == []
    ((config, sockets),) = served
    (listening,) = sockets
    try:
        host, port = listening.getsockname()[:2]
        assert host == "127.0.0.1" and port > 0 and config.port == port
        assert f"http://127.0.0.1:{port}/" in result.output
    finally:
        listening.close()


@pytest.mark.parametrize("args", [["--workers", "0"], ["--max-upload-mb", "0"], ["--port", "70000"]])
def test_nonsense_options_are_refused(runs, args):
    result = CliRunner().invoke(cli, ["serve", *args])
    assert result.exit_code == 2 and runs == []
