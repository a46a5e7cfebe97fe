"""nginx in front of two gunicorn app nodes, as in production (deploy/nginx.conf.template):
TLS, buffered request bodies, the PWA's files from disk, least_conn over the nodes.

nginx is started by scripts/nginx-up.sh (which installs Debian's nginx when missing and
the tests run as root) in the test's own directory, on free loopback ports. Without nginx
the tests are skipped — except under CI=true, where that is an error, not a silent skip.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from backend.security import content_security_policy
from tests.conftest import ROOT
from tests.server import Server

SCRIPT = ROOT / "scripts" / "nginx-up.sh"
DIST = ROOT / "pwa" / "dist"
# the login budget per address and node, small enough for a test to exhaust
LOGIN_LIMIT = 6


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must test the proxy: {reason} (see scripts/nginx-up.sh)", pytrace=False)
    pytest.skip(reason)


def _can_install() -> bool:
    return os.geteuid() == 0 or (shutil.which("sudo") is not None and subprocess.run(
        ["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0)


class Proxy:
    """The nginx of one test: its directory, URLs, certificate and access log."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.http_url = self.https_url = ""
        # responses this client has read: nginx writes a request's log line only after the
        # last byte went out, so a reader right after a response may not find it yet
        self.answered = 0

    def start(self, nodes: list[int]) -> None:
        env = {**os.environ, "NGINX_TEST_DIR": str(self.dir), "PWA_DIST": str(DIST), "NGINX_CSP": content_security_policy("")}
        done = subprocess.run(["bash", str(SCRIPT), *map(str, nodes)], capture_output=True, text=True,
                              timeout=300, env=env, check=False)
        if done.returncode != 0:
            pytest.fail(f"scripts/nginx-up.sh failed ({done.returncode}): {done.stderr[-3000:]}", pytrace=False)
        self.http_url, self.https_url = done.stdout.strip().splitlines()[-2:]

    def stop(self) -> None:
        subprocess.run(["bash", str(SCRIPT), "stop"], env={**os.environ, "NGINX_TEST_DIR": str(self.dir)},
                       capture_output=True, timeout=60, check=False)

    @property
    def port(self) -> int:
        return urlsplit(self.https_url).port or 443

    @property
    def cert(self) -> Path:
        return self.dir / "cert.pem"

    def tls_context(self) -> ssl.SSLContext:
        """Verifies the proxy's self-signed certificate (made for localhost and 127.0.0.1)."""
        return ssl.create_default_context(cafile=str(self.cert))

    def access_log(self, timeout: float = 10, until: Callable[[list[dict[str, str]]], bool] | None = None) -> list[dict[str, str]]:
        """One dict per request: `request` ("GET /x HTTP/1.1"), `status`, `upstream` (the node's
        address, "-" when nginx answered alone; "a, b" when the first node failed).

        Waits (up to `timeout`) until every response `request` has read is in the log, and
        `until(entries)` holds when given: nginx writes a line after the last byte went out,
        and lines of requests made otherwise (curl, a refused handshake) make a count alone
        unreliable."""
        deadline = time.monotonic() + timeout
        while True:
            entries = []
            for line in (self.dir / "log" / "access.log").read_text().splitlines():
                m = re.match(r'(\S+) \[[^]]+\] "([^"]*)" (\d+) \d+ rt=\S+ upstream=(.*) us=', line)
                if m:
                    entries.append({"addr": m[1], "request": m[2], "status": m[3], "upstream": m[4]})
            if (len(entries) >= self.answered and (until is None or until(entries))) or time.monotonic() > deadline:
                return entries
            time.sleep(0.02)

    def error_log(self) -> str:
        """nginx's error log (why it took a node out, for one)."""
        try:
            return (self.dir / "log" / "error.log").read_text()
        except OSError:
            return ""

    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None,
                headers: dict[str, str] | None = None, source: str | None = None, timeout: float = 10):
        """One HTTPS request through nginx; returns (status, headers, raw body)."""
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=self.tls_context(),
                                           source_address=(source, 0) if source else None)
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            self.answered += 1
        finally:
            conn.close()
        return resp.status, resp.headers, data

    def api(self, method: str, path: str, body: dict | None = None, token: str | None = None, **kw):
        status, _, data = self.request(method, path, body, token, **kw)
        return status, (json.loads(data) if data else None)


class Cluster:
    """Two app nodes (gunicorn, one worker of 2 threads each: a stall shows at once) and nginx."""

    def __init__(self, nodes: list[Server], proxy: Proxy) -> None:
        self.nodes = nodes
        self.proxy = proxy

    def node_addr(self, node: Server) -> str:
        return f"127.0.0.1:{node.port}"

    def sigkill(self, node: Server) -> None:
        """SIGKILL the node's worker and master, by their ids: a crash, not a shutdown."""
        assert node.proc is not None
        for pid in node.worker_pids():
            os.kill(pid, signal.SIGKILL)
        node.proc.send_signal(signal.SIGKILL)
        node.proc.wait(timeout=10)


def require_nginx() -> None:
    """nginx is installed, or scripts/nginx-up.sh can install it; else skip (fail under CI)."""
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists() or _can_install()):
        _unavailable("nginx is not installed and cannot be installed here (not root)")


