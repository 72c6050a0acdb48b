"""``musicgenre serve``: the web page and JSON API under uvicorn (loopback only unless told otherwise)."""

from __future__ import annotations

import click

from musicgenre.interfaces.cli.model_option import model_option
from musicgenre.interfaces.web.settings import default_workers, is_loopback


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
    "--upload-timeout",
    "upload_timeout_s",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds an upload's body may take to arrive; past it the answer is 408 (a slow client frees its slot).",
)
@click.option(
    "--header-timeout",
    "header_timeout_s",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds a request's headers may take; past it the connection gets 408 and is closed.",
)
@click.option(
    "--max-uploads-per-client",
    default=4,
    show_default=True,
    type=click.IntRange(min=1),
    help="Uploads one client address may have in progress at once; more get 429.",
)
@click.option(
    "--allow-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="While bound to loopback only loopback Host names are served (against DNS rebinding); "
    "serve NAME too (repeatable; e.g. a reverse proxy's name).",
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
    upload_timeout_s: float,
    header_timeout_s: float,
    max_uploads_per_client: int,
    allowed_hosts: tuple[str, ...],
    log_level: str,
) -> None:
    """Serve the page (drop a file, see its genre) at / and the JSON API (documented at /docs)."""
    try:
        import uvicorn

        from musicgenre.interfaces.web.app import create_app
        from musicgenre.interfaces.web.server import bind_socket, server_config
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
        upload_timeout_s=upload_timeout_s,
        header_timeout_s=header_timeout_s,
        max_uploads_per_client=max_uploads_per_client,
        allowed_hosts=allowed_hosts,
    )
    try:
        app = create_app(settings)
    except ModelError as error:
        raise click.ClickException(str(error)) from None
    if not is_loopback(host):
        click.echo(f"warning: binding {host}: other machines can reach this server and upload files", err=True)
    try:  # bound here, so that the address printed is the real one (port 0: any free port)
        listening = bind_socket(host, port)
    except OSError as error:
        raise click.ClickException(f"cannot bind {host}:{port}: {error}") from None
    port = listening.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"musicgenre: http://{shown}:{port}/ (API docs at /docs), model {app.state.service.card['name']}, "
        f"{settings.workers} worker(s), "
        f"uploads up to {max_upload_mb:g} MiB, {time_limit_s:g} s per request",
        err=True,
    )
    config = server_config(app, settings, log_level)
    config.port = port
    uvicorn.Server(config).run(sockets=[listening])
