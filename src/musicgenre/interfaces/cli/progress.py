"""The progress bar the batch commands (``predict``, ``label``) draw on stderr."""

from __future__ import annotations

import sys


def progress_bar(total: int, enabled: bool):
    """A tqdm bar of ``total`` files on stderr (a no-op bar when not ``enabled``); cleared when closed."""
    from tqdm import tqdm

    return tqdm(total=total, disable=not enabled, file=sys.stderr, unit="file", dynamic_ncols=True, leave=False)
