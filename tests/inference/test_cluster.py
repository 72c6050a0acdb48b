"""predict on a Dask LocalCluster (2 worker processes, shared by the module): the local path's output, a worker
killed mid-run, a poison file, --resume, an unreachable scheduler."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from signals import tone, write

distributed = pytest.importorskip("distributed")

import cluster_hooks  # noqa: E402
from cluster_hooks import POISON_AMPLITUDE  # noqa: E402

from musicgenre.inference.recipes import FeatureRecipe  # noqa: E402
from musicgenre.interfaces.cli.main import cli  # noqa: E402


@pytest.fixture
def use_recipe(monkeypatch):
    """A model file names only the package's recipes; the caller's code chooses a custom one. Here predict's own
    load and the batch config it sends to the workers carry ``FeatureRecipe(cluster_hooks.<name>)``, which the
    workers unpickle by reference (``tests/`` is on their import path)."""
    from musicgenre.inference import batch, loading

    def use(name: str) -> None:
        recipe = FeatureRecipe("test_rms", getattr(cluster_hooks, name), ("rms",), 22050)
        load, config = loading.load_model, batch.BatchConfig
        monkeypatch.setattr(
            loading, "load_model", lambda path=None, **kw: load(path, recipe=kw.get("recipe") or recipe)
        )
        monkeypatch.setattr(batch, "BatchConfig", lambda **kw: config(**{**kw, "recipe": kw.get("recipe") or recipe}))

    return use


def _model(tmp_path: Path, rms, use_recipe, hook: str) -> Path:
    use_recipe(hook)
    return rms.write_model(tmp_path / "rms.onnx")


def _library(root: Path, n: int = 10) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        write(root / f"t{k:02d}.wav", tone(200.0 + 30 * k, 3.0, amplitude=0.05 + 0.05 * k))
    (root / "notes.wav").write_text("not audio")
    return root


def _predict(*args: str) -> tuple[int, list[list[str]], str]:
    result = CliRunner().invoke(cli, ["predict", *args, "--format", "csv", "--no-progress"])
    return result.exit_code, [], result.output


def _rows(path: Path) -> list[tuple[str, ...]]:
    with open(path, newline="") as f:
        return sorted(tuple(r) for r in csv.reader(f))


def test_cluster_gives_the_local_output(tmp_path, rms, use_recipe, scheduler):
    lib = _library(tmp_path / "lib")
    model = _model(tmp_path, rms, use_recipe, "rms")
    local, remote = tmp_path / "local.csv", tmp_path / "cluster.csv"
    code_local, _, _ = _predict(str(lib), "--model", str(model), "-j", "1", "-o", str(local))
    code_cluster, _, out = _predict(str(lib), "--model", str(model), "--cluster", scheduler, "-o", str(remote))
    assert code_local == code_cluster == 1, out  # notes.wav fails both ways
    assert _rows(remote) == _rows(local), out
    assert len(_rows(local)) == 12  # header, 10 tones, the error row


def test_a_worker_killed_mid_run_loses_nothing_and_a_poison_file_is_an_error_row(tmp_path, rms, use_recipe, scheduler):
    lib = _library(tmp_path / "lib", n=12)
    write(lib / "zz-poison.wav", tone(300.0, 3.0, amplitude=POISON_AMPLITUDE))  # last: deaths spaced apart
    model = _model(tmp_path, rms, use_recipe, "rms_or_die")
    local = tmp_path / "local.csv"
    out = tmp_path / "cluster.csv"

    killed: list[float] = []

    def kill_one_worker():  # a genuine death: SIGKILL to one of this process's worker processes mid-run
        for _ in range(100):
            found = subprocess.run(
                ["pgrep", "-P", str(os.getpid()), "-f", "spawn_main"], capture_output=True, text=True
            )
            if found.stdout.split():
                os.kill(int(found.stdout.split()[0]), signal.SIGKILL)
                killed.append(time.monotonic())
                return
            time.sleep(0.05)

    killer = threading.Timer(0.5, kill_one_worker)
    killer.start()
    code, _, text = _predict(str(lib), "--model", str(model), "--cluster", scheduler, "-o", str(out))
    ended = time.monotonic()
    killer.join()
    assert killed and killed[0] < ended, "no worker was killed while the run went on"
    assert code == 1, text
    rows = _rows(out)
    files = [r[0] for r in rows if r[0] != "file"]
    assert len(files) == len(set(files)) == 14  # 12 tones, notes.wav, poison.wav: each once
    by_file = {Path(r[0]).name: r for r in rows if r[0] != "file"}
    assert by_file["zz-poison.wav"][-1] == "the worker process crashed while reading this file"
    assert by_file["notes.wav"][-1].startswith("not a readable audio file")
    # the tones' rows are what the local path gives (without the poison file)
    (lib / "zz-poison.wav").unlink()
    _predict(str(lib), "--model", str(model), "-j", "1", "-o", str(local))
    assert sorted(r for r in rows if not r[0].endswith("zz-poison.wav")) == _rows(local)


def test_resume_after_an_interrupted_cluster_run(tmp_path, rms, use_recipe, scheduler):
    lib = _library(tmp_path / "lib", n=8)
    model = _model(tmp_path, rms, use_recipe, "rms")
    out = tmp_path / "out.csv"
    _predict(str(lib), "--model", str(model), "--cluster", scheduler, "-o", str(out))
    full = _rows(out)
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:4]) + lines[4][:10])  # cut as a killed run leaves it: 3 rows and a half
    code, _, text = _predict(str(lib), "--model", str(model), "--cluster", scheduler, "-o", str(out), "--resume")
    assert code == 1, text
    assert _rows(out) == full
    assert "already in" in text


def test_an_unreachable_scheduler_is_one_line(tmp_path, rms):
    lib = _library(tmp_path / "lib", n=1)
    code, _, text = _predict(str(lib), "--cluster", "tcp://127.0.0.1:9", "-o", str(tmp_path / "o.csv"))
    assert code == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in text
    assert "Traceback" not in text
