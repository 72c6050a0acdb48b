"""Audio behind URLs: predict, label, features and embed on an S3 bucket served by a real S3-compatible server (moto, on
127.0.0.1, started here), and file:// URLs; the answers equal the local files'."""

from __future__ import annotations

import csv
import io
import os
import time

import pytest
from click.testing import CliRunner
from signals import music, write

from musicgenre.audio import find_audio_files, find_inputs, is_url
from musicgenre.interfaces.cli.main import cli

BUCKET = "library"


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A moto S3 server on a free loopback port, a bucket with three clips under music/ and a text file named
    .mp3; s3fs pointed at it through fsspec's environment configuration (FSSPEC_S3_ENDPOINT_URL)."""
    moto_server = pytest.importorskip("moto.server", reason="the S3 test needs moto[server] (the test extra)")
    boto3 = pytest.importorskip("boto3")
    pytest.importorskip("s3fs", reason="reading s3:// needs s3fs (musicgenre[s3])")
    import fsspec.config
    import s3fs

    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    for _ in range(100):  # the server binds in its thread
        if server._server is not None:
            break
        time.sleep(0.05)
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    patch = pytest.MonkeyPatch()
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "FSSPEC_S3_ENDPOINT_URL": endpoint,
    }.items():
        patch.setenv(key, value)
    saved = dict(fsspec.config.conf)
    fsspec.config.set_conf_env(fsspec.config.conf)
    s3fs.S3FileSystem.clear_instance_cache()
    local = tmp_path_factory.mktemp("local")
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    for k, seconds in enumerate((4.0, 6.0, 8.0)):
        path = write(local / f"clip{k}.wav", music(seconds) * (0.6 + 0.1 * k))
        client.upload_file(str(path), BUCKET, f"music/clip{k}.wav")
    client.put_object(Bucket=BUCKET, Key="music/deep/notes.mp3", Body=b"not audio at all")
    try:
        yield local
    finally:
        fsspec.config.conf.clear()
        fsspec.config.conf.update(saved)
        s3fs.S3FileSystem.clear_instance_cache()
        patch.undo()
        server.stop()


def _rows(text: str) -> dict[str, dict]:
    return {row["file"].rsplit("/", 1)[-1]: row for row in csv.DictReader(io.StringIO(text))}


def test_predict_reads_a_bucket_as_a_folder(s3):
    remote = CliRunner().invoke(cli, ["predict", f"s3://{BUCKET}/music/", "--format", "csv", "--no-progress"])
    local = CliRunner().invoke(cli, ["predict", str(s3), "--format", "csv", "--no-progress"])
    assert remote.exit_code == 1  # the text file fails
    rows, local_rows = _rows(remote.stdout), _rows(local.stdout)
    assert sorted(rows) == ["clip0.wav", "clip1.wav", "clip2.wav", "notes.mp3"]
    assert rows["clip1.wav"]["file"] == f"s3://{BUCKET}/music/clip1.wav"  # named by its URL
    for name in ("clip0.wav", "clip1.wav", "clip2.wav"):  # the same bytes, the same answer
        assert {k: v for k, v in rows[name].items() if k != "file"} == {
            k: v for k, v in local_rows[name].items() if k != "file"
        }
    assert rows["notes.mp3"]["error"] and "\n" not in rows["notes.mp3"]["error"]


def test_globs_missing_keys_and_resume_on_a_bucket(s3, tmp_path):
    files, missing = find_inputs([f"s3://{BUCKET}/music/clip[01].wav", f"s3://{BUCKET}/nothing/"])
    assert files == [f"s3://{BUCKET}/music/clip0.wav", f"s3://{BUCKET}/music/clip1.wav"]
    assert missing == [(f"s3://{BUCKET}/nothing/", "no audio files there, and no glob match")]
    out = tmp_path / "out.csv"
    first = CliRunner().invoke(cli, ["predict", f"s3://{BUCKET}/music/clip0.wav", "--format", "csv", "-o", str(out)])
    assert first.exit_code == 0
    again = CliRunner().invoke(
        cli, ["predict", f"s3://{BUCKET}/music/", "--format", "csv", "-o", str(out), "--resume", "--no-progress"]
    )
    assert "1 already in" in again.stderr and sorted(_rows(out.read_text())) == [
        "clip0.wav",
        "clip1.wav",
        "clip2.wav",
        "notes.mp3",
    ]


