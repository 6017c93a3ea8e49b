"""Fixtures for the real servers the integration tests talk to.

Each server fixture skips its tests when the server is not reachable, except
under ``CI=true``, where a missing server fails the run. Every fixture refuses
a non-local endpoint, so no test can touch a shared or production server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import redis
from kombu.connection import Connection as KombuConnection
from moto.server import ThreadedMotoServer
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from storage.sql.engine import create_database_engine

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

POSTGRES_URL = os.environ.get(
    "INTAKE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("INTAKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
AMQP_URL = os.environ.get("INTAKE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def require_local(url_or_endpoint: str) -> None:
    """Fail the test unless the URL or ``HOST:PORT`` endpoint is on this machine."""
    netloc = url_or_endpoint if "://" not in url_or_endpoint else None
    host = urlsplit(f"//{netloc}" if netloc else url_or_endpoint).hostname
    if host not in LOCAL_HOSTS:
        pytest.fail(f"refusing to run integration tests against non-local host {host!r}")


def server_missing(what: str, error: BaseException) -> None:
    """Skip (or under ``CI=true`` fail) because a server is not reachable."""
    message = f"{what} is not reachable: {type(error).__name__}: {error}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the local PostgreSQL test database (trust auth)."""
    require_local(POSTGRES_URL)
    engine = create_database_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as e:
        server_missing("PostgreSQL", e)
    finally:
        engine.dispose()
    return POSTGRES_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of a dedicated database on the local Redis."""
    require_local(REDIS_URL)
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as e:
        server_missing("Redis", e)
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """URL of the local RabbitMQ."""
    require_local(AMQP_URL)
    # kombu is untyped: the ignores below only cover its missing annotations.
    connection = KombuConnection(AMQP_URL, connect_timeout=2)  # type: ignore[no-untyped-call]
    try:
        connection.ensure_connection(max_retries=1)  # type: ignore[no-untyped-call]
    except (OSError, *connection.connection_errors) as e:
        server_missing("RabbitMQ", e)
    finally:
        connection.release()  # type: ignore[no-untyped-call]
    return AMQP_URL


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """An S3-protocol server (moto, server mode) on a free local port; yields ``HOST:PORT``."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"{host}:{port}"
    require_local(endpoint)
    try:
        yield endpoint
    finally:
        server.stop()
