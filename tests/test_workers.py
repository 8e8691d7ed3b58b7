"""How `pitfalls check` cuts its work for the worker processes."""

from __future__ import annotations

from pathlib import Path

from pitfalls.config import Settings
from pitfalls.workers import tasks_for, worker_count


def test_tasks_are_runs_of_neighbours_that_get_shorter(tmp_path: Path) -> None:
    settings = Settings(enabled=frozenset())
    sizes = [10, 5_000, 200, 200, 40_000, 1, *([300] * 300)]
    pending = []
    for index, size in enumerate(sizes):
        path = tmp_path / f"module_{index:03}.py"
        path.write_bytes(b"x" * size)
        pending.append((path, settings))
    pending.append((tmp_path / "vanished.py", settings))

    tasks = tasks_for(pending, workers=2)
    assert [item for task in tasks for item in task] == pending  # every file once, in order
    assert all(task for task in tasks)
    assert len(tasks) > 4  # enough for both workers to stay busy to the end
    assert len(tasks[-2]) < len(tasks[1])


def test_a_single_file_is_a_single_task(tmp_path: Path) -> None:
    (tmp_path / "only.py").write_text("x = 1\n", encoding="utf-8")
    pending = [(tmp_path / "only.py", Settings(enabled=frozenset()))]
    assert tasks_for(pending, workers=4) == [pending]


def test_jobs_override_the_core_count() -> None:
    assert worker_count(3) == 3
    assert worker_count(0) >= 1
