"""cancel_and_wait: cleanup after a cancellation finishes; a cancellation during cleanup still stops it."""

from __future__ import annotations

import asyncio

import pytest
from tt_connect.streaming.tasks import cancel_and_wait


async def _forever() -> None:
    await asyncio.Event().wait()


async def test_cleanup_in_a_task_that_was_cancelled_stops_the_child_and_carries_on() -> None:
    """The state after Ctrl-C inside ``async with``: the caller's cancelling() count is already 1."""
    steps: list[str] = []

    async def strategy() -> None:
        child = asyncio.get_running_loop().create_task(_forever())
        try:
            await _forever()
        finally:
            await cancel_and_wait(child)
            steps.append("child stopped")
            await asyncio.sleep(0)
            steps.append("cleanup went on")

    task = asyncio.get_running_loop().create_task(strategy())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert steps == ["child stopped", "cleanup went on"]


async def test_a_cancellation_that_arrives_during_the_wait_propagates() -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        try:
            await _forever()
        except asyncio.CancelledError:
            await release.wait()  # takes its time to finish
            raise

    child = asyncio.get_running_loop().create_task(stubborn())
    await asyncio.sleep(0)
    waiter = asyncio.get_running_loop().create_task(cancel_and_wait(child))
    await asyncio.sleep(0)
    waiter.cancel()  # the waiter itself is cancelled while the child is still finishing
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiter, 5)
    assert child.cancelled()


async def test_a_finished_task_is_left_alone() -> None:
    done = asyncio.get_running_loop().create_task(asyncio.sleep(0, result=7))
    await done
    await cancel_and_wait(done)
    assert done.result() == 7
