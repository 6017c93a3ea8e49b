"""A real webhook receiver for the tests: a threaded HTTP server on a free loopback port.

It verifies each request's ``Intake-Signature`` with the snippet the README
documents (read from the README itself, so the documented code is the tested
code), records what came, and answers with the statuses it was told to.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[1] / "README.md"
_SNIPPET = re.compile(
    r"<!-- webhook-verify-snippet -->\s*```python\n(.*?)```\s*<!-- /webhook-verify-snippet -->",
    re.DOTALL,
)

Verify = Callable[..., bool]


def documented_verifier() -> Verify:
    """``verify_intake_signature`` as the README's snippet defines it."""
    match = _SNIPPET.search(README.read_text(encoding="utf-8"))
    if match is None:
        raise AssertionError("the README lost its signature verification snippet")
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(README), "exec"), namespace)  # noqa: S102  # our own README
    verify: Verify = namespace["verify_intake_signature"]
    return verify


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_valid: bool


@dataclass
class Receiver:
    """What one receiver got; ``statuses`` are answered in turn, then 200 for ever."""

    secret: str = ""
    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    url: str = ""
    clock: Callable[[], float] | None = None
    """The receiver's clock for the replay check (the service's fake clock); real time if unset."""
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, *, timeout_s: float = 20.0) -> list[Received]:
        """Block until ``count`` requests came (or fail the test)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.requests) >= count, timeout_s):
                raise AssertionError(f"{len(self.requests)} of {count} webhook requests came")
            return list(self.requests)


def _handler(receiver: Receiver, verify: Verify) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            header = self.headers.get("Intake-Signature", "")
            with receiver.arrived:
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.requests.append(
                    Received(
                        path=self.path,
                        headers=dict(self.headers.items()),
                        body=body,
                        signature_valid=verify(
                            receiver.secret,
                            header,
                            body,
                            now=receiver.clock() if receiver.clock else None,
                        ),
                    )
                )
                receiver.arrived.notify_all()
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


@contextmanager
def webhook_receiver(*, statuses: list[int] | None = None) -> Iterator[Receiver]:
    """Serve on 127.0.0.1 (a free port) until the block ends; set ``secret`` once known."""
    receiver = Receiver(statuses=list(statuses or []))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver, documented_verifier()))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
