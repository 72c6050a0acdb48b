"""features and embed on a Dask LocalCluster (2 worker processes): the local path's table, the cache written on
the client, a path only the client has, and an unreachable scheduler."""

from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner
from signals import music, tone, write

from musicgenre.features.extract import ExtractConfig, extract
from musicgenre.interfaces.cli.main import cli

pytest.importorskip("distributed", reason="the cluster tests need musicgenre[cluster]")


def _library(root, n: int = 6):
    root.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        write(root / f"t{k:02d}.wav", music(3.0) * (0.5 + 0.1 * k) + tone(300.0 + 40 * k, 3.0, amplitude=0.05))
    (root / "notes.wav").write_text("not audio")
    return root


def _features(*args: str):
    return CliRunner().invoke(cli, ["features", *args, "--quiet"])


def test_features_on_the_cluster_are_the_local_table_and_fill_the_local_cache(tmp_path, scheduler):
    lib = _library(tmp_path / "lib")
    local = _features(str(lib), "--no-cache", "-j", "1")
    remote = _features(str(lib), "--cluster", scheduler, "--cache-dir", str(tmp_path / "cache"))
    assert local.exit_code == remote.exit_code == 1  # notes.wav fails both ways
    table, cluster_table = (pd.read_csv(io.StringIO(r.stdout)) for r in (local, remote))
    assert len(table) == 6
    pd.testing.assert_frame_equal(cluster_table, table)  # same code, same CPU: the same numbers
    assert "notes.wav" in remote.stderr and "6 file(s) written (0 from cache), 1 failed" in remote.stderr
    again = extract([lib], ExtractConfig(cache_dir=tmp_path / "cache"))  # the client's cache, filled above
    assert again.n_cached == 6


def test_a_path_only_the_client_has_is_an_error_row_that_says_so(tmp_path, scheduler, monkeypatch):
    lib = _library(tmp_path / "lib", n=1)
    elsewhere = tmp_path / "on-the-client-only.wav"  # as a path on a disk the workers do not mount
    listed = ([str(lib / "t00.wav"), str(elsewhere)], [])
    monkeypatch.setattr("musicgenre.features.extract.find_inputs", lambda paths: listed)
    result = extract([lib], ExtractConfig(cluster=scheduler))
    assert [row.path.name for row in result.rows] == ["t00.wav"]
    (failure,) = result.failures
    assert failure.path == elsewhere and failure.reason.startswith("no such file on the worker (")


def test_embed_on_the_cluster_matches_this_process_within_float32_rounding(tmp_path, scheduler):
    pytest.importorskip("torch", reason="embed needs musicgenre[backbones]")
    from backbones.musicnn_ref import FIXTURES
    from backbones.rounding import assert_float32_close, float32_tolerance

    from musicgenre.backbones import musicnn
    from musicgenre.backbones.musicnn.embed import EmbedConfig, embed_files

    clips = [shutil.copy(FIXTURES / "synth16k.wav", tmp_path / f"copy{k}.wav") for k in range(3)]
    (tmp_path / "bad.wav").write_text("not audio")
    run = embed_files([*clips, tmp_path / "bad.wav"], EmbedConfig(cache_dir=tmp_path / "cache", cluster=scheduler))
    assert [t.path.name for t in run.tracks] == ["copy0.wav", "copy1.wav", "copy2.wav"]
    assert [f.path.name for f in run.failures] == ["bad.wav"]
    serial = musicnn.analyze(FIXTURES / "synth16k.wav").max_pool
    tolerance = float32_tolerance("msd", FIXTURES / "synth16k.wav").tolerance("max_pool")  # other thread counts
    for track in run.tracks:
        assert_float32_close(track.patches("max_pool"), serial, tolerance, "max_pool")
    cached = embed_files(clips, EmbedConfig(cache_dir=tmp_path / "cache"))  # written here, by the client
    assert cached.n_cached == 3


def test_an_unreachable_scheduler_is_one_line_for_features_and_embed(tmp_path):
    lib = _library(tmp_path / "lib", n=1)
    for command in (["features", str(lib)], ["embed", str(lib), "-o", str(tmp_path / "e.csv"), "--no-cache"]):
        result = CliRunner().invoke(cli, [*command, "--cluster", "tcp://127.0.0.1:9"])
        assert result.exit_code == 1, result.output
        assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
        assert "Traceback" not in result.output
