"""Soak check of ``musicgenre serve`` (not a test): a steady stream of uploads, good and bad, for a bounded count.

Starts its own server on a free 127.0.0.1 port, with ``TMPDIR`` pointed at a folder of its own (so every
temporary file the server or its workers leave is seen), and sends ``--requests`` uploads from ``--clients``
clients (at most ``--max-minutes``), in a fixed rotation of kinds:

- ``good``: a real 30 s GTZAN clip (``../shared/gtzan/audio``), expected 200;
- ``bad``: bytes that are no audio, or a clip cut to a quarter of its bytes, expected 422 (or 200 when the cut
  clip still decodes: a truncated WAV is valid audio of its own length);
- ``huge``: more than the upload limit (``--max-upload-mb``), expected 413;
- ``cut``: a raw HTTP request whose body stops halfway and whose connection is then closed (no answer expected).

``/healthz`` is probed every 0.5 s throughout. At the start, middle and end it prints the server's and its
workers' memory (RSS and PSS, summed), their open file descriptors and the temporary files present; at the end
the latency drift (median latency of the first and last tenth of good uploads), the status counts per kind and
the failures (any answer other than the expected one, a failed health probe, a server that died: expected 0).

    .venv/bin/python benchmarks/web_soak.py                          # 3000 requests, 2 clients, 2 workers
    .venv/bin/python benchmarks/web_soak.py --requests 300 --max-minutes 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_load import (  # noqa: E402  (the server and /proc helpers of the load check)
    SHARED_AUDIO,
    _descendants,
    _pss_kib,
    _rss_kib,
    find_clips,
    free_port,
    start_server,
    wait_ready,
)

KINDS = ("good", "good", "bad", "good", "huge", "good", "cut", "good", "bad", "good")
EXPECTED = {"good": {"200"}, "bad": {"422", "200"}, "huge": {"413"}, "cut": {"closed"}}


@dataclass
class Soak:
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    good_latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    health_failures: int = 0
    health_probes: int = 0
    snapshots: list[dict] = field(default_factory=list)


def fd_count(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, PermissionError):
        return 0


def temp_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file())


def snapshot(label: str, pid: int, tmp: Path, done: int) -> dict:
    processes = [pid, *_descendants(pid)]
    return {
        "at": label,
        "requests": done,
        "processes": len(processes),
        "rss_mib": sum(_rss_kib(p) for p in processes) / 1024,
        "pss_mib": sum(_pss_kib(p) for p in processes) / 1024,
        "server_rss_mib": _rss_kib(pid) / 1024,
        "fds": sum(fd_count(p) for p in processes),
        "temp_files": temp_files(tmp),
    }


async def cut_upload(host: str, port: int, data: bytes) -> str:
    """Send half of a multipart upload that announces all of it, then close the connection."""
    boundary = "soakboundary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.wav"\r\n\r\n'.encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    request = (
        f"POST /api/classify HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(request + body[: len(body) // 2])
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    return "closed"


async def one(kind: str, base: str, http: httpx.AsyncClient, clips: list[tuple[str, bytes]], i: int, huge: bytes):
    """One request of ``kind``; its status text and, for a good one, its latency."""
    name, data = clips[i % len(clips)]
    if kind == "cut":
        url = httpx.URL(base)
        return await cut_upload(url.host, url.port or 80, data), None
    if kind == "huge":
        name, data = "huge.wav", huge
    elif kind == "bad":
        name, data = ("notes.mp3", b"these are not audio bytes " * 200) if i % 2 else (name, data[: len(data) // 4])
    started = time.perf_counter()
    try:
        response = await http.post(f"{base}/api/classify", files={"file": (name, data)}, timeout=300)
        status = str(response.status_code)
    except httpx.HTTPError as error:
        return type(error).__name__, None
    return status, (time.perf_counter() - started if kind == "good" and status == "200" else None)


async def soak(args, base: str, pid: int, tmp: Path, clips: list[tuple[str, bytes]]) -> Soak:
    result = Soak()
    huge = os.urandom(int((args.max_upload_mb + 1) * 1024 * 1024))
    counter = iter(range(args.requests))
    deadline = time.monotonic() + 60 * args.max_minutes
    done = [0]
    stop = asyncio.Event()
    result.snapshots.append(snapshot("start", pid, tmp, 0))

    async def worker(http: httpx.AsyncClient) -> None:
        for i in counter:
            if time.monotonic() > deadline:
                return
            kind = KINDS[i % len(KINDS)]
            status, latency = await one(kind, base, http, clips, i, huge)
            result.statuses.setdefault(kind, {})[status] = result.statuses.setdefault(kind, {}).get(status, 0) + 1
            if status not in EXPECTED[kind]:
                result.failures.append(f"request {i} ({kind}): {status}")
            if latency is not None:
                result.good_latencies.append(latency)
            done[0] += 1
            if done[0] == args.requests // 2:
                result.snapshots.append(snapshot("middle", pid, tmp, done[0]))

    async def health(http: httpx.AsyncClient) -> None:
        while not stop.is_set():
            result.health_probes += 1
            try:
                if (await http.get(f"{base}/healthz", timeout=10)).status_code != 200:
                    result.health_failures += 1
            except httpx.HTTPError:
                result.health_failures += 1
            await asyncio.sleep(0.5)

    async with httpx.AsyncClient() as http, httpx.AsyncClient() as probe:
        prober = asyncio.create_task(health(probe))
        await asyncio.gather(*(worker(http) for _ in range(args.clients)))
        stop.set()
        await prober
    await asyncio.sleep(2.0)  # let the last uploads' clean-up finish
    result.snapshots.append(snapshot("end", pid, tmp, done[0]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-minutes", type=float, default=30.0)
    parser.add_argument("--max-upload-mb", type=float, default=20.0)
    args = parser.parse_args()
    clips = [(p.name, p.read_bytes()) for p in find_clips(SHARED_AUDIO)]
    if not clips:
        raise SystemExit(f"{SHARED_AUDIO}: no shared clips (the soak uploads real ones)")
    tmp = Path(tempfile.mkdtemp(prefix="web-soak-tmp-"))
    port = free_port()
    os.environ["TMPDIR"] = str(tmp)  # inherited by the server and its workers
    server = start_server(port, args.workers, max_pending=4 * args.workers, max_upload_mb=args.max_upload_mb)
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        wait_ready(base, server)
        result = asyncio.run(soak(args, base, server.pid, tmp, clips))
        alive = server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=60)
    after_exit = temp_files(tmp)
    minutes = (time.monotonic() - started) / 60
    print(
        f"{sum(sum(s.values()) for s in result.statuses.values())} requests in {minutes:.1f} min, "
        f"{args.clients} clients, {args.workers} workers; server alive at the end: {alive}"
    )
    print("| at | requests | processes | RSS MiB | PSS MiB | server RSS MiB | open fds | temp files |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in result.snapshots:
        print(
            f"| {s['at']} | {s['requests']} | {s['processes']} | {s['rss_mib']:.0f} | {s['pss_mib']:.0f} | "
            f"{s['server_rss_mib']:.0f} | {s['fds']} | {s['temp_files']} |"
        )
    print(f"temp files left after the server exited: {after_exit}")
    for kind, counts in sorted(result.statuses.items()):
        print(f"{kind}: " + ", ".join(f"{status} x{n}" for status, n in sorted(counts.items())))
    good = result.good_latencies
    if len(good) >= 20:
        tenth = len(good) // 10
        first, last = statistics.median(good[:tenth]), statistics.median(good[-tenth:])
        print(
            f"good uploads: {len(good)}, median latency first tenth {first:.2f} s, last tenth {last:.2f} s "
            f"(drift {100 * (last - first) / first:+.0f} %)"
        )
    print(f"/healthz: {result.health_probes} probes, {result.health_failures} failed")
    print(f"failures: {len(result.failures) + result.health_failures + (not alive)}")
    for line in result.failures[:20]:
        print(f"  {line}")


if __name__ == "__main__":
    main()
