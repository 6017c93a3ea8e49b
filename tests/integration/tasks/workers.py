"""Real ``intake worker`` processes for the tests that kill one, and their own Redis database."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

INTAKE = Path(sys.executable).with_name("intake")


@contextmanager
def own_redis_database(redis_url: str, number: int) -> Iterator[str]:
    """A Redis database of the test's own, emptied before and after (no other worker's tasks)."""
    url = redis_url.rsplit("/", 1)[0] + f"/{number}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``intake worker --concurrency 1`` in a session of its own (kill it with ``os.killpg``)."""
    with log.open("wb") as handle:
        return subprocess.Popen(  # our own CLI
            [str(INTAKE), "worker", "--concurrency", "1"],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
