#!/usr/bin/env bash
# `make run`: set up, create/migrate the embedded database, load demo data, serve.
#   http://127.0.0.1:${PORT:-5000}   (localhost counts as a secure context)
#   https://<LAN address>:${HTTPS_PORT:-5443}  (self-signed, for a phone on the LAN)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh run

export SPATIALITE_LIBRARY_PATH=${SPATIALITE_LIBRARY_PATH:-mod_spatialite}
export APP_ENV=${APP_ENV:-development}
export DEMO_MODE=1
PORT=${PORT:-5000}
HTTPS_PORT=${HTTPS_PORT:-5443}
WORKERS=${WORKERS:-2}
FLASK=".venv/bin/flask --app wsgi"

$FLASK db upgrade
$FLASK seed-demo

# self-signed certificate for the LAN, made once (instance/ is never committed)
LAN_IP=$(hostname -I 2>/dev/null | awk '{print $1}')
LAN_IP=${LAN_IP:-127.0.0.1}
CERT=instance/tls/cert.pem KEY=instance/tls/key.pem
cert_text=$( [ -f "$CERT" ] && openssl x509 -in "$CERT" -noout -text 2>/dev/null || true)
if [[ $cert_text != *"IP Address:$LAN_IP"* ]]; then  # not `openssl | grep -q`: 141 under pipefail
  mkdir -p instance/tls
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -keyout "$KEY" -out "$CERT" \
    -subj "/CN=zhangshang-zhifa-dev" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:$LAN_IP" >/dev/null 2>&1
  chmod 600 "$KEY"
fi

cat <<MSG

  掌上执法 is running (demo data loaded)
    http://127.0.0.1:$PORT/            this computer
    https://$LAN_IP:$HTTPS_PORT/      a phone on the same network (accept the self-signed certificate)
    http://127.0.0.1:$PORT/api/v1/docs API documentation

  Demo logins (password demo1234, demo mode only):
    zf001, zf002  执法队员 certified officers (蛟川街道)
    fz001         协管员 auxiliary (no penalty power)
    zd001         中队长 supervisor
    admin         系统管理员 district admin
  Press Ctrl-C to stop.

MSG

GUNICORN=".venv/bin/gunicorn --workers $WORKERS --threads 4 --no-control-socket --access-logfile - wsgi:app"
$GUNICORN --bind "127.0.0.1:$PORT" &
HTTP_PID=$!
$GUNICORN --bind "0.0.0.0:$HTTPS_PORT" --certfile "$CERT" --keyfile "$KEY" &
HTTPS_PID=$!
trap 'kill $HTTP_PID $HTTPS_PID 2>/dev/null; wait' INT TERM EXIT
wait -n
