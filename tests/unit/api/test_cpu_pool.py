from __future__ import annotations

import asyncio
import threading

import pytest

from api.cpu import BoundedCpuPool
from ocr.errors import OcrEngineBusyError


class TestBoundedCpuPool:
    async def test_runs_off_the_event_loop(self) -> None:
        pool = BoundedCpuPool(max_workers=1, wait_timeout_s=1.0)
        try:
            name = await pool.run(lambda: threading.current_thread().name)
        finally:
            pool.shutdown()
        assert name.startswith("intake-cpu")

    async def test_busy_when_no_slot_frees_in_time(self) -> None:
        pool = BoundedCpuPool(max_workers=1, wait_timeout_s=0.05)
        release = threading.Event()
        try:
            blocker = asyncio.ensure_future(pool.run(release.wait, 5))
            await asyncio.sleep(0.01)
            with pytest.raises(OcrEngineBusyError):
                await pool.run(lambda: None)
            release.set()
            assert await blocker is True
        finally:
            release.set()
            pool.shutdown()
