from __future__ import annotations

import threading

from api.tasks.periodic import PeriodicSweep


class TestPeriodicSweep:
    def test_runs_at_once_then_every_interval_until_stopped(self) -> None:
        ran = threading.Semaphore(0)
        sweep = PeriodicSweep(ran.release, interval_s=0.01, name="test")
        sweep.start()
        for _ in range(3):
            assert ran.acquire(timeout=5)
        sweep.stop()

    def test_a_failing_run_does_not_stop_the_next(self) -> None:
        calls: list[int] = []
        done = threading.Event()

        def job() -> None:
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("database hiccup")
            done.set()

        sweep = PeriodicSweep(job, interval_s=0.01, name="test")
        sweep.start()
        assert done.wait(timeout=5)
        sweep.stop()
        assert len(calls) >= 2
