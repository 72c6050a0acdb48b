"""The self-contained HTML report: structure, embedded images, nothing outside the page."""

from __future__ import annotations

import base64
import re

import pytest
from visualization.pngcheck import assert_png

from musicgenre.visualization.experiment import load_experiment
from musicgenre.visualization.report import leaderboard_table, report_html, write_report


def _images(page: str) -> list[bytes]:
    return [base64.b64decode(data) for data in re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)]


def _assert_self_contained(page: str) -> None:
    assert not re.search(r"(?:src|href)=\"(?!data:|#)", page), "the page links something outside itself"
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page and "<script" not in page


def test_report_has_protocol_table_and_every_figure(run_dir, tmp_path):
    run = load_experiment(run_dir)
    path = write_report(run, tmp_path / "out" / "report.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<title>Experiment report — run</title>" in page
    protocol_at = page.index("Protocol: fault-filtered")
    assert protocol_at < page.index("<h2>Leaderboard</h2>") < page.index("<img")  # protocol stated first
    assert "trained on 443 clips, selected on 197 validation clips, scored once on 290 test clips" in page
    assert "<dt>folds</dt><dd>1 × train / valid / test clips: 443 / 197 / 290</dd>" in page
    assert "<strong>accuracy</strong>: pooled over the test tracks" in page
    assert "scikit-learn" not in page and "config" not in page  # nested settings stay out of the summary
    assert page.count("<tr>") == 1 + len(run.leaderboard) and page.count('<tr class="reference">') == 2
    images = _images(page)
    assert len(images) == 6  # leaderboard + cnn (3) + svm (2)
    for png in images:
        assert_png(png, 600, 250)
    for title in ("Leaderboard", "Learning curves — cnn", "Confusion matrix — cnn", "Accuracy per genre — svm"):
        assert f'alt="{title}"' in page
    assert "Incomplete experiment folder" not in page
    _assert_self_contained(page)


def test_kfold_report_says_artists_repeat_across_folds(run_dir):
    run = load_experiment(run_dir)
    run.meta["protocol"] = "kfold"
    page = report_html(run, [])
    assert "Protocol: kfold" in page and "no artist filter" in page and "numbers run optimistic" in page


def test_report_of_an_incomplete_folder_says_what_is_missing(run_dir):
    (run_dir / "cnn" / "history.csv").unlink()
    (run_dir / "svm" / "confusion.csv").write_text("garbage")
    run = load_experiment(run_dir)
    page = report_html(run, [])
    assert "Incomplete experiment folder" in page
    assert "<code>cnn/history.csv</code>" in page
    assert "unreadable: <code>svm/confusion.csv:" in page


def test_text_is_escaped(run_dir):
    run = load_experiment(run_dir)
    run.meta["data"] = "<script>alert(1)</script>"
    page = report_html(run, [])
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_leaderboard_table_orders_best_first(run_dir):
    run = load_experiment(run_dir)
    table = leaderboard_table(run.leaderboard)
    best = max(run.leaderboard, key=lambda r: r.accuracy)
    assert re.search(rf"<td>1\. {best.model}</td><td>{best.accuracy * 100:.1f} %</td>", table)
    # the seed's 62 % was on validation clips, its 64.4 % on unseen clips: each in its own column
    assert "<td>seed, random split: 62 % (validation)</td><td></td><td></td><td>62.0 %</td>" in table
    assert "<td>seed, random split: 64.4 % (unseen clips)</td><td>64.4 %</td><td></td><td></td>" in table


def test_table_and_chart_rank_tied_models_alike(run_dir):
    from musicgenre.visualization.experiment import LeaderboardRow
    from musicgenre.visualization.results import plot_leaderboard

    rows = [
        LeaderboardRow("b-first-in-file", "kfold", 0.5, 0.4, 0.6),
        LeaderboardRow("top", "kfold", 0.7, 0.6, 0.8),
        LeaderboardRow("a-second-in-file", "kfold", 0.5, 0.4, 0.6),
    ]
    in_table = re.findall(r"<td>\d+\. ([\w-]+)</td>", leaderboard_table(rows))
    top_down = [t.get_text() for t in plot_leaderboard(rows).axes[0].get_yticklabels()][::-1]
    assert in_table == top_down == ["top", "b-first-in-file", "a-second-in-file"]


@pytest.mark.browser
def test_report_opens_in_headless_chromium(run_dir, tmp_path):
    import shutil
    import subprocess

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium not installed (make browser-deps)")
    page = write_report(load_experiment(run_dir), tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1300,1600",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert_png(shot, 1300, 1600)
