"""``musicgenre serve``: the web page and JSON API under uvicorn (loopback only unless told otherwise)."""

from __future__ import annotations

import ipaddress
import socket

import click

from musicgenre.interfaces.cli.model_option import model_option
from musicgenre.interfaces.web.settings import default_workers


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command(name="serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind. Anything but loopback lets other machines upload files.",
)
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port (0: any free one)."
)
@model_option()
@click.option(
    "--max-upload-mb",
    default=50.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Largest upload accepted (MiB); larger ones get 413 before they are read whole.",
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(min=1),
    help=f"Analysis worker processes (default: CPU cores, at most 4; here {default_workers()}).",
)
@click.option(
    "--time-limit",
    "time_limit_s",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds per request, upload and analysis together; past it the answer is 504.",
)
@click.option(
    "--max-pending",
    default=64,
    show_default=True,
    type=click.IntRange(min=1),
    help="Requests in progress at once; more are refused with 503.",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
def command(
    host: str,
    port: int,
    model_path: str | None,
    max_upload_mb: float,
    workers: int | None,
    time_limit_s: float,
    max_pending: int,
    log_level: str,
) -> None:
    """Serve the page (drop a file, see its genre) at / and the JSON API (documented at /docs)."""
    try:
        import uvicorn

        from musicgenre.interfaces.web.app import create_app
    except ImportError as error:
        raise click.ClickException(f"the web extra is not installed ({error}); pip install 'musicgenre[web]'") from None
    from musicgenre.inference import ModelError
    from musicgenre.interfaces.web.settings import WebSettings

    settings = WebSettings(
        host=host,
        port=port,
        model_path=model_path,
        max_upload_bytes=int(max_upload_mb * 1024 * 1024),
        workers=workers or default_workers(),
        time_limit_s=time_limit_s,
        max_pending=max_pending,
    )
    try:
        app = create_app(settings)
    except ModelError as error:
        raise click.ClickException(str(error)) from None
    if not _is_loopback(host):
        click.echo(f"warning: binding {host}: other machines can reach this server and upload files", err=True)
    listening = None
    if port == 0:  # bind here, so that the address printed is the real one
        listening = _bind_any_port(host)
        port = listening.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"musicgenre: http://{shown}:{port}/ (API docs at /docs), model {app.state.analyzer.model_card()['name']}, "
        f"{settings.workers} worker(s), "
        f"uploads up to {max_upload_mb:g} MiB, {time_limit_s:g} s per request",
        err=True,
    )
    if listening is None:
        uvicorn.run(app, host=host, port=port, log_level=log_level)
    else:
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level=log_level)).run(sockets=[listening])


def _bind_any_port(host: str) -> socket.socket:
    """A TCP socket bound to a free port of ``host``."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)[0]
        listening = socket.socket(family, kind, proto)
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(address)
    except OSError as error:
        raise click.ClickException(f"cannot bind {host}: {error}") from None
    return listening
