"""Beyond one machine: nginx in front of two app nodes (deploy/nginx.conf.template,
scripts/nginx-up.sh). Half-sent requests wait in nginx, not in gunicorn; the PWA's files
come pre-compressed from disk with the right cache headers, also with every node down;
requests spread over the nodes and go on when one is SIGKILLed; TLS terminates in nginx
and the phone's address reaches the rate limits through X-Forwarded-For."""
from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
import uuid
import warnings
from typing import Any

import pytest

from tests.proxy_server import DIST, LOGIN_LIMIT, SCRIPT, Cluster, cluster, require_nginx  # noqa: F401  (fixture)
from tests.server import Server

SLOW_CLIENTS = 16  # the count: this many half-sent requests stalled a bare gunicorn


def login(send, username: str = "zf001", password: str = "demo1234", **kw):
    return send("POST", "/api/v1/auth/login", {"username": username, "password": password,
                                               "device_id": f"dev-{uuid.uuid4()}"}, **kw)


def half_sent_requests(port: int, tls: ssl.SSLContext | None = None) -> list[socket.socket]:
    """SLOW_CLIENTS connections with no login: half of them stop inside the request head,
    half after the head and half the body of a login. From their own address (127.0.0.9):
    the logins they start do not use up the budget of the requests under test."""
    body = json.dumps({"username": "zf001", "password": "demo1234", "device_id": "slow"}).encode()
    held = []
    for i in range(SLOW_CLIENTS):
        s = socket.create_connection(("127.0.0.1", port), timeout=30, source_address=("127.0.0.9", 0))
        if tls:
            s = tls.wrap_socket(s, server_hostname="localhost")
        head = (f"POST /api/v1/auth/login?slow={i} HTTP/1.1\r\nHost: localhost\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        s.sendall(head[: len(head) // 2] if i % 2 else head + body[: len(body) // 2])
        held.append(s)
    time.sleep(0.5)
    return held


def answered_within(send, token: str, seconds: float) -> list[int]:
    """Five /me requests at once, each allowed `seconds`: their statuses (or the error)."""
    answers: list = []

    def one() -> None:
        try:
            answers.append(send("GET", "/api/v1/me", token=token, timeout=seconds)[0])
        except OSError as exc:
            answers.append(type(exc).__name__)

    threads = [threading.Thread(target=one) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def close_all(sockets: list[socket.socket]) -> None:
    for s in sockets:
        s.close()


def test_half_sent_requests_wait_in_nginx_and_never_stall_the_nodes(cluster: Cluster):  # noqa: F811
    proxy, (node, _) = cluster.proxy, cluster.nodes
    status, body = login(proxy.api)
    assert status == 200, body
    token = body["access_token"]

    # the negative control, the finding: straight at a node they take every thread
    held = half_sent_requests(node.port)
    try:
        with pytest.raises(TimeoutError):
            _get_with_timeout(node, 3)
    finally:
        close_all(held)

    # through nginx: the same clients (on TLS) are nginx's business; everyone else is served
    held = half_sent_requests(proxy.port, proxy.tls_context())
    try:
        started = time.monotonic()
        status, body = login(proxy.api, "zf002", timeout=5)
        assert status == 200, body
        assert answered_within(proxy.api, token, 5) == [200] * 5
        assert time.monotonic() - started < 10
    finally:
        close_all(held)
    time.sleep(0.3)
    reached = [e for e in proxy.access_log() if "slow=" in e["request"] and e["upstream"] != "-"]
    assert reached == []  # no node ever saw one of them


def _get_with_timeout(node: Server, seconds: float) -> int:
    """GET /api/v1/health straight from a node, giving up after `seconds`."""
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=seconds)
    try:
        conn.request("GET", "/api/v1/health")
        return conn.getresponse().status
    finally:
        conn.close()


def _hashed_script() -> str:
    m = re.search(r'src="(/assets/index-[^"]+\.js)"', (DIST / "index.html").read_text())
    assert m, "index.html names no hashed entry script"
    return m[1]


def test_the_pwa_comes_precompressed_from_nginx_with_its_cache_rules_also_with_every_node_down(cluster: Cluster):  # noqa: F811
    proxy = cluster.proxy
    script = _hashed_script()
    node = cluster.nodes[0]

    def check_all() -> None:
        for path, file, cache in (("/", "index.html", "no-cache"), (script, script.lstrip("/"), "immutable")):
            status, h, data = proxy.request("GET", path, headers={"Accept-Encoding": "gzip, deflate, br"})
            assert status == 200 and h["Content-Encoding"] == "br", (path, dict(h))
            assert data == (DIST / f"{file}.br").read_bytes()
            assert "Accept-Encoding" in h["Vary"] and cache in h["Cache-Control"]
            status, h, data = proxy.request("GET", path, headers={"Accept-Encoding": "gzip"})
            assert status == 200 and h["Content-Encoding"] == "gzip", (path, dict(h))
            assert gzip.decompress(data) == (DIST / file).read_bytes()
            assert "Accept-Encoding" in h["Vary"] and cache in h["Cache-Control"]
            status, h, data = proxy.request("GET", path, headers={"Accept-Encoding": "identity"})
            assert status == 200 and "Content-Encoding" not in h and data == (DIST / file).read_bytes()
        _, h, _ = proxy.request("GET", script, headers={"Accept-Encoding": "br"})
        assert h["Content-Type"].startswith("application/javascript")
        assert h["Cache-Control"] == "public, max-age=31536000, immutable"
        _, h, _ = proxy.request("GET", "/", headers={"Accept-Encoding": "br"})
        assert h["Content-Type"].startswith("text/html")
        status, h, _ = proxy.request("GET", "/sw.js")  # the service worker: revalidated every time
        assert status == 200 and h["Cache-Control"] == "no-cache"
        # a .br copy is never served as itself
        assert proxy.request("GET", f"{script}.br", headers={"Accept-Encoding": "br"})[0] == 404

    check_all()
    # the shell carries the same security headers whether nginx or the app sends it
    _, ours, _ = proxy.request("GET", "/")
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=10)
    try:
        conn.request("GET", "/")
        theirs = conn.getresponse()
        theirs.read()
    finally:
        conn.close()
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                 "Permissions-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy"):
        assert ours[name] == theirs.headers[name], name
    assert ours["Strict-Transport-Security"].startswith("max-age=")

    for n in cluster.nodes:
        cluster.sigkill(n)
    check_all()  # nothing of the above needed a node
    assert proxy.request("GET", "/api/v1/health")[0] == 502
    static = [e for e in proxy.access_log() if e["request"].split()[1] in ("/", script, "/sw.js")]
    assert static and all(e["upstream"] == "-" for e in static)


