#!/usr/bin/env bash
# Install (if missing) and start a local PostgreSQL + PostGIS for the test-suite.
# Prints the DATABASE URL on the last line. Needs root (CI and our machines are root);
# elsewhere, set TEST_POSTGIS_URL yourself and skip this script.
set -euo pipefail
DB=${POSTGIS_TEST_DB:-zhangshang_test}
ROLE=${POSTGIS_TEST_ROLE:-zhangshang}
PASS=${POSTGIS_TEST_PASSWORD:-zhangshang-test}
PORT=${POSTGIS_TEST_PORT:-5432}
export DEBIAN_FRONTEND=noninteractive

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  echo "installing PostgreSQL + PostGIS..." >&2
  as_root apt-get update -qq >&2
  ver=$(apt-cache search --names-only '^postgresql-[0-9]+-postgis-3$' | sed -E 's/^postgresql-([0-9]+)-postgis-3.*/\1/' | sort -n | tail -1)
  as_root apt-get install -y -qq "postgresql-${ver}-postgis-3" postgresql >&2
fi

# start the first cluster if it is down
cluster=$(pg_lsclusters --no-header | awk 'NR == 1')  # awk reads it all: no SIGPIPE under pipefail
if [ -z "$cluster" ]; then
  ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
  as_root pg_createcluster "$ver" main >&2
  cluster=$(pg_lsclusters --no-header | awk 'NR == 1')
fi
read -r ver name port status _ <<<"$cluster"
if [ "$status" != "online" ]; then
  as_root pg_ctlcluster "$ver" "$name" start >&2
fi
PORT=$port

psql_admin() { as_root su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -qAt $*"; }
if [ -z "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname='$ROLE'\"")" ]; then
  psql_admin "-c \"CREATE ROLE $ROLE LOGIN PASSWORD '$PASS' CREATEDB\"" >&2
fi
if [ -z "$(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname='$DB'\"")" ]; then
  psql_admin "-c \"CREATE DATABASE $DB OWNER $ROLE\"" >&2
fi
psql_admin "-d $DB -c \"CREATE EXTENSION IF NOT EXISTS postgis\"" >&2
# a second database the backup test restores into
if [ -z "$(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname='${DB}_restore'\"")" ]; then
  psql_admin "-c \"CREATE DATABASE ${DB}_restore OWNER $ROLE\"" >&2
fi
psql_admin "-d ${DB}_restore -c \"CREATE EXTENSION IF NOT EXISTS postgis\"" >&2
echo "postgresql+psycopg://$ROLE:$PASS@127.0.0.1:$PORT/$DB"
