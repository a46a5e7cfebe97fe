#!/usr/bin/env bash
# Make (if missing) and start a streaming replica of the local PostgreSQL cluster that
# scripts/postgis-up.sh started, for the tests of the supervisors' replica reads
# (tests/replica_server.py; docs/deploy.md, "A read replica for supervisors").
# Prints the replica's URL for POSTGIS_TEST_DB on the last line, with the user and password
# postgis-up.sh prints. Needs root (CI and our machines are root); elsewhere set
# TEST_REPLICA_URL yourself and skip this script.
#
# The replica is a second Debian cluster ("15/replica", port REPLICA_PORT, default 5433)
# made by pg_basebackup over TCP as a replication role; it copies the whole primary
# cluster, so the databases the tests clone later (one per xdist worker) appear on it too.
#   scripts/replica-up.sh          make or check it, print postgresql+psycopg://…@127.0.0.1:PORT/DB
#   scripts/replica-up.sh stop     stop it (its data stays; the next run starts it again)
# Idempotent: a replica that streams from this primary and catches up is left alone (a
# replay some test left paused is resumed); one that is down and will not start, not a
# standby, a copy of another cluster, not streaming, or not caught up within
# REPLICA_CATCHUP_S seconds is made again. No replication slot: a replica given up must
# never make the shared primary keep WAL until its disk is full; one that falls too far
# behind breaks and is made again on the next run.
#
# The primary gets, if missing: the replication role, a pg_hba `replication` line for
# 127.0.0.1 (then a reload, never a restart), and in POSTGIS_TEST_DB (the template the tests
# clone) and in the clones already made, EXECUTE on pg_wal_replay_pause()/_resume() for the
# test role: the tests pause replay to show which reads the replica answers. The grant
# replicates, and databases cloned from the template inherit it.
set -euo pipefail
DB=${POSTGIS_TEST_DB:-zhangshang_test}
ROLE=${POSTGIS_TEST_ROLE:-zhangshang}
PASS=${POSTGIS_TEST_PASSWORD:-zhangshang-test}
PORT=${REPLICA_PORT:-5433}
NAME=${REPLICA_CLUSTER:-replica$([ "$PORT" = 5433 ] || echo "-$PORT")}  # one Debian cluster per port
REPL_ROLE=${REPLICA_ROLE:-${ROLE}_replication}
REPL_PASS=${REPLICA_PASSWORD:-$PASS}
CATCHUP_S=${REPLICA_CATCHUP_S:-60}
LOCK=${TMPDIR:-/tmp}/zhangshang-replica-$PORT.lock
export DEBIAN_FRONTEND=noninteractive

# One run at a time, and never while a test has replay paused (tests/replica_server.py takes
# the same lock): run again under flock, which holds the lock itself (-o) so that the
# servers started below do not inherit it.
if [ -z "${ZHANGSHANG_REPLICA_LOCKED:-}" ]; then
  exec env ZHANGSHANG_REPLICA_LOCKED=1 flock -o "$LOCK" bash "$0" "$@"
fi
cd /

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
as_postgres() { as_root runuser -u postgres -- "$@"; }
q() {  # q PORT [psql args...]: one quiet, tuples-only psql as postgres over the local socket
  local port=$1; shift
  as_postgres psql -X -p "$port" -v ON_ERROR_STOP=1 -qAt "$@"
}

if [ "${1:-}" = stop ]; then  # stop the replica (its data stays: the next run starts it and it catches up)
  pg_lsclusters --no-header 2>/dev/null | while read -r ver name _; do
    if [ "$name" = "$NAME" ]; then as_root pg_ctlcluster "$ver" "$name" stop -m fast >&2 || true; fi
  done
  exit 0
fi

# the primary: the first cluster that is no standby (scripts/postgis-up.sh starts it)
primary=""
while read -r ver name port status _; do
  [ "$name" = "$NAME" ] && continue
  case $status in *recovery*) continue ;; esac  # another standby
  primary="$ver $name $port $status"
  break
