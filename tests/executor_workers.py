"""Work functions for the executor tests: module-level, so spawned worker processes can import them."""

from __future__ import annotations

import os
import time


def double(item: int, state: object) -> int:
    return 2 * item


def die_on_three(item: int, state: object) -> int:
    """Ends its process on item 3, as a crashing decoder would."""
    if item == 3:
        os._exit(3)
    return 2 * item


def slow_on_three(item: int, state: object) -> int:
    """Item 3 takes far longer than the others."""
    time.sleep(30.0 if item == 3 else 0.05)
    return 2 * item


def load_offset() -> dict[str, int]:
    return {"offset": 100, "pid": os.getpid()}


def add_offset(item: int, state: dict[str, int]) -> tuple[int, int, int]:
    return item + state["offset"], state["pid"], os.getpid()


def lost(item: int, reason: str) -> str:
    return f"lost {item}: {reason}"
