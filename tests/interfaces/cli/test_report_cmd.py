"""``musicgenre report RUN_DIR -o report.html``."""

from __future__ import annotations

from click.testing import CliRunner
from visualization.fake_experiment import write_experiment

from musicgenre.interfaces.cli.main import cli


def test_report_writes_one_self_contained_page(tmp_path):
    run = write_experiment(tmp_path / "run")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", str(run), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {out}"
    page = out.read_text(encoding="utf-8")
    assert "Protocol: fault-filtered" in page and page.count("data:image/png;base64,") == 6
    assert "https://" not in page and "<link" not in page


def test_report_names_missing_files(tmp_path):
    run = write_experiment(tmp_path / "run")
    (run / "experiment.json").unlink()
    result = CliRunner().invoke(cli, ["report", str(run), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0
    assert f"missing: {run / 'experiment.json'}" in result.output
    assert "<code>experiment.json</code>" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_report_of_no_folder_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "absent"), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'absent'}: no such experiment folder"
    assert not (tmp_path / "r.html").exists()
