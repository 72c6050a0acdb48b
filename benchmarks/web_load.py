"""Load check of ``musicgenre serve`` (not a test): N concurrent clients upload 30 s GTZAN clips on loopback.

Starts its own server on a free 127.0.0.1 port (or targets ``--url``), sends ``--requests`` uploads in all
from ``--clients`` concurrent clients (bounded also by ``--max-seconds``), probes ``/healthz`` meanwhile, and
prints throughput, p50/p99 latency, status counts and the peak memory of the server and its analysis
workers (RSS, and PSS which counts pages shared between the processes once; sampled from /proc every
0.1 s; needs the server's pid: known when it starts it, else ``--pid``). The CPU seconds the server and
its workers used and the load average before and after are printed too: other work on the machine
shares the cores, and the figures mean little without them.

    .venv/bin/python benchmarks/web_load.py                      # 20 clients, 60 uploads, 2 workers
    .venv/bin/python benchmarks/web_load.py --clients 20 --requests 100 --workers 2
    .venv/bin/python benchmarks/web_load.py --query 'timeline=true&spectrogram=true'   # what the page asks
    .venv/bin/python benchmarks/web_load.py --url http://127.0.0.1:8000 --pid 1234
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
SHARED_AUDIO = ROOT.parent / "shared" / "gtzan" / "audio"


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)  # seconds, successful uploads
    statuses: dict[str, int] = field(default_factory=dict)
    health_latencies: list[float] = field(default_factory=list)
    audio_seconds: float = 0.0


def find_clips(folder: Path) -> list[Path]:
    """Distinct 30 s clips (wav/au; one file per clip id)."""
    clips: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".wav", ".au") and path.stem not in clips:
            clips[path.stem] = path
    return list(clips.values())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, max_pending: int, max_upload_mb: float | None = None) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "musicgenre.interfaces.cli.main",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--max-pending",
        str(max_pending),
        "--log-level",
        "warning",
        *(["--max-upload-mb", f"{max_upload_mb:g}"] if max_upload_mb else []),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(base: str, process: subprocess.Popen | None, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server at {base} did not answer /healthz within {timeout_s:.0f} s")


def _proc_kib(pid: int, file: str, key: str) -> int:
    """The ``<key> <n> kB`` line of ``/proc/<pid>/<file>`` in KiB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _rss_kib(pid: int) -> int:
    return _proc_kib(pid, "status", "VmRSS:")


def _pss_kib(pid: int) -> int:
    return _proc_kib(pid, "smaps_rollup", "Pss:")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*") if Path(f"/proc/{current}/task").exists() else []:
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                children = []
            found.extend(children)
            todo.extend(children)
    return found


async def sample_memory(pid: int, stop: asyncio.Event, peaks: dict[str, int], cpu: dict[int, float]) -> None:
    """Peak RSS and PSS (KiB) of the server process alone and with all its descendants (the analysis workers);
    ``cpu`` gets the last CPU seconds seen of each process."""
    while not stop.is_set():
        children = _descendants(pid)
        main = _rss_kib(pid)
        peaks["server"] = max(peaks.get("server", 0), main)
        peaks["total"] = max(peaks.get("total", 0), main + sum(_rss_kib(child) for child in children))
        peaks["total_pss"] = max(peaks.get("total_pss", 0), sum(_pss_kib(p) for p in [pid, *children]))
        peaks["processes"] = max(peaks.get("processes", 0), 1 + len(children))
        for p in [pid, *children]:
            cpu[p] = max(cpu.get(p, 0.0), _cpu_seconds(p))
        await asyncio.sleep(0.1)


async def client(
    name: int,
    base: str,
    clips: list[tuple[str, bytes]],
    queue: asyncio.Queue,
    results: Results,
    http: httpx.AsyncClient,
    deadline: float,
    query: str = "",
) -> None:
    while time.monotonic() < deadline:
        try:
            index = queue.get_nowait()
        except asyncio.QueueEmpty:
            return
        filename, data = clips[index % len(clips)]
        started = time.perf_counter()
        try:
            response = await http.post(
                f"{base}/api/classify{'?' + query if query else ''}",
                files={"file": (filename, data)},
                timeout=max(deadline - time.monotonic(), 1.0),
            )
            status = str(response.status_code)
            if response.status_code == 200:
                results.latencies.append(time.perf_counter() - started)
                results.audio_seconds += response.json()["duration_s"]
        except httpx.HTTPError as error:
            status = type(error).__name__
        results.statuses[status] = results.statuses.get(status, 0) + 1


async def probe_health(base: str, stop: asyncio.Event, results: Results, http: httpx.AsyncClient) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        try:
            await http.get(f"{base}/healthz", timeout=10)
            results.health_latencies.append(time.perf_counter() - started)
        except httpx.HTTPError:
            results.health_latencies.append(float("inf"))
        await asyncio.sleep(0.5)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


