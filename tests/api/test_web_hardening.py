"""Web hardening: CSP without inline script, HSTS on HTTPS only, CORS closed, no cookies,
no caching of personal data, memory-hard password hashes."""
from __future__ import annotations

import re

from backend.auth.models import Officer
from backend.extensions import db
from backend.security import content_security_policy


def _directives(csp: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in csp.split("; ")}


def test_every_response_carries_a_strict_csp_and_the_hardening_headers(client, demo):
    for path in ("/", "/api/v1/health", "/api/v1/matters", "/api/v1/no-such-thing"):
        resp = client.get(path)
        csp = _directives(resp.headers["Content-Security-Policy"])
        assert csp["script-src"] == "'self'", path  # no inline script, no eval
        assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
        assert csp["connect-src"] == "'self'"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert "camera=(self)" in resp.headers["Permissions-Policy"]


def test_the_served_pages_have_no_inline_script(client):
    """What `/` serves (the PWA shell or the placeholder) passes its own CSP."""
    html = client.get("/").get_data(as_text=True)
    inline = [m for m in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S) if "src=" not in m[0] or m[1].strip()]
    assert inline == []
    assert re.search(r"\son[a-z]+\s*=", html, re.I) is None  # no inline event handlers either


def test_only_the_swagger_page_may_run_its_inline_script(client):
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "'unsafe-inline'" in _directives(docs.headers["Content-Security-Policy"])["script-src"]
    assert "'unsafe-inline'" not in _directives(client.get("/api/v1/openapi.json").headers["Content-Security-Policy"])["script-src"]


def test_a_configured_tile_server_is_allowed_for_images_only():
    csp = _directives(content_security_policy("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY"))
    assert csp["img-src"] == "'self' data: blob: https://*.tianditu.gov.cn"
    assert _directives(content_security_policy("https://tiles.example.org/{z}/{x}/{y}.png"))["img-src"].endswith(
        " https://tiles.example.org")
    assert "tianditu" not in csp["script-src"] + csp["connect-src"]


def test_hsts_is_sent_over_https_only(client):
    assert "Strict-Transport-Security" not in client.get("/api/v1/health").headers
    secure = client.get("/api/v1/health", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_cors_is_closed(client, demo, auth):
    session = auth.login("zf001")
    evil = {"Origin": "https://evil.example"}
    resp = client.get("/api/v1/me", headers={**session.headers, **evil})
    assert resp.status_code == 200 and "Access-Control-Allow-Origin" not in resp.headers
    preflight = client.open("/api/v1/sync", method="OPTIONS", headers={
        **evil, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"})
    assert not any(h.lower().startswith("access-control-allow") for h in preflight.headers.keys())


def test_no_cookie_is_ever_set_so_there_is_nothing_to_forge(client, demo, auth):
    """Bearer tokens only: a cross-site form cannot carry the officer's credentials."""
    login = client.post("/api/v1/auth/login", json={"username": "zf001", "password": "demo1234", "device_id": "dev-cookie-0001"},
                        environ_base={"REMOTE_ADDR": "127.9.0.1"})
    assert login.status_code == 200 and "Set-Cookie" not in login.headers
    token = login.get_json()["access_token"]
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": login.get_json()["refresh_token"]})
    assert "Set-Cookie" not in refresh.headers
    for path in ("/", "/api/v1/me", "/api/v1/matters"):
        assert "Set-Cookie" not in client.get(path, headers={"Authorization": f"Bearer {token}"}).headers


def test_api_answers_with_personal_data_are_not_cached(client, demo, auth):
    session = auth.login("zf001")
    assert client.get("/api/v1/me", headers=session.headers).headers["Cache-Control"] == "no-store"


def test_passwords_are_hashed_with_argon2id(app, demo):
    with app.app_context():
        hashes = db.session.scalars(db.select(Officer.password_hash)).all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    memory_kib = int(re.search(r"m=(\d+)", hashes[0]).group(1))
    assert memory_kib >= 19 * 1024  # OWASP's minimum for Argon2id


def test_the_app_is_sent_pre_compressed_in_the_encoding_the_browser_accepts(client, app, tmp_path, monkeypatch):
    """What a phone downloads on its first visit is the build's brotli or gzip copy, with the
    original's type; a browser that accepts neither gets the plain file."""
    import brotli  # noqa: PLC0415 - only this test reads brotli
    import gzip

    shell = "<!doctype html><title>掌上执法</title>" + "<p>静态</p>" * 200
    bundle = "export const x = 1;\n" * 400
    (tmp_path / "assets").mkdir()
    for name, text_ in (("index.html", shell), ("assets/index-abc.js", bundle)):
        (tmp_path / name).write_text(text_)
        (tmp_path / (name + ".br")).write_bytes(brotli.compress(text_.encode()))
        (tmp_path / (name + ".gz")).write_bytes(gzip.compress(text_.encode()))
    monkeypatch.setitem(app.config, "PWA_DIST", str(tmp_path))

    for path, original, ctype in (("/assets/index-abc.js", bundle, "text/javascript"), ("/ticket", shell, "text/html")):
        br = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert br.headers["Content-Encoding"] == "br" and br.headers["Content-Type"].startswith(ctype)
        assert brotli.decompress(br.data).decode() == original and len(br.data) < len(original.encode()) / 5
        assert "Accept-Encoding" in br.headers["Vary"]
        gz = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data).decode() == original
        for refused in ("", "identity", "br;q=0, gzip;q=0"):
            plain = client.get(path, headers={"Accept-Encoding": refused})
            assert "Content-Encoding" not in plain.headers and plain.get_data(as_text=True) == original
