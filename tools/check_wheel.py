"""Build the sdist and wheel, install the wheel into fresh virtual environments, and use it as a user would.

    .venv/bin/python tools/check_wheel.py [--keep]

``make test`` runs it (``make dist-check``). From a temporary folder outside the source tree it:

1. builds both with ``python -m build`` (the wheel is built from the sdist, so both must be complete);
2. checks that the wheel installs every file tracked under ``src/musicgenre/`` (code, and byte for byte the models,
   musicnn weights, EfficientAT's graph with its licence and notice, split lists, zoo TOML files and the web page);
3. installs the wheel with its base dependencies only (no torch, no test extras) and runs ``musicgenre --version``,
   ``musicgenre predict`` with every shipped model on a real shared clip (a synthesized one without ``../shared``;
   the answer must equal the source tree's), ``import musicgenre.classify`` without torch, and the commands that
   need an extra (``tags``, ``serve``) for their one-line "pip install 'musicgenre[...]'" message;
4. adds ``[web]`` to that environment and checks that ``musicgenre serve`` answers ``/healthz``, the page and
   ``/api/model``;
5. checks that the version agrees everywhere: the wheel's name, ``--version``, ``/api/model`` and CHANGELOG.md.

It prints the sizes, what makes up the wheel and how long each step took; any failure exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "musicgenre"
SHARED_CLIP = ROOT.parent / "shared" / "gtzan" / "audio" / "jazz" / "jazz.00000.wav"
SERVER_START_LIMIT_S = 120.0


class CheckFailed(RuntimeError):
    """One check of the installed wheel did not hold."""


def run(args: list[str | Path], cwd: Path, ok: bool = True) -> subprocess.CompletedProcess:
    """Run a command; with ``ok`` its failure is a :class:`CheckFailed` carrying its output."""
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)
    if ok and done.returncode != 0:
        raise CheckFailed(f"{' '.join(map(str, args))} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done


def timed(label: str, timings: dict[str, float], fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    timings[label] = time.perf_counter() - start
    print(f"  {label}: {timings[label]:.1f} s", flush=True)
    return result


def tracked_package_files() -> list[str]:
    """Files under ``src/musicgenre`` and ``src/beetsplug`` (the beets plugin) that the repository tracks, relative
    to ``src/`` (a tree walk without git)."""
    listed = run(["git", "ls-files", "src/musicgenre", "src/beetsplug"], cwd=ROOT, ok=False)
    if listed.returncode == 0 and listed.stdout.strip():
        return [line.removeprefix("src/") for line in listed.stdout.splitlines()]
    return [
        str(p.relative_to(ROOT / "src"))
        for folder in (PACKAGE, ROOT / "src" / "beetsplug")
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]


def build(out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=out)
    (wheel,), (sdist,) = out.glob("*.whl"), out.glob("*.tar.gz")
    return wheel, sdist


def wheel_makeup(wheel: Path) -> dict[str, int]:
    """Uncompressed bytes in the wheel by kind of file."""
    kinds: dict[str, int] = defaultdict(int)
    with zipfile.ZipFile(wheel) as archive:
        for item in archive.infolist():
            name = item.filename
            if name.endswith((".onnx", ".card.json", "MODEL_CARD.md", ".png", "heldout_head.json")) and (
                "shipped_models" in name
            ):
                kind = "shipped models (ONNX + cards)"
            elif "efficientat/weights/" in name:
                kind = "EfficientAT graph, class names, licence"
            elif name.endswith(".safetensors"):
                kind = "musicnn weights (safetensors)"
            elif "/static/" in name:
                kind = "web page (HTML, JS, CSS)"
            elif name.endswith(".py"):
                kind = "Python code"
            elif ".dist-info/" in name:
                kind = "metadata (dist-info)"
            else:
                kind = "split lists, zoo TOML, notices"
            kinds[kind] += item.file_size
    return dict(kinds)


def new_venv(where: Path) -> Path:
    run([sys.executable, "-m", "venv", where], cwd=where.parent)
    return where / "bin"


def pip_install(bin_dir: Path, requirement: str, cwd: Path) -> None:
    quiet = ["--quiet", "--disable-pip-version-check", "--no-compile"]  # no .pyc of scipy & co.: a third faster
    run([bin_dir / "python", "-m", "pip", "install", *quiet, requirement], cwd=cwd)


def installed_package(bin_dir: Path, cwd: Path) -> Path:
    code = "import musicgenre, pathlib; print(pathlib.Path(musicgenre.__file__).parent)"
    return Path(run([bin_dir / "python", "-c", code], cwd=cwd).stdout.strip())


def check_installed_files(package_dir: Path) -> int:
    """Every tracked package file is installed, data files (models, weights, page) byte for byte; returns the count."""
    files = tracked_package_files()
    missing, differ = [], []
    for relative in files:
        installed = package_dir.parent / relative
        if not installed.is_file():
            missing.append(relative)
        elif not relative.endswith(".py") and installed.read_bytes() != (ROOT / "src" / relative).read_bytes():
            differ.append(relative)
    if missing or differ:
        raise CheckFailed(f"the wheel lacks {missing} and changes {differ}")
    return len(files)


def clip_for_predict(work: Path, bin_dir: Path) -> Path:
    """The real shared clip, or a synthesized 10 s WAV (written by the fresh environment's own numpy/soundfile)."""
    if SHARED_CLIP.is_file():
        return SHARED_CLIP
    path = work / "synthesized.wav"
    code = (
        "import numpy as np, soundfile as sf; t = np.arange(220500) / 22050; "
        "y = 0.3 * np.sin(2 * np.pi * 440 * t) * (1 + np.sin(2 * np.pi * 2 * t)); "
        f"sf.write({str(path)!r}, y.astype('float32'), 22050)"
    )
    run([bin_dir / "python", "-c", code], cwd=work)
    return path


def predict_json(bin_dir: Path, clip: Path, model: str, cwd: Path) -> dict:
    done = run([bin_dir / "musicgenre", "predict", clip, "--model", model, "--format", "json"], cwd=cwd)
    return json.loads(done.stdout)[0]


def check_predict(bin_dir: Path, clip: Path, work: Path) -> list[str]:
    """Every shipped model classifies ``clip`` from the wheel exactly as from the source tree."""
    lines = []
    for model in ("musicnn+efficientat", "musicnn", "efficientat", "audioset-genres", "features"):
        wheel_answer = predict_json(bin_dir, clip, model, work)
        source_answer = predict_json(ROOT / ".venv" / "bin", clip, model, work)
        gap = max(abs(wheel_answer["probabilities"][g] - p) for g, p in source_answer["probabilities"].items())
        if gap > 1e-4:
            raise CheckFailed(f"{model}: the wheel's probabilities differ from the source tree's by {gap:.2e}")
        lines.append(
            f"{model}: {clip.name} -> {wheel_answer['genre']} {max(wheel_answer['probabilities'].values()):.2f}"
        )
    return lines


def check_without_extras(bin_dir: Path, clip: Path, work: Path) -> None:
    code = (
        "import importlib.util, sys; assert importlib.util.find_spec('torch') is None, 'torch is installed'; "
        "from musicgenre import classify; "
        f"p = classify({str(clip)!r}); assert 'torch' not in sys.modules; print(p.genre)"
    )
    run([bin_dir / "python", "-c", code], cwd=work)
    hints = (
        (["tags", str(clip)], "backbones"),
        (["serve", "--port", "0"], "web"),
        (["label", str(clip)], "label"),
        (["learn", str(clip), "-o", "learned.onnx"], "learn"),
    )
    for command, extra in hints:
        done = run([bin_dir / "musicgenre", *command], cwd=work, ok=False)
        message = done.stderr.strip()
        if done.returncode == 0 or f"musicgenre[{extra}]" not in message or "Traceback" in message:
            raise CheckFailed(f"`musicgenre {command[0]}` without [{extra}] should say how to install it: {message!r}")


def check_server(bin_dir: Path, work: Path) -> dict:
    """Start ``musicgenre serve --port 0``, read its address, fetch /healthz, / and /api/model."""
    server = subprocess.Popen(
        [str(bin_dir / "musicgenre"), "serve", "--port", "0", "--workers", "1", "--log-level", "warning"],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = _line_within(server.stderr, SERVER_START_LIMIT_S)  # serve says where it listens on stderr
        found = re.search(r"http://[^/\s]+/", first)
        if not found:
            raise CheckFailed(f"serve printed no address within {SERVER_START_LIMIT_S:g} s: {first!r}")
        base = found.group(0)
        deadline = time.monotonic() + SERVER_START_LIMIT_S
        while True:
            try:
                with urllib.request.urlopen(base + "healthz", timeout=5) as response:
                    health = json.load(response)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    said = server.stderr.read() if server.poll() is not None else "(still running)"
                    raise CheckFailed(f"serve did not answer /healthz: {said}") from None
                time.sleep(0.5)
        with urllib.request.urlopen(base, timeout=10) as response:
            page = response.read().decode()
        if "<html" not in page.lower():
            raise CheckFailed("/ is not the web page")
        with urllib.request.urlopen(base + "api/model", timeout=10) as response:
            model = json.load(response)
        return {"health": health, "model": model}
    finally:
        server.terminate()
        server.wait(timeout=30)


def _line_within(stream, seconds: float) -> str:
    """The next line of a child's pipe, or "" when none comes within ``seconds``."""
    ready, _, _ = select.select([stream], [], [], seconds)
    return stream.readline() if ready else ""


def changelog_version() -> str:
    found = re.search(r"^## \[?(\d+\.\d+\.\d+[^\]\s]*)", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    if not found:
        raise CheckFailed("CHANGELOG.md has no '## <version>' heading")
    return found.group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and say where it is")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="musicgenre-dist-check-"))
    timings: dict[str, float] = {}
    try:
        print(f"dist-check in {work}", flush=True)
        wheel, sdist = timed("build sdist + wheel", timings, build, work / "dist")
        version = wheel.name.split("-")[1]
        base_bin = timed(
            "install wheel, base dependencies", timings, lambda: _install(work / "base", wheel.name, wheel)
        )
        package_dir = installed_package(base_bin, work)
        n_files = check_installed_files(package_dir)
        reported = run([base_bin / "musicgenre", "--version"], cwd=work).stdout.strip()
        clip = clip_for_predict(work, base_bin)
        predictions = timed("predict, every model, wheel and source", timings, check_predict, base_bin, clip, work)
        check_without_extras(base_bin, clip, work)
        timed("add [web] to it", timings, pip_install, base_bin, f"{wheel.name}[web]", wheel.parent)
        served = timed("serve: start, /healthz, /, /api/model", timings, check_server, base_bin, work)
        versions = {
            "wheel": version,
            "--version": reported.rsplit(" ", 1)[-1],
            "/api/model": served["model"].get("version"),
            "CHANGELOG.md": changelog_version(),
        }
        if len(set(versions.values())) != 1:
            raise CheckFailed(f"versions disagree: {versions}")
        print(f"wheel {wheel.name}: {wheel.stat().st_size / 1e6:.2f} MB; sdist {sdist.stat().st_size / 1e6:.2f} MB")
        for kind, size in sorted(wheel_makeup(wheel).items(), key=lambda kv: -kv[1]):
            print(f"  {kind:<34} {size / 1e6:6.2f} MB uncompressed")
        print(
            f"installed: all {n_files} tracked package files (data files byte-identical); no torch in the base install"
        )
        for line in predictions:
            print(f"  {line}")
        print(f"serve: /healthz {served['health']['status']}, model {served['model']['name']}")
        print(f"version {version} agrees: {', '.join(versions)}")
        print("dist-check passed")
        return 0
    except CheckFailed as failure:
        print(f"dist-check FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _install(venv: Path, requirement: str, wheel: Path) -> Path:
    bin_dir = new_venv(venv)
    pip_install(bin_dir, requirement, cwd=wheel.parent)
    return bin_dir


if __name__ == "__main__":
    sys.exit(main())
