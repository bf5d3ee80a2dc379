"""The web app served for real (uvicorn on a free localhost port) for the web tests."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from alerts.sink import free_port


@contextmanager
def live(app, port: int | None = None) -> Iterator[httpx.Client]:
    """``app`` served on 127.0.0.1; yields an httpx client with the server's base URL."""
    port = port or free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        srv.should_exit = True
        thread.join(10)
