"""Predictions files (CSV, JSONL, JSON) with one record predict would never write, and the one line that names it.

Each case puts a good record first and the malformed one on a known line, so a reader must name that line.
Used by the library reader's tests and by those of ``musicgenre report`` and ``musicgenre playlists``.
"""

from __future__ import annotations

import json
from pathlib import Path

HEADER = "file,scope,start_s,end_s,genre,probability,uncertain,not_music,error"
GOOD_RECORD = {"file": "a.wav", "duration_s": 30.0, "genre": "jazz", "probability": 0.61, "uncertain": False,
               "not_music": None, "error": None}  # fmt: skip
GOOD_ROW = "a.wav,track,0.0,30.0,jazz,0.6100,false,,"

#: name -> (the JSON record's changes, its reason; the CSV row, its reason). ``...`` deletes a field.
CASES: dict[str, tuple[dict, str, str, str]] = {
    "nan": (
        {"probability": float("nan")},
        "probability: NaN is not a finite number",
        "b.wav,track,0.0,30.0,jazz,NaN,false,,",
        "probability: 'NaN' is not a finite number",
    ),
    "inf": (
        {"duration_s": float("inf")},
        "duration_s: Infinity is not a finite number",
        "b.wav,track,0.0,inf,jazz,0.5,false,,",
        "end_s: 'inf' is not a finite number",
    ),
    "wrong type": (
        {"probability": "0.5"},
        "probability: '0.5' is not a number",
        "b.wav,track,0.0,30.0,jazz,high,false,,",
        "probability: 'high' is not a number",
    ),
    "start_s": (
        {"timeline": [{"start_s": "zero", "end_s": 30.0, "genre": "jazz"}]},
        "timeline[0].start_s: 'zero' is not a number",
        "b.wav,window,zero,30.0,jazz,0.5,,,",
        "start_s: 'zero' is not a number",
    ),
    "missing": (
        {"genre": ...},
        "genre: missing",
        "b.wav,track,0.0,30.0,,0.5,false,,",
        "genre: missing",
    ),
    "out of range": (
        {"probability": 1.5},
        "probability: 1.5 is out of range (0 to 1)",
        "b.wav,track,0.0,30.0,jazz,1.5,false,,",
        "probability: 1.5 is out of range (0 to 1)",
    ),
}


def write_malformed(folder: Path, case: str, fmt: str) -> tuple[Path, str]:
    """Write ``case`` as ``fmt`` into ``folder``; the file and the line a reader must report: ``FILE:LINE: reason``."""
    changes, json_reason, row, csv_reason = CASES[case]
    path = folder / f"{case.replace(' ', '-')}.{fmt}"
    if fmt == "csv":
        path.write_text(f"{HEADER}\n{GOOD_ROW}\n{row}\n{GOOD_ROW.replace('a.wav', 'c.wav')}\n", encoding="utf-8")
        return path, f"{path}:3: {csv_reason}"
    bad = {k: v for k, v in ({**GOOD_RECORD, "file": "b.wav"} | changes).items() if v is not ...}
    lines = [json.dumps(GOOD_RECORD), json.dumps(bad), json.dumps({**GOOD_RECORD, "file": "c.wav"})]
    if fmt == "jsonl":
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return path, f"{path}:2: {json_reason}"
    path.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
    return path, f"{path}:3: {json_reason}"
