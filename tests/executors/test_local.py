"""The executors on small made-up items: every item's result, a crash pinned on its item, a time limit that stops
only the slow item, and load()'s state reaching the work."""

from __future__ import annotations

import pytest
from executor_workers import add_offset, die_on_three, double, load_offset, lost, slow_on_three

from musicgenre.executors import DaskExecutor, LocalPool, Serial, executor_for, overtime_reason
from musicgenre.executors.base import CRASH_REASON

ITEMS = list(range(8))


def test_a_pool_gives_every_item_its_result():
    assert sorted(LocalPool(2).run(ITEMS, double, lost)) == [(i, 2 * i) for i in ITEMS]


def test_an_item_that_kills_its_worker_is_lost_alone_and_the_others_succeed():
    results = dict(LocalPool(2).run(ITEMS, die_on_three, lost))
    assert results == {i: (f"lost 3: {CRASH_REASON}" if i == 3 else 2 * i) for i in ITEMS}


def test_a_time_limit_stops_only_the_slow_item():
    results = dict(LocalPool(2, time_limit_s=1.0).run(ITEMS, slow_on_three, lost))
    assert results == {i: (f"lost 3: {overtime_reason(1.0)}" if i == 3 else 2 * i) for i in ITEMS}
    assert overtime_reason(1.0) == "took longer than the time limit of 1 s; stopped"


def test_the_state_load_made_in_each_worker_reaches_the_work():
    results = dict(LocalPool(2).run(ITEMS, add_offset, lost, load=load_offset))
    assert sorted(value for value, _, _ in results.values()) == [i + 100 for i in ITEMS]
    assert all(loaded_in == worked_in for _, loaded_in, worked_in in results.values())  # made where it is used


def test_in_this_process_the_state_is_made_once_and_prepare_is_not_needed():
    made = []
    results = list(Serial().run(ITEMS[:3], add_offset, lost, load=lambda: made.append(1) or {"offset": 1, "pid": 0}))
    assert [value for _, (value, _, _) in results] == [1, 2, 3] and made == [1]


def test_one_item_runs_in_this_process_with_its_time_limit():
    pool = LocalPool(4, time_limit_s=0.5)
    assert pool.in_process(1) and not pool.in_process(2)
    assert list(pool.run([3], slow_on_three, lost)) == [(3, f"lost 3: {overtime_reason(0.5)}")]


@pytest.mark.parametrize(
    ("jobs", "cluster", "limit", "expected"),
    [(1, None, None, Serial), (1, None, 2.0, Serial), (4, None, 2.0, LocalPool), (4, "local:2", 2.0, DaskExecutor)],
)
def test_executor_for_picks_from_jobs_cluster_and_time_limit(jobs, cluster, limit, expected):
    executor = executor_for(jobs, cluster, limit)
    assert isinstance(executor, expected)
    assert executor.time_limit_s == (None if cluster else limit)
    assert executor.remote == (cluster is not None)
