#!/usr/bin/env bash
# `make cluster`: the production topology on this machine's loopback (docs/deploy.md, "The
# cluster on one machine"): PostgreSQL + PostGIS (a database of its own on the local cluster,
# migrated, with the demo data), its streaming replica (scripts/replica-up.sh, when present),
# SeaweedFS as the S3 evidence store, Redis for the rate-limit counters, two gunicorn app nodes
# with the production settings (gunicorn.conf.py) and nginx in front (TLS, least_conn).
# Waits until each part answers, then prints the URL, the demo logins and where the logs and
# pids are. Idempotent: what runs and answers is kept, what is missing or dead is (re)started
# (a SIGKILLed node comes back, nginx keeps its ports). `make cluster-down` stops it all.
#
# Needs root (or passwordless sudo) for PostgreSQL; no stdin. Nothing secret is written into
# the repository: the SECRET_KEY shared by the nodes is made in the state directory.
#
# Variables: CLUSTER_DIR (state, logs, pids: instance/cluster), CLUSTER_DB (zhangshang_cluster;
# the name must contain "cluster": cluster-down drops it), CLUSTER_NODE_PORTS ("18101 18102"),
# CLUSTER_REPLICA_PORT (the replica's port, passed to replica-up.sh as REPLICA_PORT; 5433),
# CLUSTER_REPLICA=0 (no replica), CLUSTER_SETUP=0 (skip scripts/bootstrap.sh), WEB_CONCURRENCY / GUNICORN_THREADS (gunicorn.conf.py's).
# The last line printed is the cluster's HTTPS URL.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STATE=${CLUSTER_DIR:-$ROOT/instance/cluster}
DB=${CLUSTER_DB:-zhangshang_cluster}
NODE_PORTS=${CLUSTER_NODE_PORTS:-"18101 18102"}
REPLICA_PORT=${CLUSTER_REPLICA_PORT:-5433}
BUCKET=zhangshang-evidence
PY=.venv/bin/python
exec </dev/null

