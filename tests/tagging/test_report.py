"""label's table rows: control characters in names, genres and reasons are escaped (as ``ls -b``); CSV keeps them."""

from __future__ import annotations

import io

from musicgenre.tagging.label import LabelRow
from musicgenre.tagging.report import ReportWriter, table_line


def test_table_line_escapes_control_characters():
    row = LabelRow("a\x1b[31mred\nline.mp3", "set", applied=True, current=("Ro\x07ck",), new=("Pop",), probability=0.9)
    line = table_line(row, width=60)
    assert "\x1b" not in line and "\x07" not in line and line.count("\n") == 1
    assert "a\\033[31mred\\nline.mp3" in line and "Ro\\007ck" in line
    error = table_line(LabelRow("b\rc.mp3", "error", reason="bad\x1bfile"), width=60)
    assert "b\\rc.mp3" in error and "bad\\033file" in error and "\x1b" not in error


def test_csv_keeps_names_exact():
    out = io.StringIO()
    writer = ReportWriter(out, "csv")
    writer.begin()
    writer.write(LabelRow("a\x1bb.mp3", "set", applied=True, new=("Pop",), probability=0.5))
    assert "a\x1bb.mp3" in out.getvalue()
