"""``--format`` and ``-o FILE`` together: the file's extension picks the format unless ``--format`` is given.

``.csv`` is CSV, ``.json`` JSON, ``.jsonl`` and ``.ndjson`` JSON lines; any other name (or stdout) is the table.
A ``--format`` that contradicts the extension (``-o x.csv --format json``) is one line, not a file in the wrong
format that ``report`` or a spreadsheet then rejects.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from musicgenre.inference.output import terminal_text

#: The format each output file extension implies (lower case).
EXTENSION_FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def format_option(formats: Sequence[str]):
    """The ``--format`` option: no default, so :func:`pick_format` can tell "not given" from "table"."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(formats),
        default=None,
        help="Output format [default: from the -o FILE extension (.csv, .json, .jsonl/.ndjson), else table].",
    )


def pick_format(fmt: str | None, output: Path | None, formats: Sequence[str]) -> str:
    """The format to write: ``fmt`` when given, else the one ``output``'s extension implies, else ``table``.
    ``click.UsageError`` (one line) when they disagree or the extension names a format this command lacks."""
    implied = EXTENSION_FORMATS.get(output.suffix.lower()) if output is not None else None
    if output is None or implied is None:
        return fmt or "table"
    shown = terminal_text(str(output))
    if fmt is None and implied not in formats:
        raise click.UsageError(
            f"-o {shown}: a {output.suffix} name, but this command writes {', '.join(formats)}; "
            "give --format or another file name"
        )
    if fmt is not None and fmt != implied:
        raise click.UsageError(
            f"-o {shown} names a {implied} file but --format is {fmt}; drop --format or rename the file"
        )
    return implied
