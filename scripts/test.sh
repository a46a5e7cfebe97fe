#!/usr/bin/env bash
# `make test`: set up and run every test, on SQLite + SpatiaLite and on PostgreSQL + PostGIS.
# TEST_POSTGIS_URL may point at an existing PostGIS database (and TEST_REPLICA_URL at its streaming
# replica); otherwise a local cluster and its replica are installed and started (needs root or
# passwordless sudo). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
export SPATIALITE_LIBRARY_PATH=${SPATIALITE_LIBRARY_PATH:-mod_spatialite}

if [ -z "${TEST_POSTGIS_URL:-}" ]; then
  if [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then
    TEST_POSTGIS_URL=$(scripts/postgis-up.sh | tail -1)
    # and its streaming replica, for the supervisors' replica reads (tests/replica_server.py):
    # a pg_basebackup of that cluster (a preset TEST_POSTGIS_URL brings its own TEST_REPLICA_URL, or none)
    if [ -z "${TEST_REPLICA_URL:-}" ]; then
      TEST_REPLICA_URL=$(scripts/replica-up.sh | tail -1)
    fi
  elif [ "${CI:-}" = true ]; then
    echo "CI needs PostGIS: run as root or set TEST_POSTGIS_URL" >&2; exit 1
  else
    echo "warning: no root/sudo and no TEST_POSTGIS_URL: testing SQLite + SpatiaLite only" >&2
  fi
fi
export TEST_POSTGIS_URL
export TEST_REPLICA_URL=${TEST_REPLICA_URL:-}
# a private Redis for the shared rate-limit tests (tests/redis_server.py; skipped without one)
if [ -z "${TEST_REDIS_URL:-}" ] && { [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then
  TEST_REDIS_URL=$(scripts/redis-up.sh | tail -1)
fi
export TEST_REDIS_URL=${TEST_REDIS_URL:-}
# a private SeaweedFS for the S3 media-store tests (tests/s3_server.py; needs no root: weed comes from .venv)
if [ -z "${TEST_S3_URL:-}" ]; then
  TEST_S3_URL=$(scripts/seaweedfs-up.sh | tail -1)
fi
export TEST_S3_URL
# undefined names, unused imports and syntax errors fail fast, before the long suite
.venv/bin/ruff check --select F,E9 backend geo bench tests wsgi.py
# every benchmark once at a tiny size, so that `make bench` keeps working (~2 min)
[ "${BENCH_SMOKE:-1}" = 0 ] || scripts/bench-smoke.sh
# two workers (the machines have two cores): the browser journeys run on one of them, one
# after another, beside the API tests (tests/browser/conftest.py); TEST_WORKERS=0 runs serially
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadgroup "$@"
