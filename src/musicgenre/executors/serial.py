"""The serial executor: every item in this process, one after another, with an optional time limit per item."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from musicgenre.executors.base import Executor, Load, Lost, Prepare, Work
from musicgenre.runtime import Overtime, time_limit


def overtime_reason(limit: float | None) -> str:
    """The ``reason`` given to ``lost`` for an item stopped at its time limit."""
    return f"took longer than the time limit of {limit:g} s; stopped"


class Serial(Executor):
    """Items in this process, in order; ``load()`` runs here once (it may return anything: nothing is pickled).

    A time limit per item is an interval timer (:func:`musicgenre.runtime.time_limit`: the main thread only; it
    fires when the running code next returns to Python). ``prepare`` is not called: nothing runs in parallel."""

    remote = False

    def __init__(self, time_limit_s: float | None = None):
        self.time_limit_s = time_limit_s or None

    def in_process(self, n_items: int) -> bool:
        return True

    def _run(self, items: Sequence[Any], work: Work, lost: Lost, load: Load, prepare: Prepare) -> Iterator[Any]:
        if not items:
            return
        state = load() if load is not None else None
        for item in items:
            try:
                with time_limit(self.time_limit_s):
                    result = work(item, state)
            except Overtime:
                result = lost(item, overtime_reason(self.time_limit_s))
            yield item, result

    def __repr__(self) -> str:
        return f"Serial(time_limit_s={self.time_limit_s!r})"