def test_requests_spread_over_both_nodes_and_go_on_when_one_is_sigkilled(cluster: Cluster):  # noqa: F811
    proxy, (first, second) = cluster.proxy, cluster.nodes
    status, body = login(proxy.api)
    assert status == 200, body
    token = body["access_token"]
    for _ in range(10):
        assert proxy.api("GET", "/api/v1/me", token=token)[0] == 200
    nodes_used = {e["upstream"] for e in proxy.access_log() if e["request"].startswith("GET /api/v1/me")}
    assert nodes_used == {cluster.node_addr(first), cluster.node_addr(second)}

    # a steady stream of requests while the first node is killed: nginx sends a request whose
    # node dies before answering to the other node. One whose answer had begun to leave the
    # dying node (gunicorn writes the headers, then the body) cannot be sent again: the
    # client sees it cut off, as a phone would, and retries it (every record is idempotent).
    # That can only be a request in flight at the kill: at most one per client here.
    answers: list[tuple[float, float, Any]] = []
    stop = threading.Event()

    def traffic() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                outcome: Any = proxy.api("GET", "/api/v1/me", token=token)[0]
            except (OSError, http.client.HTTPException) as exc:
                outcome = type(exc).__name__
            answers.append((started, time.monotonic(), outcome))

    clients = [threading.Thread(target=traffic) for _ in range(3)]
    for c in clients:
        c.start()
    time.sleep(1)
    killed_from = time.monotonic()
    cluster.sigkill(first)
    killed_by = time.monotonic()
    time.sleep(2)
    stop.set()
    for c in clients:
        c.join(timeout=30)
    assert len(answers) > 30
    cut_off = [a for a in answers if a[2] != 200]
    assert all(a[2] in ("IncompleteRead", "RemoteDisconnected") and a[0] < killed_by and a[1] > killed_from
               for a in cut_off), cut_off
    assert len(cut_off) <= len(clients), cut_off
    assert all(a[2] == 200 for a in answers if a[0] > killed_by), answers

    mark = len(proxy.access_log())
    assert login(proxy.api, "zf002")[0] == 200  # a POST too: a refused connection is retried
    for _ in range(5):
        assert proxy.api("GET", "/api/v1/me", token=token)[0] == 200
    after = proxy.access_log()[mark:]
    assert after and all(e["upstream"].split(", ")[-1] == cluster.node_addr(second) for e in after), after


