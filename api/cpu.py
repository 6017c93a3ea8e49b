"""A bounded pool for CPU-bound work requested from the event loop.

Decoding and checking an upload must not run on the event loop. The pool
has a fixed number of threads and a semaphore of the same size; a request
that cannot get a slot within the wait timeout fails with
``OcrEngineBusyError`` (503 ``ocr.busy``) instead of queueing without bound.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from ocr.errors import OcrEngineBusyError

_P = ParamSpec("_P")
_T = TypeVar("_T")


class BoundedCpuPool:
    def __init__(self, *, max_workers: int, wait_timeout_s: float) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="intake-cpu"
        )
        self._slots = asyncio.Semaphore(max_workers)
        self._wait_timeout_s = wait_timeout_s

    async def run(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """Run ``fn`` on the pool once a slot is free.

        Raises:
            OcrEngineBusyError: No slot became free within the wait timeout.
        """
        started = time.monotonic()
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=self._wait_timeout_s)
        except TimeoutError:
            raise OcrEngineBusyError(waited_s=time.monotonic() - started) from None
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._executor, functools.partial(fn, *args, **kwargs)
            )
        finally:
            self._slots.release()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