case "$DB" in *cluster*) ;; *) echo "CLUSTER_DB must contain 'cluster' (cluster-down drops it): $DB" >&2; exit 2 ;; esac
case "$STATE" in /*) ;; *) STATE=$ROOT/$STATE ;; esac
mkdir -p "$STATE/log"
chmod 700 "$STATE"
LOG=$STATE/log/setup.log
say() { echo "cluster-up: [${SECONDS}s] $*" >&2; }

# one cluster-up (or cluster-down) at a time on this state directory: run again under flock,
# which holds the lock itself (-o), so that the servers started below do not inherit it
if [ "${ZHANGSHANG_CLUSTER_LOCKED:-}" != "$STATE" ]; then
  exec env ZHANGSHANG_CLUSTER_LOCKED="$STATE" flock -o "$STATE/.lock" bash "$ROOT/scripts/cluster-up.sh" "$@"
fi

# --- the software (a fresh clone: the virtualenv, the PWA build) --------------------------------
# the test set-up's virtualenv is a superset of the run set-up's: use it when it is current
# (CLUSTER_SETUP=0 skips this: the tests run from a ready virtualenv and PWA build, and must
# not rebuild pwa/dist under the other tests' feet)
if [ "${CLUSTER_SETUP:-1}" != 0 ]; then
  stamp=$(cat requirements*.txt | sha256sum | cut -c1-16)
  mode=run
  [ -f ".venv/.installed-$stamp-test" ] && mode=test
  say "checking the set-up (scripts/bootstrap.sh $mode)"
  scripts/bootstrap.sh "$mode" >>"$LOG" 2>&1 || { tail -30 "$LOG" >&2; exit 1; }
fi

# --- secrets, made once, kept in the state directory ------------------------------------------
umask 077
[ -s "$STATE/secret_key" ] || "$PY" -c 'import secrets; print(secrets.token_hex(32))' >"$STATE/secret_key"
# the cluster's S3 key pair: SeaweedFS is started with it (below) and the nodes sign with it
[ -s "$STATE/s3_key" ] || "$PY" -c 'import secrets; print("zs-cluster", secrets.token_hex(20))' >"$STATE/s3_key"
read -r S3_KEY_ID S3_SECRET <"$STATE/s3_key"
umask 022

# --- Redis and SeaweedFS (in the background while the database is prepared) -------------------
say "starting Redis and SeaweedFS"
REDIS_TEST_DIR="$STATE/redis" scripts/redis-up.sh >"$STATE/.redis.out" 2>>"$LOG" &
redis_job=$!
# with the cluster's key pair in its environment: weed takes AWS_ACCESS_KEY_ID as its one
# identity when it is set (a caller's own key, e.g. the test suite's, would lock the nodes out)
AWS_ACCESS_KEY_ID=$S3_KEY_ID AWS_SECRET_ACCESS_KEY=$S3_SECRET SEAWEEDFS_TEST_DIR="$STATE/seaweedfs" \
  scripts/seaweedfs-up.sh >"$STATE/.s3.out" 2>>"$LOG" &
s3_job=$!

# --- PostgreSQL + PostGIS: the cluster's own database on the local cluster ---------------------
say "preparing PostgreSQL + PostGIS database $DB"
echo "$DB" >"$STATE/database"  # cluster-down drops the database named here (and its _restore twin)
DATABASE_URL=$(cat "$STATE/database_url" 2>/dev/null || true)
# the database answering as before is kept; otherwise scripts/postgis-up.sh (installs, starts, creates)
if [ -z "$DATABASE_URL" ] || ! psql "${DATABASE_URL/+psycopg/}" -XqAt -c "SELECT 1" >/dev/null 2>&1; then
  DATABASE_URL=$(POSTGIS_TEST_DB="$DB" scripts/postgis-up.sh 2>>"$LOG" | tail -1)
  case "$DATABASE_URL" in postgresql*) ;; *) say "scripts/postgis-up.sh failed"; tail -20 "$LOG" >&2; exit 1 ;; esac
  echo "$DATABASE_URL" >"$STATE/database_url"
fi

# the replica (another helper's scripts/replica-up.sh: pg_basebackup of the local cluster,
# prints the replica's URL for POSTGIS_TEST_DB on its last line). Started in the background.
replica_job=""
if [ "${CLUSTER_REPLICA:-1}" != 0 ] && [ -f scripts/replica-up.sh ]; then
  # ours to stop only if nothing answered on its port before we asked for it
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$REPLICA_PORT") 2>/dev/null; then
    touch "$STATE/replica.ours"
  fi
  say "starting the streaming replica on port $REPLICA_PORT (scripts/replica-up.sh)"
  POSTGIS_TEST_DB="$DB" REPLICA_PORT="$REPLICA_PORT" bash scripts/replica-up.sh >"$STATE/.replica.out" 2>>"$LOG" &
  replica_job=$!
fi

flask_cli() {  # the flask CLI against the cluster's database (the secret stays out of argv)
  (
    export APP_ENV=production DATABASE_URL SPATIALITE_LIBRARY_PATH=mod_spatialite MEDIA_ROOT="$STATE/media/setup"
    SECRET_KEY=$(cat "$STATE/secret_key"); export SECRET_KEY
    exec .venv/bin/flask --app wsgi "$@"
  ) >>"$LOG" 2>&1 || { tail -30 "$LOG" >&2; exit 1; }
}
# a database made again (dropped by hand) is migrated and seeded again
if [ "$(psql "${DATABASE_URL/+psycopg/}" -XqAt -c "SELECT to_regclass('alembic_version') IS NOT NULL" 2>>"$LOG")" != t ]; then
  rm -f "$STATE/migrated" "$STATE/seeded"
fi
# migrated once per version of the migrations (a second cluster-up skips the app's start-up)
migrations=$(cat backend/migrations/versions/*.py | sha256sum | cut -c1-16)
if [ "$(cat "$STATE/migrated" 2>/dev/null)" != "$DB $migrations" ]; then
  say "migrating $DB"
  flask_cli db upgrade
  echo "$DB $migrations" >"$STATE/migrated"
fi
# the demo data loads while the rest starts (the nodes need the schema, not the data)
seed_job=""
if [ "$(cat "$STATE/seeded" 2>/dev/null)" != "$DB" ]; then
  say "loading the demo data"
  (flask_cli seed-demo && echo "$DB" >"$STATE/seeded") &
  seed_job=$!
fi

wait "$redis_job" || { say "scripts/redis-up.sh failed"; tail -20 "$LOG" >&2; exit 1; }
REDIS_URL=$(tail -1 "$STATE/.redis.out")
wait "$s3_job" || { say "scripts/seaweedfs-up.sh failed"; tail -20 "$LOG" >&2; exit 1; }
S3_URL=$(tail -1 "$STATE/.s3.out")
REPLICA_URL=""
if [ -n "$replica_job" ]; then
  if wait "$replica_job"; then
    REPLICA_URL=$(tail -1 "$STATE/.replica.out")
  else
    say "scripts/replica-up.sh failed"; tail -20 "$LOG" >&2; exit 1
  fi
fi

# the evidence bucket (the app creates nothing)
AWS_ACCESS_KEY_ID=$S3_KEY_ID AWS_SECRET_ACCESS_KEY=$S3_SECRET "$PY" - "$S3_URL" "$BUCKET" <<'EOF' >>"$LOG" 2>&1 || { tail -20 "$LOG" >&2; exit 1; }
import sys, time
import boto3
from botocore.exceptions import ClientError
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
for attempt in range(30):  # the gateway answers a little before its filer takes buckets
    try:
        s3.create_bucket(Bucket=sys.argv[2])
        break
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            break
        if attempt == 29:
            raise
        time.sleep(1)
EOF

# --- the app nodes ------------------------------------------------------------------------------
# their settings in one file (a person may `source` it to run `flask` against the cluster);
# a node started with other settings (a restarted Redis or SeaweedFS has new ports) is restarted
umask 077
{
  echo "export APP_ENV=production"
  echo "export DATABASE_URL='$DATABASE_URL'"
  [ -n "$REPLICA_URL" ] && echo "export DATABASE_REPLICA_URL='$REPLICA_URL'"
  echo "export MEDIA_STORE_URL='s3://$BUCKET?endpoint_url=$S3_URL'"
  echo "export AWS_ACCESS_KEY_ID='$S3_KEY_ID' AWS_SECRET_ACCESS_KEY='$S3_SECRET'"
  echo "export RATELIMIT_STORAGE_URI='$REDIS_URL'"
  echo "export SECRET_KEY='$(cat "$STATE/secret_key")'"
  echo "export PROXY_FIX_X_FOR=1 FORWARDED_ALLOW_IPS=127.0.0.1"
  echo "export PWA_DIST='$ROOT/pwa/dist'"
  echo "export SPATIALITE_LIBRARY_PATH=mod_spatialite"
  [ -n "${WEB_CONCURRENCY:-}" ] && echo "export WEB_CONCURRENCY=$WEB_CONCURRENCY"
  [ -n "${GUNICORN_THREADS:-}" ] && echo "export GUNICORN_THREADS=$GUNICORN_THREADS"
} >"$STATE/cluster.env.new"
umask 022

health() {  # 200 from /api/v1/health on 127.0.0.1:$1
  "$PY" - "$1" <<'EOF' 2>/dev/null
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=3)
c.request("GET", "/api/v1/health")
sys.exit(0 if c.getresponse().status == 200 else 1)
EOF
}

node_alive() {  # the node this script started on port $2 (index $1) is alive and answers
  local i=$1 port=$2 pid
  [ -f "$STATE/node$i.pgid" ] || return 1
  pid=$(cat "$STATE/node$i.pgid")
  kill -0 "$pid" 2>/dev/null || return 1
  # read whole, then match: `tr | grep -q` under pipefail is 141 (a false "dead") when grep
  # exits before tr has written everything
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *gunicorn*"127.0.0.1:$port"* ]] || return 1
  health "$port"
}

stop_node_group() {  # whatever is left of node $1's process group (a SIGKILLed master's workers)
  local pgid
  [ -f "$STATE/node$1.pgid" ] || return 0
  pgid=$(cat "$STATE/node$1.pgid")
  if kill -0 -- "-$pgid" 2>/dev/null; then
    kill -TERM -- "-$pgid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pgid" 2>/dev/null || true
  fi
  rm -f "$STATE/node$1.pgid" "$STATE/node$1.pid"
}

same_settings=0
cmp -s "$STATE/cluster.env.new" "$STATE/cluster.env" 2>/dev/null && same_settings=1
mv "$STATE/cluster.env.new" "$STATE/cluster.env"

i=0
started=()
for port in $NODE_PORTS; do
  i=$((i + 1))
  if [ "$same_settings" = 1 ] && node_alive "$i" "$port"; then
    continue
  fi
  stop_node_group "$i"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    say "port $port is taken by something this script did not start (set CLUSTER_NODE_PORTS)"; exit 1
  fi
  say "starting app node $i on 127.0.0.1:$port"
  mkdir -p "$STATE/media/node$i"
  # its own process group (setsid): cluster-down stops the master and its workers together
  (
    # shellcheck disable=SC1091
    source "$STATE/cluster.env"
    export MEDIA_ROOT="$STATE/media/node$i"  # each host's local scratch (uploads are staged there)
    exec setsid .venv/bin/gunicorn -c gunicorn.conf.py --bind "127.0.0.1:$port" --pid "$STATE/node$i.pid" \
      --access-logfile "$STATE/log/node$i.access.log" --error-logfile "$STATE/log/node$i.log" wsgi:app
  ) </dev/null >>"$STATE/log/node$i.log" 2>&1 &
  echo $! >"$STATE/node$i.pgid"
  started+=("$i:$port")
done
for entry in "${started[@]}"; do
  i=${entry%%:*} port=${entry#*:}
  for _ in $(seq 1 1200); do
    health "$port" && break
    if ! kill -0 "$(cat "$STATE/node$i.pgid")" 2>/dev/null; then
      say "app node $i exited; the end of its log:"; tail -30 "$STATE/log/node$i.log" >&2; exit 1
    fi
    sleep 0.1
  done
  health "$port" || { say "app node $i did not answer on $port within 120 s"; tail -30 "$STATE/log/node$i.log" >&2; exit 1; }
done

if [ -n "$seed_job" ]; then
  wait "$seed_job" || { say "loading the demo data failed"; tail -30 "$LOG" >&2; exit 1; }
fi

# --- nginx in front ------------------------------------------------------------------------------
upstreams=()
for port in $NODE_PORTS; do upstreams+=("127.0.0.1:$port"); done
say "starting nginx in front of ${upstreams[*]}"
urls=$(NGINX_TEST_DIR="$STATE/nginx" PWA_DIST="$ROOT/pwa/dist" scripts/nginx-up.sh "${upstreams[@]}" 2>>"$LOG") \
  || { say "scripts/nginx-up.sh failed"; tail -20 "$LOG" >&2; exit 1; }
# parameter expansion, not `echo | head -1`: bash's echo writes line by line, head exits after
# the first, and under pipefail the second write's SIGPIPE (141) ended this script (CI, stop 33)
HTTPS_URL=${urls##*$'\n'}
HTTP_URL=${urls%%$'\n'*}
"$PY" - "$HTTPS_URL" "$STATE/nginx/cert.pem" <<'EOF' || { say "nginx does not answer"; tail -20 "$STATE/nginx/log/error.log" >&2; exit 1; }
import http.client, ssl, sys, time
from urllib.parse import urlsplit
u = urlsplit(sys.argv[1])
ctx = ssl.create_default_context(cafile=sys.argv[2])
for _ in range(100):
    try:
        c = http.client.HTTPSConnection(u.hostname, u.port, timeout=3, context=ctx)
        c.request("GET", "/api/v1/health")
        if c.getresponse().status == 200:
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(1)
EOF
echo "$HTTPS_URL" >"$STATE/url"

workers=${WEB_CONCURRENCY:-$(( $(nproc) * 2 + 1 > 8 ? $(nproc) * 2 + 1 : 8 ))}  # gunicorn.conf.py's default
mask() { echo "$1" | sed -E 's#//([^:]+):[^@]*@#//\1:***@#'; }
masked=$(mask "$DATABASE_URL")
replica_shown="none (scripts/replica-up.sh is missing or CLUSTER_REPLICA=0)"
[ -n "$REPLICA_URL" ] && replica_shown="$(mask "$REPLICA_URL") (streaming)"
cat >&2 <<MSG

  掌上执法 cluster on this machine (loopback), behind nginx:
    $HTTPS_URL/            the app (self-signed certificate: $STATE/nginx/cert.pem)
    $HTTP_URL/             redirects to HTTPS
    app nodes   ${upstreams[*]} (gunicorn.conf.py: $workers workers × ${GUNICORN_THREADS:-2} threads each)
    database    $masked (primary)
    replica     $replica_shown
    evidence    s3://$BUCKET at $S3_URL (SeaweedFS)
    rate limits $REDIS_URL

  Demo logins (password demo1234, demo data only):
    zf001, zf002  执法队员 certified officers (蛟川街道)
    fz001         协管员 auxiliary (no penalty power)
    zd001         中队长 supervisor
    admin         系统管理员 district admin

  State, logs and pids in $STATE:
    log/node1.log, log/node2.log (gunicorn), log/node*.access.log, log/setup.log,
    nginx/log/access.log (which node answered each request), redis/, seaweedfs/weed.log,
    node*.pid (gunicorn masters), nginx/nginx.pid, redis/redis.pid, seaweedfs/weed.pid;
    cluster.env holds the nodes' settings (source it to run flask against the cluster)
  Stop everything (and drop $DB): make cluster-down

MSG
echo "$HTTPS_URL"