async def run(
    base: str,
    pid: int | None,
    clips: list[tuple[str, bytes]],
    clients: int,
    requests: int,
    max_seconds: float,
    query: str = "",
) -> tuple[Results, dict[str, int], float, dict[str, float]]:
    """Results, peak memory, wall seconds, and CPU seconds the server (``server``: its event loop process
    alone; ``total``: with its workers) used meanwhile."""
    results, peaks, cpu_before, cpu_after = Results(), {}, {}, {}
    queue: asyncio.Queue = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=clients + 2, max_keepalive_connections=clients + 2)
    async with httpx.AsyncClient(limits=limits) as http, httpx.AsyncClient() as health_http:
        background = [asyncio.create_task(probe_health(base, stop, results, health_http))]
        if pid is not None:
            cpu_before = {p: _cpu_seconds(p) for p in [pid, *_descendants(pid)]}
            background.append(asyncio.create_task(sample_memory(pid, stop, peaks, cpu_after)))
        started = time.perf_counter()
        deadline = time.monotonic() + max_seconds
        await asyncio.gather(*(client(i, base, clips, queue, results, http, deadline, query) for i in range(clients)))
        wall = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*background)
    cpu = {
        "total": sum(seconds - cpu_before.get(p, 0.0) for p, seconds in cpu_after.items()),
        "server": cpu_after.get(pid, 0.0) - cpu_before.get(pid, 0.0),
    }
    return results, peaks, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="target a running server (loopback only) instead of starting one")
    parser.add_argument("--pid", type=int, help="pid of the targeted server, to sample its memory")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--requests", type=int, default=60, help="uploads in all (default 60)")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="stop sending after this long (default 600)")
    parser.add_argument("--workers", type=int, default=2, help="analysis workers of the server it starts (default 2)")
    parser.add_argument(
        "--query", default="", help="query string of each upload, e.g. 'timeline=true&spectrogram=true'"
    )
    parser.add_argument(
        "--clips", type=Path, default=SHARED_AUDIO, help=f"folder of 30 s clips (default {SHARED_AUDIO})"
    )
    args = parser.parse_args()
    if not 1 <= args.clients <= 200 or not 1 <= args.requests <= 5000:
        parser.error("keep it bounded: 1-200 clients, 1-5000 requests")

    paths = find_clips(args.clips)
    if not paths:
        raise SystemExit(f"no .wav/.au clips under {args.clips}")
    clips = [(p.name, p.read_bytes()) for p in paths]

    process = None
    if args.url:
        host = urlparse(args.url).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"loopback only: {args.url}")
        base, pid = args.url.rstrip("/"), args.pid
    else:
        port = free_port()
        process = start_server(port, args.workers, max_pending=max(64, args.clients * 2))
        base, pid = f"http://127.0.0.1:{port}", process.pid
    try:
        started = time.perf_counter()
        wait_ready(base, process)
        if process is not None:
            print(f"server up in {time.perf_counter() - started:.1f} s (pid {pid}, {args.workers} workers)")
        load_before = load_average()
        results, peaks, wall, cpu = asyncio.run(
            run(base, pid, clips, args.clients, args.requests, args.max_seconds, args.query)
        )
        load_after = load_average()
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    ok = len(results.latencies)
    health = [h for h in results.health_latencies if h != float("inf")]
    print(
        f"machine: {os.cpu_count()} CPU cores, load average {load_before} before, {load_after} after; "
        f"clips: {len(clips)} distinct 30 s GTZAN clips from {args.clips}; query: {args.query or '(none)'}"
    )
    print(
        f"clients: {args.clients}, uploads sent: {sum(results.statuses.values())}, ok: {ok}, "
        f"statuses: {dict(sorted(results.statuses.items()))}"
    )
    print(
        f"wall: {wall:.1f} s, throughput: {ok / wall:.2f} uploads/s "
        f"({results.audio_seconds / wall:.1f} s of audio per s)"
    )
    if ok:
        print(
            f"latency: p50 {percentile(results.latencies, 0.5):.2f} s, "
            f"p99 {percentile(results.latencies, 0.99):.2f} s, "
            f"mean {statistics.fmean(results.latencies):.2f} s, max {max(results.latencies):.2f} s"
        )
    if health:
        print(
            f"/healthz under load: {len(health)} probes, p50 {1000 * percentile(health, 0.5):.1f} ms, "
            f"max {1000 * max(health):.1f} ms, failed {len(results.health_latencies) - len(health)}"
        )
    if peaks:
        print(
            f"peak RSS: server process {peaks['server'] / 1024:.0f} MiB; "
            f"server + workers {peaks['total'] / 1024:.0f} MiB "
            f"RSS, {peaks['total_pss'] / 1024:.0f} MiB PSS ({peaks['processes']} processes)"
        )
        print(
            f"CPU used by server + workers: {cpu['total']:.1f} s in {wall:.1f} s wall ({cpu['total'] / wall:.2f} of "
            f"{os.cpu_count()} cores; the rest went to this client and to other work on the machine); "
            f"by the server's event-loop process alone: {cpu['server']:.1f} s"
        )
    else:
        print("peak RSS: not sampled (pass --pid for a server started elsewhere)")


if __name__ == "__main__":
    main()
