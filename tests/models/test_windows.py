"""Window arithmetic against hand-computed cases."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from musicgenre.models.windows import Window, WindowConfig, plan_windows


def spans(duration, **config):
    """Flat list start, end, start, end, ... (pytest.approx compares flat lists)."""
    return [t for w in plan_windows(duration, WindowConfig(**config)) for t in (w.start_s, w.end_s)]


def flat(pairs):
    return [t for pair in pairs for t in pair]


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (5.0, [(0, 5.0)]),  # shorter than a window: the whole track, as it is
        (20.0, [(0, 20.0)]),
        (29.98, [(0, 29.98)]),  # GTZAN clips are 29.93-30.65 s: one window each
        (30.013333, [(0, 30.013333)]),
        (31.0, [(0, 31.0)]),  # within the 1 s tail tolerance: stretched, not a second window
        (31.5, [(0, 30), (1.5, 31.5)]),  # more than 1 s left: one more window aligned to the end
        (40.0, [(0, 30), (10, 40)]),
        (45.0, [(0, 30), (15, 45)]),
        (60.0, [(0, 30), (15, 45), (30, 60)]),
        (60.5, [(0, 30), (15, 45), (30, 60.5)]),
        (62.0, [(0, 30), (15, 45), (30, 60), (32, 62)]),
    ],
)
def test_default_windows(duration, expected):
    assert spans(duration) == pytest.approx(flat(expected))


def test_other_hop_and_window():
    assert spans(50.0, hop_s=10.0) == pytest.approx(flat([(0, 30), (10, 40), (20, 50)]))
    assert spans(25.0, window_s=10.0, hop_s=5.0) == pytest.approx(flat([(0, 10), (5, 15), (10, 20), (15, 25)]))
    assert spans(10.5, window_s=3.0, hop_s=3.0, tail_tolerance_s=0.0) == pytest.approx(
        flat([(0, 3), (3, 6), (6, 9), (7.5, 10.5)])
    )


def test_one_hour():
    windows = plan_windows(3600.0)
    assert len(windows) == 239  # starts 0, 15, ..., 3570
    assert (windows[0].start_s, windows[-1].end_s) == (0.0, 3600.0)
    assert all(w.duration_s == 30.0 for w in windows)
    assert [w.start_s for w in windows[:3]] == [0.0, 15.0, 30.0]


def test_a_header_claiming_millions_of_years_plans_nothing_up_front():
    """A damaged FLAC header claimed 4.2e14 s (fuzz input 9462): the plan is lazy, so it costs nothing to make."""
    windows = plan_windows(418293516410647.44)
    assert len(windows) == 27886234427376  # 27886234427375 every 15 s, and one aligned to the end
    assert windows[-1].end_s == 418293516410647.44 and windows[-1].duration_s == 30.0
    assert windows[:2] == [Window(0.0, 30.0), Window(15.0, 45.0)] and windows[1] == windows[-len(windows) + 1]
    assert list(zip(range(3), windows, strict=False))[2][1] == Window(30.0, 60.0)  # iterates lazily
    assert plan_windows(60.0) == [Window(0.0, 30.0), Window(15.0, 45.0), Window(30.0, 60.0)]
    with pytest.raises(IndexError):
        plan_windows(60.0)[3]


def test_windows_cover_every_second_of_random_tracks():
    rng = np.random.default_rng(0)
    for duration in rng.uniform(0.5, 600, 300):
        windows = plan_windows(float(duration))
        assert windows[0].start_s == 0.0 and windows[-1].end_s == pytest.approx(duration)
        for before, after in pairwise(windows):
            assert before.start_s < after.start_s <= before.end_s  # ordered, no gaps
        assert all(w.duration_s <= 31.0 + 1e-9 for w in windows)
        assert all(w.duration_s >= 30.0 - 1e-9 for w in windows) or len(windows) == 1


@pytest.mark.parametrize("duration", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_durations(duration):
    with pytest.raises(ValueError):
        plan_windows(duration)


def test_hop_longer_than_window_is_refused():
    with pytest.raises(ValueError):
        WindowConfig(window_s=10.0, hop_s=20.0)


def test_window_duration():
    assert Window(15.0, 45.0).duration_s == 30.0