def test_label_leaves_urls_alone_with_a_reason(s3, tmp_path):
    result = CliRunner().invoke(
        cli,
        ["label", f"s3://{BUCKET}/music/clip0.wav", "--apply", "--format", "csv", "--undo-log", str(tmp_path / "u")],
    )
    assert result.exit_code == 1
    assert "tags are written only into local files" in result.stdout


def test_file_urls_and_commands_that_read_local_files_only(tmp_path):
    clip = write(tmp_path / "a.wav", music(4.0))
    assert is_url(f"file://{clip}") and not is_url(str(clip)) and not is_url("C:/music/a.wav")
    assert find_inputs([f"file://{tmp_path}/"])[0] == [f"file://{clip}"]
    files, missing = find_audio_files([f"s3://{BUCKET}/music/"])
    assert files == [] and "this command reads local files only" in missing[0][1]


def test_features_of_a_bucket_are_the_local_files_features_and_share_their_cache(s3, tmp_path):
    from musicgenre.features.extract import ExtractConfig, extract

    cache = tmp_path / "cache"
    remote = extract([f"s3://{BUCKET}/music/"], ExtractConfig(cache_dir=cache))
    assert [str(row.path) for row in remote.rows] == [f"s3://{BUCKET}/music/clip{k}.wav" for k in range(3)]
    assert [str(f.path) for f in remote.failures] == [f"s3://{BUCKET}/music/deep/notes.mp3"]
    local = extract([s3], ExtractConfig(cache_dir=cache))  # the same bytes on disk: every row from the cache
    assert local.n_cached == 3
    fresh = extract([s3], ExtractConfig(cache_dir=None))
    for a, b in zip(remote.rows, fresh.rows, strict=True):
        assert (a.length, a.values.tolist()) == (b.length, b.values.tolist())
    assert list(remote.to_frame()["filename"]) == ["clip0.wav", "clip1.wav", "clip2.wav"]


def test_embeddings_of_a_bucket_are_cached_by_content(s3, tmp_path):
    pytest.importorskip("torch", reason="embed needs musicgenre[backbones]")
    from musicgenre.backbones.musicnn.embed import EmbedConfig, embed_files

    cache = tmp_path / "cache"
    remote = embed_files([f"s3://{BUCKET}/music/clip0.wav"], EmbedConfig(cache_dir=cache))
    (track,) = remote.tracks
    assert str(track.path) == f"s3://{BUCKET}/music/clip0.wav" and not track.cached
    local = embed_files([s3 / "clip0.wav"], EmbedConfig(cache_dir=cache))  # keyed by content: a hit
    assert local.n_cached == 1 and (local.tracks[0].arrays["max_pool"] == track.arrays["max_pool"]).all()
    again = embed_files([f"s3://{BUCKET}/music/clip0.wav"], EmbedConfig(cache_dir=cache))
    assert again.n_cached == 1


def test_learn_reads_genres_and_artists_from_a_bucket(s3, tmp_path):
    """A tagged library under a bucket prefix teaches the same genres, from the same tracks, as on disk."""
    import json

    import boto3
    from own_library import make_library

    library = make_library(tmp_path / "own")
    client = boto3.client("s3", endpoint_url=os.environ["FSSPEC_S3_ENDPOINT_URL"], region_name="us-east-1")
    for path in library.iterdir():
        client.upload_file(str(path), BUCKET, f"own/{path.name}")
    out = tmp_path / "bucket.onnx"
    result = CliRunner().invoke(cli, ["learn", f"s3://{BUCKET}/own/", "-o", str(out), "--min-tracks", "4"])
    assert result.exit_code == 0, result.output
    assert "read 23 files: 20 with a genre, 3 without, 0 whose tags cannot be read" in result.stderr
    card = json.loads(out.with_suffix(".card.json").read_text())
    assert card["genres"] == ["Ambient", "Chiptune", "Hip Hop"] and (card["tracks"], card["artists"]) == (18, 9)
