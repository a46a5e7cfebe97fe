"""A real gunicorn server in a subprocess, for tests that need real sockets, real
processes (SIGKILL, RSS) or real slow clients."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from backend import clock
from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database_url: str, media: str, secret: str, threads: int = 2, **env: str) -> None:
        self.port = free_port()
        self.threads = threads
        self.env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": media, "SECRET_KEY": secret,
                    "APP_ENV": "development", "SPATIALITE_LIBRARY_PATH": "mod_spatialite", "SYNC_RATE_LIMIT": "10000 per minute", **env}
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        if not clock.is_real():  # the test moved the product's clock: the server starts at the same instant
            self.env.setdefault("CLOCK_START", clock.now().isoformat())
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", str(self.threads),
             "--no-control-socket", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # generous: on a machine busy with other work importing the app alone has taken 30 s
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if self.request("GET", "/api/v1/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        code = self.proc.poll()
        self.kill()
        raise RuntimeError(f"server did not start (exit code {code})")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            # gunicorn's worker is a child: make sure nothing is left serving or holding locks
            subprocess.run(["pkill", "-9", "-f", f"127.0.0.1:{self.port}"], check=False)

    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # closed also when the server dies mid-request (the SIGKILL test): an unclosed socket's
        # ResourceWarning is an error in this suite, and it once failed a run under load
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        return resp.status, (json.loads(data) if data else None)


    def worker_pids(self) -> list[int]:
        """gunicorn's workers: the children of the master process."""
        assert self.proc is not None
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return [int(c) for c in children]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident set size (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")