done < <(pg_lsclusters --no-header 2>/dev/null || true)
if [ -z "$primary" ]; then
  echo "no PostgreSQL cluster to copy: run scripts/postgis-up.sh first" >&2; exit 1
fi
read -r PVER PNAME PPORT PSTATUS <<<"$primary"
if [ "$PSTATUS" != online ]; then
  echo "the primary cluster $PVER/$PNAME is $PSTATUS: run scripts/postgis-up.sh first" >&2; exit 1
fi
if [ "$PPORT" = "$PORT" ]; then
  echo "REPLICA_PORT=$PORT is the primary's port" >&2; exit 1
fi
if [ -z "$(q "$PPORT" -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
  echo "no database $DB on the primary: run POSTGIS_TEST_DB=$DB scripts/postgis-up.sh first" >&2; exit 1
fi

# --- what the primary needs (each step only when missing) ---------------------------------
if [ "$(q "$PPORT" -c "SHOW wal_level")" = minimal ] || [ "$(q "$PPORT" -c "SHOW max_wal_senders")" -lt 2 ]; then
  # both need a restart of the primary, which other programs may be using: say so, change nothing
  echo "the primary $PVER/$PNAME needs wal_level=replica and max_wal_senders>=2 (PostgreSQL's defaults; a restart)" >&2
  exit 1
fi
if [ -z "$(q "$PPORT" -c "SELECT 1 FROM pg_roles WHERE rolname = '$REPL_ROLE'")" ]; then
  q "$PPORT" -c "CREATE ROLE \"$REPL_ROLE\" LOGIN REPLICATION PASSWORD '$REPL_PASS'" >&2
fi
hba=$(q "$PPORT" -c "SHOW hba_file")
has_hba_line() {
  [ -n "$(q "$PPORT" -c "SELECT 1 FROM pg_hba_file_rules WHERE error IS NULL AND type = 'host'
    AND 'replication' = ANY(database) AND user_name && ARRAY['all', '$REPL_ROLE']
    AND address = '127.0.0.1' AND netmask = '255.255.255.255' LIMIT 1")" ]
}
if ! has_hba_line; then
  echo "host    replication     $REPL_ROLE    127.0.0.1/32    scram-sha-256    # scripts/replica-up.sh" | as_root tee -a "$hba" >/dev/null
  as_root pg_ctlcluster "$PVER" "$PNAME" reload >&2
fi
# the tests pause replay as the test role: the grant in the template and in its clones so far
grant="DO \$\$ BEGIN
  IF NOT has_function_privilege('$ROLE', 'pg_catalog.pg_wal_replay_pause()', 'EXECUTE')
     OR NOT has_function_privilege('$ROLE', 'pg_catalog.pg_wal_replay_resume()', 'EXECUTE') THEN
    EXECUTE format('GRANT EXECUTE ON FUNCTION pg_catalog.pg_wal_replay_pause(), pg_catalog.pg_wal_replay_resume() TO %I', '$ROLE');
  END IF;
END \$\$"
for d in $(q "$PPORT" -c "SELECT datname FROM pg_database WHERE datname = '$DB' OR datname LIKE '${DB}\\_%'"); do
  q "$PPORT" -d "$d" -c "$grant" >&2
done

# --- the replica ---------------------------------------------------------------------------
SYSID=$(q "$PPORT" -c "SELECT system_identifier FROM pg_control_system()")

replica_line() { pg_lsclusters --no-header 2>/dev/null | awk -v v="$PVER" -v n="$NAME" '$1 == v && $2 == n'; }

caught_up() {  # caught_up SECONDS: the replica streams and replays up to the primary's position of now
  local target deadline
  target=$(q "$PPORT" -c "SELECT pg_current_wal_lsn()")
  deadline=$((SECONDS + $1))
  while [ "$SECONDS" -le "$deadline" ]; do
    if [ "$(q "$PORT" -c "SELECT coalesce((SELECT status = 'streaming' FROM pg_stat_wal_receiver), false)
                               AND pg_last_wal_replay_lsn() >= '$target'::pg_lsn" 2>/dev/null)" = t ]; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

replica_ok() {
  local line rport rstatus
  line=$(replica_line)
  [ -n "$line" ] || return 1
  read -r _ _ rport rstatus _ <<<"$line"
  [ "$rport" = "$PORT" ] || return 1
  case $rstatus in
    online*) ;;
    *) as_root pg_ctlcluster "$PVER" "$NAME" start >&2 || return 1 ;;
  esac
  [ "$(q "$PORT" -c "SELECT pg_is_in_recovery()" 2>/dev/null)" = t ] || return 1
  [ "$(q "$PORT" -c "SELECT system_identifier FROM pg_control_system()")" = "$SYSID" ] || return 1
  # a test run that died with replay paused (we hold the lock the tests take to pause it)
  if [ "$(q "$PORT" -c "SELECT pg_is_wal_replay_paused()")" = t ]; then
    echo "resuming WAL replay on the replica (left paused)" >&2
    q "$PORT" -c "SELECT pg_wal_replay_resume()" >/dev/null
  fi
  caught_up "$CATCHUP_S"
}

