#!/usr/bin/env bash
# `make cluster-down`: stop what scripts/cluster-up.sh started, and only that: nginx, the two
# app nodes, SeaweedFS and Redis (each in its own directory under the state directory), the
# replica if cluster-up started it, and drop the cluster's own database (the name recorded in
# the state directory, with the `_restore` twin scripts/postgis-up.sh made beside it). The
# local PostgreSQL cluster itself keeps running, with everyone else's databases untouched.
# Then the state directory (secret key, logs) is removed. Safe to run twice.
#   CLUSTER_DIR (instance/cluster), CLUSTER_REPLICA_PORT (5433), as for cluster-up.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STATE=${CLUSTER_DIR:-$ROOT/instance/cluster}
case "$STATE" in /*) ;; *) STATE=$ROOT/$STATE ;; esac
REPLICA_PORT=${CLUSTER_REPLICA_PORT:-5433}
exec </dev/null
say() { echo "cluster-down: [${SECONDS}s] $*" >&2; }

if [ ! -d "$STATE" ]; then
  say "nothing to stop ($STATE does not exist)"
  exit 0
fi
if [ "${ZHANGSHANG_CLUSTER_LOCKED:-}" != "$STATE" ]; then  # not while a cluster-up runs on it
  exec env ZHANGSHANG_CLUSTER_LOCKED="$STATE" flock -o "$STATE/.lock" bash "$ROOT/scripts/cluster-down.sh" "$@"
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

# nginx first: no request reaches a node that is going away
if [ -d "$STATE/nginx" ]; then
  say "stopping nginx"
  NGINX_TEST_DIR="$STATE/nginx" scripts/nginx-up.sh stop || true
fi

# the object store and Redis stop meanwhile (SeaweedFS takes a few seconds)
bg_jobs=()
if [ -d "$STATE/seaweedfs" ]; then
  say "stopping SeaweedFS"
  SEAWEEDFS_TEST_DIR="$STATE/seaweedfs" scripts/seaweedfs-up.sh stop &
  bg_jobs+=($!)
fi
if [ -d "$STATE/redis" ]; then
  say "stopping Redis"
  REDIS_TEST_DIR="$STATE/redis" scripts/redis-up.sh stop &
  bg_jobs+=($!)
fi

# the app nodes: each its own process group (setsid), the master's pid recorded as its id;
# all asked at once, then given gunicorn's graceful time for the requests in flight
groups=()
for f in "$STATE"/node*.pgid; do
  [ -e "$f" ] || continue
  pgid=$(cat "$f")
  if kill -0 -- "-$pgid" 2>/dev/null; then
    say "stopping app node $(basename "$f" .pgid) (process group $pgid)"
    kill -TERM -- "-$pgid" 2>/dev/null || true
    groups+=("$pgid")
  fi
done
for _ in $(seq 1 250); do
  alive=0
  for pgid in "${groups[@]}"; do kill -0 -- "-$pgid" 2>/dev/null && alive=1; done
  [ "$alive" = 0 ] && break
  sleep 0.1
done
for pgid in "${groups[@]}"; do kill -KILL -- "-$pgid" 2>/dev/null || true; done
rm -f "$STATE"/node*.pgid

if [ -f "$STATE/replica.ours" ] && [ -f scripts/replica-up.sh ]; then
  say "stopping the replica on port $REPLICA_PORT"
  REPLICA_PORT="$REPLICA_PORT" bash scripts/replica-up.sh stop || true
fi

# the cluster's database (never one whose name does not say so: the test databases live beside it)
if [ -f "$STATE/database" ]; then
  db=$(cat "$STATE/database")
  case "$db" in
    *cluster*)
      # the primary: the first cluster online and not a standby (scripts/postgis-up.sh's)
      port=$(pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online" && !p {print $3; p = 1}')  # no early exit: SIGPIPE under pipefail
      if [ -n "$port" ]; then
        say "dropping databases $db and ${db}_restore"
        as_root su postgres -c "psql -p $port -qAt -c 'DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)' \
          -c 'DROP DATABASE IF EXISTS \"${db}_restore\" WITH (FORCE)'" >&2 || true
      fi
      ;;
    *) say "not dropping database '$db' (its name does not contain 'cluster')" ;;
  esac
fi

for job in "${bg_jobs[@]}"; do wait "$job" || true; done
rm -rf "$STATE"
say "stopped; $STATE removed"
