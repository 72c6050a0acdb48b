"""``-o FILE``: an output file whose folder is checked when the command line is read, not after the work is done.

A missing folder, a file standing where the folder should be, or a folder this user cannot write into is one line
naming the file, before a single track is read.
"""

from __future__ import annotations

import os
from pathlib import Path

import click


class OutputFile(click.Path):
    """A file to write (a :class:`~pathlib.Path`), in a folder that exists and can be written into."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value, param, ctx) -> Path:
        path = Path(os.fsdecode(super().convert(value, param, ctx)))
        folder = path.absolute().parent
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            self.fail(f"{path}: its folder {folder} {what}", param, ctx)
        if not os.access(folder, os.W_OK | os.X_OK):
            self.fail(f"{path}: cannot write into {folder} (permission denied)", param, ctx)
        return path
