#!/usr/bin/env bash
# nginx in front of app nodes, from deploy/nginx.conf.template (docs/deploy.md, "The proxy
# in front").
#
#   scripts/nginx-up.sh PORT|HOST:PORT...   start (or reuse) a private nginx for the tests:
#       loopback only, free HTTP and HTTPS ports, a self-signed certificate, pid, logs and
#       temp files in one throwaway directory ($NGINX_TEST_DIR). Prints the HTTP URL, then
#       the HTTPS base URL on the last line. Idempotent: an nginx this script started for
#       the same nodes and that still answers is reused; for other nodes it is replaced.
#   scripts/nginx-up.sh stop                stop it and remove its directory
#   scripts/nginx-up.sh render OUTDIR       write nginx.conf and pwa-headers.conf for a
#       real host into OUTDIR (see the variables below), then check them with `nginx -t`
#
# Installing nginx needs root (CI and our machines are root); elsewhere install Debian's
# nginx yourself.
#
# Variables (render; the test mode sets its own): NGINX_UPSTREAMS ("10.0.0.11:8000
# 10.0.0.12:8000", required), NGINX_SERVER_NAME (_), NGINX_CERT, NGINX_KEY,
# NGINX_HTTP_LISTEN (80), NGINX_HTTPS_LISTEN (443), PWA_DIST (this checkout's pwa/dist),
# NGINX_LOG_DIR (/var/log/nginx), NGINX_TEMP_DIR (/var/lib/nginx), NGINX_PID
# (/run/nginx.pid), NGINX_USER (www-data), NGINX_CONF_DIR (where pwa-headers.conf will be
# on the host: /etc/nginx), MAP_TILE_URL (as the app's, for the CSP) or NGINX_CSP,
# HSTS_MAX_AGE (31536000, as the app's).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${NGINX_TEST_DIR:-${TMPDIR:-/tmp}/zhangshang-nginx-$(id -u)}
NGINX=${NGINX:-nginx}
PY=python3
[ -x "$ROOT/.venv/bin/python" ] && PY="$ROOT/.venv/bin/python"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

ensure_nginx() {
  if ! command -v "$NGINX" >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    echo "installing nginx..." >&2
    as_root apt-get update -qq >&2
    as_root apt-get install -y -qq nginx >&2
  fi
  command -v "$NGINX" >/dev/null 2>&1 || NGINX=/usr/sbin/nginx
}

csp() {  # the PWA's Content-Security-Policy, from the app's own function
  if [ -n "${NGINX_CSP:-}" ]; then echo "$NGINX_CSP"; return; fi
  (cd "$ROOT" && "$PY" -c 'import os, sys
from backend.security import content_security_policy
sys.stdout.write(content_security_policy(os.environ.get("MAP_TILE_URL", "")))')
}

# fill @@NAME@@ from the variable T_NAME; a name with no variable is an error
fill() {
  awk '{
    out = ""; line = $0
    while (match(line, /@@[A-Z_]+@@/)) {
      name = substr(line, RSTART + 2, RLENGTH - 4)
      if (!(("T_" name) in ENVIRON)) { print "no value for @@" name "@@" > "/dev/stderr"; exit 1 }
      out = out substr(line, 1, RSTART - 1) ENVIRON["T_" name]; line = substr(line, RSTART + RLENGTH)
    }
    print out line
  }' "$1"
}

# render OUTDIR: nginx.conf and pwa-headers.conf from the T_* variables
render_into() {
  local out=$1 servers="" u
  for u in $T_NODES; do
    case "$u" in *:*) ;; *) u="127.0.0.1:$u" ;; esac
    # two failures within 10 s take a node out for 10 s; then one request tries it again
    servers+="        server $u max_fails=2 fail_timeout=10s;"$'\n'
  done
  export T_UPSTREAM_SERVERS=${servers%$'\n'}
  mkdir -p "$out"
  fill "$ROOT/deploy/nginx.conf.template" >"$out/nginx.conf.new"
  fill "$ROOT/deploy/pwa-headers.conf.template" >"$out/pwa-headers.conf"
  mv "$out/nginx.conf.new" "$out/nginx.conf"
}

