#!/usr/bin/env bash
# `make bench-smoke`: every benchmark once at a tiny size, to keep them working (called by
# scripts/test.sh before the test-suite). The figures are meaningless at this size and go to
# a temporary directory, not bench/results/. The real suite is `make bench` (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export SPATIALITE_LIBRARY_PATH=${SPATIALITE_LIBRARY_PATH:-mod_spatialite}
BENCH_RESULTS_DIR=$(mktemp -d)
export BENCH_RESULTS_DIR
trap 'rm -rf "$BENCH_RESULTS_DIR"' EXIT
py=.venv/bin/python
start=$(date +%s)
run() { echo "bench-smoke: $*" >&2; "$py" -m "$@" > "$BENCH_RESULTS_DIR/last.txt" 2>&1 || { cat "$BENCH_RESULTS_DIR/last.txt" >&2; exit 1; }; }
run bench.fix_ingest --devices 2 --fixes 600 --batch 200
run bench.photo_pipeline --photos 2
run bench.sync_inspections --records 40 --batch 20
run bench.supervision_queries --officers 4 --fixes 240
run bench.register_search --subjects 300
run bench.load --users 5 --seconds 5 --spawn-rate 5
run bench.capacity --smoke
if [ -x /usr/bin/chromium ] && [ -f pwa/dist/index.html ]; then
  run bench.pwa_first_load --runs 1
  run bench.lighthouse --runs 1
  run bench.sync_slow_link --records 5 --photos 2
  run bench.register_search_browser --subjects 200 --samples 5
elif [ "${CI:-}" = true ]; then
  echo "bench-smoke: CI needs Chromium and the built PWA" >&2; exit 1
else
  echo "bench-smoke: warning: no Chromium or no built PWA: the browser benchmarks are not smoke-tested" >&2
fi
if [ -n "${TEST_POSTGIS_URL:-}" ]; then  # the production engine too, on the test database (the suite resets it)
  run bench.fix_ingest --devices 2 --fixes 600 --batch 200 --database-url "$TEST_POSTGIS_URL"
  run bench.supervision_queries --officers 4 --fixes 240 --database-url "$TEST_POSTGIS_URL"
  run bench.register_search --subjects 300 --database-url "$TEST_POSTGIS_URL"
  # leave the test database as the suite expects it: no benchmark baseline tables
  "$py" - "$TEST_POSTGIS_URL" <<'PY'
import sys

import sqlalchemy as sa

with sa.create_engine(sys.argv[1]).begin() as conn:
    conn.execute(sa.text("DROP TABLE IF EXISTS bench_fixes, bench_inspections"))
PY
fi
for f in "$BENCH_RESULTS_DIR"/*.json; do  # each wrote its figures
  "$py" -c "import json,sys; d=json.load(open(sys.argv[1])); assert d.get('engine') or d.get('benchmark'), sys.argv[1]" "$f"
done
echo "bench-smoke: $(ls "$BENCH_RESULTS_DIR"/*.json | wc -l) result files in $(( $(date +%s) - start )) s" >&2
