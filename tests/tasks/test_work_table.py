"""The table of background work: every kind names a real task and formats its RQ job id one way."""

from __future__ import annotations

import inspect

import pytest

from storyboard import queue


@pytest.mark.parametrize("kind", sorted(queue.WORK))
def test_every_kind_of_work_names_a_task_that_takes_one_id(kind):
    work = queue.WORK[kind]
    task = queue.resolve(work.task)
    assert callable(task) and len(inspect.signature(task).parameters) == 1
    assert work.queue in queue.QUEUES and work.timeout > 0


def test_job_ids_are_formatted_from_the_table():
    assert queue.WORK["render"].job_id("j1") == "render-j1"
    assert queue.WORK["ingest"].job_id("a1") == "ingest-a1"
    assert queue.WORK["storyboard"].job_id("j1") == "storyboard-j1"
    assert queue.WORK["webhook"].job_id("d1", attempt=3) == "webhook-d1-3"


def test_is_alive_is_false_without_redis(ctx):
    assert queue.is_alive("render", "no-such-job") is False
