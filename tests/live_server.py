"""A real server process (gunicorn) on 127.0.0.1 serving the test database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    """A running server: its base URL and process."""

    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_server(database_url: str, *, workers: int = 2, env: dict | None = None, log_path: Path | None = None,
                 timeout: float = 30.0, app: str = "wsgi:app") -> LiveServer:
    """Start gunicorn with the testing config on a free port and wait until it answers."""
    port = free_port()
    server_env = {**os.environ, "QUARTIERAUTO_ENV": "testing", "DATABASE_URL": database_url,
                  "SCHEDULER_EMBEDDED": "false", **(env or {})}
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
               "--timeout", "60", app]
    if log_path:
        with open(log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(command, cwd=ROOT, env=server_env, stdout=log, stderr=log)
    else:
        process = subprocess.Popen(command, cwd=ROOT, env=server_env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2):
                return LiveServer(url, process)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not answer in time")


@pytest.fixture(scope="session")
def live_server(app, database_url, tmp_path_factory) -> Iterator[LiveServer]:
    """gunicorn (2 workers) on the session's test database; use with `session`/`app_ctx` for data."""
    log_path = tmp_path_factory.mktemp("live") / "gunicorn.log"
    server = start_server(database_url, log_path=log_path)
    yield server
    server.stop()