remake() {
  local line datadir
  echo "making the streaming replica $PVER/$NAME on port $PORT (pg_basebackup of $PVER/$PNAME)..." >&2
  if [ -n "$(ss -Hltn "sport = :$PORT" 2>/dev/null)" ] && [ -z "$(replica_line)" ]; then
    echo "port $PORT is taken by another program: set REPLICA_PORT" >&2; exit 1
  fi
  if [ -z "$(replica_line)" ]; then
    as_root pg_createcluster "$PVER" "$NAME" --port "$PORT" >&2
  else
    as_root pg_ctlcluster "$PVER" "$NAME" stop -m fast >&2 2>/dev/null \
      || as_root pg_ctlcluster "$PVER" "$NAME" stop -m immediate >&2 2>/dev/null || true
  fi
  line=$(replica_line)
  datadir=$(awk '{print $6}' <<<"$line")
  case $datadir in
    /var/lib/postgresql/*/"$NAME") ;;
    *) echo "unexpected data directory '$datadir' for $PVER/$NAME: not touching it" >&2; exit 1 ;;
  esac
  # a hot standby needs these at least as large as on its primary; feedback keeps the
  # primary's vacuum from cancelling a supervisor's long export on the replica
  as_root tee "/etc/postgresql/$PVER/$NAME/conf.d/zhangshang-replica.conf" >/dev/null <<EOF
# written by scripts/replica-up.sh
hot_standby = on
hot_standby_feedback = on
max_connections = $(q "$PPORT" -c "SHOW max_connections")
max_worker_processes = $(q "$PPORT" -c "SHOW max_worker_processes")
max_wal_senders = $(q "$PPORT" -c "SHOW max_wal_senders")
max_prepared_transactions = $(q "$PPORT" -c "SHOW max_prepared_transactions")
max_locks_per_transaction = $(q "$PPORT" -c "SHOW max_locks_per_transaction")
EOF
  as_root rm -rf "$datadir"
  as_root install -d -o postgres -g postgres -m 700 "$datadir"
  # -R: standby.signal and primary_conninfo; -X stream: the WAL written meanwhile comes along
  as_postgres env PGPASSWORD="$REPL_PASS" "/usr/lib/postgresql/$PVER/bin/pg_basebackup" -h 127.0.0.1 -p "$PPORT" \
    -U "$REPL_ROLE" -w -D "$datadir" -R -X stream -c fast >&2
  as_root pg_ctlcluster "$PVER" "$NAME" start >&2
  if ! caught_up 300; then
    echo "the replica did not catch up with the primary; its log:" >&2
    as_root tail -n 40 "/var/log/postgresql/postgresql-$PVER-$NAME.log" >&2 || true
    exit 1
  fi
}

if ! replica_ok; then
  remake
fi
echo "postgresql+psycopg://$ROLE:$PASS@127.0.0.1:$PORT/$DB"
