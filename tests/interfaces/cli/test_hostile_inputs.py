"""A seeded sample of the fuzz corpus (``tests/hostile_inputs.py``) through ``musicgenre predict``, ``classify()``
and the feature extraction: every input gets exactly one result or one-line error row, nothing escapes.

``benchmarks/fuzz_inputs.py`` runs the same corpus at 10,000 inputs and more entry points.
"""

from __future__ import annotations

import csv
import os
from collections import Counter

import pytest
from click.testing import CliRunner
from hostile_inputs import NON_MUSIC, hostile_inputs, materialize, row_mismatches

from musicgenre import classify
from musicgenre.audio import AudioError
from musicgenre.features.extract import ExtractConfig, extract
from musicgenre.interfaces.cli.main import cli

SAMPLE = 260  # every fixed case, then mutations of real excerpts
SEED = 20261129


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    items = list(hostile_inputs(SAMPLE, SEED))
    return folder, [(item, materialize(item, folder, i)) for i, item in enumerate(items)]


def test_predict_gives_every_input_one_row(corpus, tmp_path):
    folder, items = corpus
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["predict", str(folder), "--format", "csv", "-o", str(out), "--no-progress"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1  # some inputs are unreadable, and the status says so
    with open(out, newline="", encoding="utf-8", errors="surrogateescape") as handle:
        rows = list(csv.DictReader(handle))
    assert row_mismatches(items, Counter(row["file"] for row in rows)) == {}
    for row in rows:
        assert "\n" not in row["error"] and "Traceback" not in row["error"]
    by_path = {str(path): item for item, path in items}
    confident = [
        r["file"] for r in rows if not r["error"] and by_path[r["file"]].kind in NON_MUSIC and r["uncertain"] != "true"
    ]
    assert confident == []


def test_classify_returns_or_raises_audio_error(corpus):
    _, items = corpus
    escaped = []
    for item, path in items:
        if item.special in ("folder", "symlink-loop"):
            continue
        try:
            classify(path)
        except AudioError as error:
            message = str(error)
            assert "\n" not in message and message.startswith(str(path)), message
        except Exception as error:  # the point of the test: nothing else may escape
            escaped.append(f"{os.fsdecode(path.name)}: {type(error).__name__}: {error}")
    assert escaped == []


def test_feature_extraction_gives_every_input_a_row_or_failure(corpus):
    folder, items = corpus
    run = extract([folder], ExtractConfig(recipe="kaggle30", jobs=1, cache_dir=None))
    counts = Counter(str(row.path) for row in run.rows) + Counter(str(f.path) for f in run.failures)
    assert row_mismatches(items, counts) == {}
