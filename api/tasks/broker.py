"""What ``/readyz`` and ``intake_queue_depth`` ask of the task queue: does it answer, what waits.

One probe per broker kind, each with its own short-lived connections and
timeouts of a few seconds, so neither a probe nor a scrape can hang on a
broker that went away:

- Redis: ``PING``; the depth is the ``LLEN`` of the queue's list and of its
  priority lists (kombu keeps priorities 3, 6 and 9 under ``QUEUE\\x06\\x16N``).
- RabbitMQ: a connection; the depth is the message count of a passive queue
  declare (ready messages; those a worker holds unacknowledged are not waiting).

The in-process pool (``local://``) is its own probe:
:meth:`api.tasks.local.LocalTaskDispatcher.depths`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Protocol
from urllib.parse import urlsplit

import redis
import structlog
from kombu.connection import Connection
from kombu.exceptions import OperationalError

log = structlog.get_logger(__name__)

PROBE_TIMEOUT_S: Final = 2.0
_KOMBU_PRIORITY_SEP: Final = "\x06\x16"
_KOMBU_PRIORITIES: Final = (3, 6, 9)


class QueueProbe(Protocol):
    """The task queue as seen from outside: reachable, and how many tasks wait."""

    def is_ready(self) -> bool:
        """Whether the broker answers now."""
        ...

    def depths(self) -> Mapping[str, int] | None:
        """Tasks waiting per queue name; ``None`` when the broker does not answer."""
        ...

    def close(self) -> None:
        """Release the probe's connections."""
        ...


class RedisQueueProbe:
    """Celery on Redis: ``PING`` and ``LLEN``."""

    def __init__(self, url: str, *, queues: Sequence[str], timeout_s: float = PROBE_TIMEOUT_S):
        self._queues = tuple(queues)
        self._client = redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )

    def is_ready(self) -> bool:
        try:
            return bool(self._client.ping())
        except (redis.RedisError, OSError) as error:
            log.warning("api.queue.unreachable", broker="redis", error=type(error).__name__)
            return False

    def depths(self) -> dict[str, int] | None:
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for queue in self._queues:
                    for key in _priority_keys(queue):
                        pipe.llen(key)
                lengths = [int(n) for n in pipe.execute()]
        except (redis.RedisError, OSError) as error:
            log.warning("api.queue.unreachable", broker="redis", error=type(error).__name__)
            return None
        per_queue = len(_KOMBU_PRIORITIES) + 1
        return {
            queue: sum(lengths[i * per_queue : (i + 1) * per_queue])
            for i, queue in enumerate(self._queues)
        }

    def close(self) -> None:
        self._client.close()


class AmqpQueueProbe:
    """Celery on RabbitMQ: a connection, and passive queue declares."""

    def __init__(self, url: str, *, queues: Sequence[str], timeout_s: float = PROBE_TIMEOUT_S):
        self._url = url
        self._queues = tuple(queues)
        self._timeout_s = timeout_s

    def is_ready(self) -> bool:
        connection = self._connection()
        try:
            _connect(connection)
        except (OSError, OperationalError, *connection.connection_errors) as error:
            log.warning("api.queue.unreachable", broker="amqp", error=type(error).__name__)
            return False
        finally:
            connection.release()  # type: ignore[no-untyped-call]  # kombu is untyped
        return True

    def depths(self) -> dict[str, int] | None:
        connection = self._connection()
        try:
            _connect(connection)
            return {queue: self._message_count(connection, queue) for queue in self._queues}
        except (OSError, OperationalError, *connection.connection_errors) as error:
            log.warning("api.queue.unreachable", broker="amqp", error=type(error).__name__)
            return None
        finally:
            connection.release()  # type: ignore[no-untyped-call]  # kombu is untyped

    def close(self) -> None:
        return None

    def _connection(self) -> Connection:
        return Connection(  # type: ignore[no-untyped-call]  # kombu is untyped
            self._url, connect_timeout=self._timeout_s
        )

    @staticmethod
    def _message_count(connection: Connection, queue: str) -> int:
        # A channel of its own per queue: a failed passive declare closes its channel.
        channel = connection.channel()  # type: ignore[no-untyped-call]  # kombu is untyped
        try:
            _, count, _ = channel.queue_declare(queue=queue, passive=True)
        except connection.channel_errors:
            return 0  # not declared yet: no worker started and nothing was sent
        finally:
            channel.close()
        return int(count)


def open_queue_probe(queue_url: str, *, queues: Sequence[str]) -> RedisQueueProbe | AmqpQueueProbe:
    """The probe for a Celery broker URL.

    Raises:
        ValueError: the URL is neither ``redis://`` / ``rediss://`` nor ``amqp://`` / ``amqps://``.
    """
    scheme = urlsplit(queue_url).scheme
    if scheme in ("redis", "rediss"):
        return RedisQueueProbe(queue_url, queues=queues)
    if scheme in ("amqp", "amqps"):
        return AmqpQueueProbe(queue_url, queues=queues)
    raise ValueError(f"queue URL must be redis:// or amqp://, not {scheme or queue_url!r}://")


def _connect(connection: Connection) -> None:
    # One attempt: kombu's own connect() retries after two seconds, which a probe
    # of a broker that is down would spend waiting.
    connection.ensure_connection(max_retries=0)  # type: ignore[no-untyped-call]  # kombu is untyped


def _priority_keys(queue: str) -> list[str]:
    return [queue, *(f"{queue}{_KOMBU_PRIORITY_SEP}{p}" for p in _KOMBU_PRIORITIES)]
