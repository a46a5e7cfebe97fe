"""Web hardening applied to every response: CSP, HSTS, no sniffing, no framing, CORS closed.

The API authenticates with a bearer token in the Authorization header, never with a
cookie, so no request can ride on a browser's ambient credentials: there is no CSRF
surface and no cookie to protect. Cross-origin reads stay closed because no response
ever carries `Access-Control-Allow-Origin` (a preflight gets no allowance either).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request

# The PWA ships every script as a file from its own origin: no inline script, no eval.
# Inline *styles* stay allowed: Vant and Leaflet set style attributes at run time.
_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "worker-src": "'self'",
    "manifest-src": "'self'",
    "media-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# The flask-smorest Swagger page (developer docs, no personal data) has one inline script.
_DOCS_PATHS = ("/api/v1/docs",)


def content_security_policy(tile_url: str = "", *, allow_inline_script: bool = False) -> str:
    """The policy string; a configured map tile server is added to `img-src` only."""
    policy = dict(_CSP)
    if tile_url:
        parts = urlsplit(tile_url)
        host = parts.netloc
        if "{" in host:  # a subdomain template (t{s}.tianditu.gov.cn): CSP wildcards a whole label
            host = "*." + host.split(".", 1)[1] if "." in host else ""
        if parts.scheme in ("http", "https") and host:
            policy["img-src"] += f" {parts.scheme}://{host}"
    if allow_inline_script:
        policy["script-src"] += " 'unsafe-inline'"
    return "; ".join(f"{k} {v}" for k, v in policy.items())


def install_security_headers(app: Flask) -> None:
    csp = content_security_policy(app.config.get("MAP_TILE_URL", ""))
    docs_csp = content_security_policy(app.config.get("MAP_TILE_URL", ""), allow_inline_script=True)
    hsts = f"max-age={int(app.config.get('HSTS_MAX_AGE', 31536000))}; includeSubDomains"

    @app.after_request
    def _headers(resp: Response) -> Response:
        h = resp.headers
        h["Content-Security-Policy"] = docs_csp if request.path in _DOCS_PATHS else csp
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "no-referrer"
        # the officer app needs the camera and GPS of its own origin, nothing else does
        h["Permissions-Policy"] = "geolocation=(self), camera=(self), microphone=(self), payment=(), usb=()"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        if request.is_secure:
            h["Strict-Transport-Security"] = hsts
        if request.path.startswith("/api/") and "Cache-Control" not in h:
            # personal data must not linger in shared caches or the browser's disk cache
            h["Cache-Control"] = "no-store"
        for name in ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"):
            h.pop(name, None)
        return resp