def test_tls_terminates_in_nginx_and_the_phones_address_reaches_the_rate_limits(cluster: Cluster):  # noqa: F811
    proxy = cluster.proxy
    # the certificate verifies (no verify=False), TLS 1.2 or newer, and the app knows it is HTTPS
    with socket.create_connection(("127.0.0.1", proxy.port)) as raw, \
            proxy.tls_context().wrap_socket(raw, server_hostname="127.0.0.1") as s:
        assert s.version() in ("TLSv1.2", "TLSv1.3")
    status, h, _ = proxy.request("GET", "/api/v1/health")
    assert status == 200 and h["Strict-Transport-Security"].startswith("max-age=")  # the app's, on HTTPS only
    # a client that offers only TLS 1.1 (this OpenSSL can, at security level 0) is refused
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname, old.verify_mode = False, ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSVersion.TLSv1_1 is, which is the point
        old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
    old.set_ciphers("ALL:@SECLEVEL=0")
    with socket.create_connection(("127.0.0.1", proxy.port)) as raw, pytest.raises(ssl.SSLError) as refused:
        old.wrap_socket(raw, server_hostname="localhost")
    assert "version" in str(refused.value).lower(), refused.value
    # plain HTTP only redirects
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", f"{proxy.http_url}/tasks"],
                         capture_output=True, text=True, check=False).stdout if shutil.which("curl") else None
    if out is not None:
        assert out == f"301 {proxy.https_url}/tasks", out

    # a flood from one phone (127.0.0.2) is stopped at its budget: LOGIN_LIMIT per node, each
    # node counting the phone's address (nginx's X-Forwarded-For). nginx spreads the requests,
    # and takes a node out for a while if it failed twice (its error log says why): each
    # node's own answers are checked, read from the access log
    mark = len(proxy.access_log())
    sent_by_phone = [0]

    def from_phone(**kw):
        sent_by_phone[0] += 1
        return login(proxy.api, password="wrong-pass", source="127.0.0.2", **kw)[0]

    def by_node() -> dict[str, list[int]]:
        """Each node's answers to the phone, once every one it was sent is in the log (a count
        of all lines would not do: curl's and the refused handshake's are there too)."""
        def phones(entries: list[dict[str, str]]) -> list[dict[str, str]]:
            return [e for e in entries[mark:] if e["addr"] == "127.0.0.2"]

        seen: dict[str, list[int]] = {}
        for e in phones(proxy.access_log(until=lambda es: len(phones(es)) >= sent_by_phone[0])):
            seen.setdefault(e["upstream"].split(", ")[-1], []).append(int(e["status"]))
        return seen

    def budget_spent(seen: list[int]) -> bool:
        return seen == [401] * LOGIN_LIMIT + [429] * (len(seen) - LOGIN_LIMIT) and len(seen) > LOGIN_LIMIT

    sent = 0
    while sent < 2 * LOGIN_LIMIT + 2 or (not all(map(budget_spent, by_node().values())) and sent < 4 * LOGIN_LIMIT + 4):
        from_phone(username=f"nobody{sent}")
        sent += 1
    flood = by_node()
    why = (flood, proxy.access_log()[mark:], proxy.error_log()[-3000:])
    assert flood and all(map(budget_spent, flood.values())), why
    # ... an X-Forwarded-For of its own making does not buy it a new budget on a node whose
    # budget the flood spent (a node nginx had taken out has not seen the flood: tried again)
    for _ in range(3):
        status = from_phone(username="nobody-x", headers={"X-Forwarded-For": "10.9.9.9"})
        node, answers = next((n, a) for n, a in by_node().items() if len(a) > len(flood.get(n, [])))
        if node in flood:
            assert status == 429, why
            break
        flood[node] = answers
    else:
        pytest.fail(f"the spoofed request never reached a node the flood had reached: {why}")
    # ... and another phone (127.0.0.3) behind the same nginx is not limited with it
    assert login(proxy.api, "zf002", source="127.0.0.3")[0] == 200
    def logins_from(entries):
        return {e["addr"] for e in entries if "auth/login" in e["request"]}

    assert {"127.0.0.2", "127.0.0.3"} <= logins_from(proxy.access_log(until=lambda es: "127.0.0.3" in logins_from(es)))


def test_the_production_rendering_passes_nginx_t(app, tmp_path):
    """`nginx-up.sh render` (docs/deploy.md) for three hosts: a configuration nginx accepts."""
    require_nginx()
    out = tmp_path / "prod"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=zf.example.gov.cn",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")], capture_output=True, check=True)
    env = {**os.environ, "NGINX_UPSTREAMS": "10.0.0.11:8000 10.0.0.12:8000 10.0.0.13:8000",
           "NGINX_SERVER_NAME": "zf.example.gov.cn", "NGINX_CERT": str(tmp_path / "cert.pem"),
           "NGINX_KEY": str(tmp_path / "key.pem"), "NGINX_CONF_DIR": str(out),
           "NGINX_LOG_DIR": str(tmp_path), "NGINX_TEMP_DIR": str(tmp_path), "NGINX_PID": str(tmp_path / "nginx.pid"),
           "NGINX_USER": "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")}
    done = subprocess.run(["bash", str(SCRIPT), "render", str(out)], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    conf = (out / "nginx.conf").read_text()
    assert conf.count("max_fails=2") == 3 and not re.search("@@[A-Z_]+@@", conf) and "listen 443 ssl http2;" in conf
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    check = subprocess.run([nginx, "-t", "-e", str(tmp_path / "error.log"), "-c", str(out / "nginx.conf")],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
