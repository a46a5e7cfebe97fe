#!/usr/bin/env bash
# Install (if missing) and start a private Redis for the test-suite: loopback only, a free
# port, a throwaway directory, no persistence. Prints the Redis URL on the last line.
# Idempotent: a server this script started and that still answers is reused.
#   scripts/redis-up.sh          start (or reuse) and print redis://127.0.0.1:PORT/0
#   scripts/redis-up.sh stop     stop it and remove its directory
# Installing needs root (CI and our machines are root); elsewhere install redis-server
# yourself, or set TEST_REDIS_URL and skip this script.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
DIR=${REDIS_TEST_DIR:-${TMPDIR:-/tmp}/zhangshang-redis-$(id -u)}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

running_port() {  # the port of the server this script started, if it is alive and answers
  [ -f "$DIR/port" ] && [ -f "$DIR/redis.pid" ] || return 1
  local port pid
  port=$(cat "$DIR/port"); pid=$(cat "$DIR/redis.pid")
  kill -0 "$pid" 2>/dev/null || return 1
  [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] || return 1
  echo "$port"
}

if [ "${1:-}" = stop ]; then
  if [ -f "$DIR/redis.pid" ] && kill -0 "$(cat "$DIR/redis.pid")" 2>/dev/null; then
    kill "$(cat "$DIR/redis.pid")"
  fi
  rm -rf "$DIR"
  exit 0
fi

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "installing redis-server..." >&2
  as_root apt-get update -qq >&2
  as_root apt-get install -y -qq redis-server >&2
fi

if port=$(running_port); then
  echo "redis://127.0.0.1:$port/0"
  exit 0
fi

rm -rf "$DIR"
mkdir -p "$DIR"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# --save "" and no appendonly: nothing is written to disk; the directory holds pid and log only
redis-server --bind 127.0.0.1 --port "$port" --dir "$DIR" --save "" --appendonly no \
  --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" >&2
echo "$port" >"$DIR/port"
for _ in $(seq 1 100); do
  if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
    echo "redis://127.0.0.1:$port/0"
    exit 0
  fi
  sleep 0.1
done
echo "redis-server did not answer on 127.0.0.1:$port; its log:" >&2
cat "$DIR/redis.log" >&2 || true
exit 1