if [ "${1:-}" = render ]; then
  out=${2:?usage: nginx-up.sh render OUTDIR}
  ensure_nginx
  export T_NODES=${NGINX_UPSTREAMS:?set NGINX_UPSTREAMS to the app nodes, e.g. "10.0.0.11:8000 10.0.0.12:8000"}
  export T_USER=${NGINX_USER:-www-data} T_PID_FILE=${NGINX_PID:-/run/nginx.pid}
  export T_LOG_DIR=${NGINX_LOG_DIR:-/var/log/nginx} T_TEMP_DIR=${NGINX_TEMP_DIR:-/var/lib/nginx}
  export T_SERVER_NAME=${NGINX_SERVER_NAME:-_} T_HTTP_LISTEN=${NGINX_HTTP_LISTEN:-80}
  export T_HTTPS_LISTEN=${NGINX_HTTPS_LISTEN:-443} T_HTTPS_PORT_SUFFIX=""
  [ "$T_HTTPS_LISTEN" = 443 ] || T_HTTPS_PORT_SUFFIX=":${T_HTTPS_LISTEN##*:}"
  export T_TLS_CERT=${NGINX_CERT:?set NGINX_CERT} T_TLS_KEY=${NGINX_KEY:?set NGINX_KEY}
  export T_PWA_DIST=${PWA_DIST:-$ROOT/pwa/dist} T_CONF_DIR=${NGINX_CONF_DIR:-/etc/nginx}
  T_CSP=$(csp); export T_CSP
  export T_HSTS_MAX_AGE=${HSTS_MAX_AGE:-31536000}
  render_into "$out"
  echo "wrote $out/nginx.conf and $out/pwa-headers.conf (copy pwa-headers.conf to $T_CONF_DIR)" >&2
  exit 0
fi

running() {  # the nginx this script started, if it is alive and accepts connections
  [ -f "$DIR/nginx.pid" ] && [ -f "$DIR/https_port" ] || return 1
  local pid
  pid=$(cat "$DIR/nginx.pid")
  kill -0 "$pid" 2>/dev/null || return 1
  (exec 3<>"/dev/tcp/127.0.0.1/$(cat "$DIR/https_port")") 2>/dev/null || return 1
}

stop() {
  if [ -f "$DIR/nginx.pid" ]; then
    local pid
    pid=$(cat "$DIR/nginx.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -QUIT "$pid" 2>/dev/null || true  # graceful: finish what is in flight
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
}

if [ "${1:-}" = stop ]; then
  stop
  rm -rf "$DIR"
  exit 0
fi

[ $# -gt 0 ] || { echo "usage: nginx-up.sh PORT|HOST:PORT... | stop | render OUTDIR" >&2; exit 2; }
ensure_nginx

test_variables() {  # the private copy's settings, with the ports in $DIR
  export T_NODES="$*" T_USER=$(id -un) T_PID_FILE="$DIR/nginx.pid" T_LOG_DIR="$DIR/log" T_TEMP_DIR="$DIR/tmp"
  export T_SERVER_NAME=localhost T_HTTP_LISTEN="127.0.0.1:$(cat "$DIR/http_port")"
  export T_HTTPS_LISTEN="127.0.0.1:$(cat "$DIR/https_port")" T_HTTPS_PORT_SUFFIX=":$(cat "$DIR/https_port")"
  export T_TLS_CERT="$DIR/cert.pem" T_TLS_KEY="$DIR/key.pem" T_PWA_DIST=${PWA_DIST:-$ROOT/pwa/dist} T_CONF_DIR="$DIR/conf"
  T_CSP=$(csp); export T_CSP
  export T_HSTS_MAX_AGE=${HSTS_MAX_AGE:-31536000}
}

urls() {
  echo "http://127.0.0.1:$(cat "$DIR/http_port")"
  echo "https://127.0.0.1:$(cat "$DIR/https_port")"
}

if running; then
  test_variables "$@"
  render_into "$DIR/check"
  if cmp -s "$DIR/check/nginx.conf" "$DIR/conf/nginx.conf" && cmp -s "$DIR/check/pwa-headers.conf" "$DIR/conf/pwa-headers.conf"; then
    rm -rf "$DIR/check"
    urls
    exit 0
  fi
  echo "nginx runs for other nodes: restarting it" >&2
fi
stop
rm -rf "$DIR"
mkdir -p "$DIR/log" "$DIR/tmp" "$DIR/conf"
chmod 700 "$DIR"
read -r http_port https_port < <(python3 -c 'import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
echo "$http_port" >"$DIR/http_port"
echo "$https_port" >"$DIR/https_port"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$DIR/key.pem" -out "$DIR/cert.pem" >/dev/null 2>&1
test_variables "$@"
render_into "$DIR/conf"
"$NGINX" -t -q -e "$DIR/log/error.log" -p "$DIR" -c "$DIR/conf/nginx.conf" >&2
# not a daemon: this background process is the master; its pid is in $DIR/nginx.pid
setsid "$NGINX" -e "$DIR/log/error.log" -p "$DIR" -c "$DIR/conf/nginx.conf" -g "daemon off;" \
  </dev/null >>"$DIR/log/nginx.out" 2>&1 &
for _ in $(seq 1 100); do
  if running; then
    urls
    exit 0
  fi
  sleep 0.1
done
echo "nginx did not start on 127.0.0.1:$https_port; its log:" >&2
cat "$DIR/log/error.log" "$DIR/log/nginx.out" >&2 || true
exit 1