def start_cluster(app, database_url: str, media: str, directory: Path) -> Cluster:
    if not (DIST / "index.html").exists():
        _unavailable(f"the built PWA is missing in {DIST} (make test builds it)")
    require_nginx()
    env = {"PWA_DIST": str(DIST), "PROXY_FIX_X_FOR": "1", "FORWARDED_ALLOW_IPS": "127.0.0.1",
           "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute", "LOGIN_USER_RATE_LIMIT": "1000 per minute"}
    nodes = [Server(database_url, media, app.config["SECRET_KEY"], threads=2, **env) for _ in range(2)]
    proxy = Proxy(directory)
    try:
        # both nodes at once: importing the app is most of a node's start
        errors: list[BaseException] = []

        def start(node: Server) -> None:
            try:
                node.start()
            except BaseException as exc:  # re-raised below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(n,)) for n in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        proxy.start([n.port for n in nodes])
    except BaseException:
        for node in nodes:
            node.stop()
        proxy.stop()
        raise
    return Cluster(nodes, proxy)


@pytest.fixture
def cluster(app, demo, database_url, tmp_path) -> Iterator[Cluster]:
    started = start_cluster(app, database_url, str(tmp_path / "media"), tmp_path / "nginx")
    try:
        yield started
    finally:
        started.proxy.stop()
        for node in started.nodes:
            node.stop()


# --- the whole topology as a person starts it: scripts/cluster-up.sh and cluster-down.sh ---------

CLUSTER_UP = ROOT / "scripts" / "cluster-up.sh"
CLUSTER_DOWN = ROOT / "scripts" / "cluster-down.sh"


class ScriptedCluster:
    """The cluster of scripts/cluster-up.sh (PostGIS database of its own, the replica when
    scripts/replica-up.sh exists, SeaweedFS, Redis, two gunicorn nodes, nginx) in a state
    directory of the test's own, on free ports, so it never meets a person's `make cluster`.
    The replica is the one streaming replica of the local PostgreSQL (replica-up.sh's port):
    it copies every database, the cluster's too."""

    def __init__(self, state: Path, database: str, **env: str) -> None:
        from tests.server import free_port

        self.state = state
        self.database = database
        self.node_ports = [free_port(), free_port()]
        self.env = {**os.environ, "CLUSTER_DIR": str(state), "CLUSTER_DB": database,
                    "CLUSTER_NODE_PORTS": " ".join(map(str, self.node_ports)), **env}
        self.proxy = Proxy(state / "nginx")

    def up(self, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run(["bash", str(CLUSTER_UP)], env=self.env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)
        if done.returncode != 0:
            pytest.fail(f"scripts/cluster-up.sh failed ({done.returncode}): {done.stderr[-4000:]}", pytrace=False)
        self.proxy.https_url = done.stdout.strip().splitlines()[-1]
        self.proxy.http_url = ""
        return done

    def down(self) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(CLUSTER_DOWN)], env=self.env, capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL, check=False)

    def settings(self) -> dict[str, str]:
        """The nodes' settings (cluster.env): DATABASE_URL, MEDIA_STORE_URL, RATELIMIT_STORAGE_URI …"""
        out = {}
        for line in (self.state / "cluster.env").read_text().splitlines():
            for part in line.removeprefix("export ").split(" "):
                key, sep, value = part.partition("=")
                if sep:
                    out[key] = value.strip("'")
        return out

    def node_addr(self, i: int) -> str:
        return f"127.0.0.1:{self.node_ports[i]}"

    def node_group(self, i: int) -> int:
        """The process group of node i (its gunicorn master and workers: cluster-up starts each with setsid)."""
        return int((self.state / f"node{i + 1}.pgid").read_text())

    def sigkill_node(self, i: int) -> None:
        """SIGKILL node i's master and every worker at once: a crash, not a shutdown."""
        os.killpg(self.node_group(i), signal.SIGKILL)

    def pids(self) -> list[int]:
        """Every process the cluster started that is still alive (nodes, nginx, Redis, SeaweedFS)."""
        found = []
        for f in [*self.state.glob("node*.pgid"), self.state / "nginx" / "nginx.pid", self.state / "redis" / "redis.pid",
                  self.state / "seaweedfs" / "weed.pid"]:
            try:
                pid = int(f.read_text())
                os.kill(pid, 0)
            except (OSError, ValueError):
                continue
            found.append(pid)
        return found


def require_cluster_scripts() -> None:
    """What scripts/cluster-up.sh needs here: root (or sudo) for PostgreSQL, nginx, the built PWA;
    else skip — under CI=true, fail."""
    if not (DIST / "index.html").exists():
        _unavailable(f"the built PWA is missing in {DIST} (make test builds it)")
    if not _can_install():
        _unavailable("scripts/cluster-up.sh needs root or passwordless sudo (PostgreSQL, nginx)")
    require_nginx()
    if not shutil.which("pg_lsclusters"):
        _unavailable("no local PostgreSQL (scripts/postgis-up.sh installs it; make test runs it)")
