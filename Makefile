# 掌上执法 — the two commands: `make run` and `make test`.
.PHONY: run test fuzz bench bench-smoke clean-db cluster cluster-down
# a Node.js that scripts/bootstrap.sh installed in the virtualenv (the machine's was missing or
# too old for the PWA build) comes first, for the build, the tests and benchmarks that run node
export PATH := $(CURDIR)/.venv/node-bin:$(PATH)

run:  ## set up everything, load demo data, serve on http://127.0.0.1:5000 and https://<LAN>:5443
	@bash scripts/run.sh

test:  ## set up everything and run every test on SpatiaLite and PostGIS
	@bash scripts/test.sh $(ARGS)

fuzz:  ## a long schemathesis campaign (FUZZ_EXAMPLES per operation and role; the suite runs 3)
	@bash scripts/bootstrap.sh test
	TEST_POSTGIS_URL=$$(bash scripts/postgis-up.sh | tail -1) FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} \
	  SPATIALITE_LIBRARY_PATH=mod_spatialite .venv/bin/pytest -q -p no:cacheprovider tests/api/test_fuzz_openapi.py

bench:  ## run the benchmarks on SpatiaLite (and PostGIS if BENCH_POSTGIS_URL is set); see docs/benchmarks.md
	@bash scripts/bootstrap.sh test
	SPATIALITE_LIBRARY_PATH=mod_spatialite .venv/bin/python -m bench.fix_ingest
	SPATIALITE_LIBRARY_PATH=mod_spatialite .venv/bin/python -m bench.photo_pipeline
	SPATIALITE_LIBRARY_PATH=mod_spatialite .venv/bin/python -m bench.sync_inspections
	SPATIALITE_LIBRARY_PATH=mod_spatialite .venv/bin/python -m bench.supervision_queries --officers $${BENCH_OFFICERS:-100}
	SPATIALITE_LIBRARY_PATH=mod_spatialite .venv/bin/python -m bench.pwa_first_load
	SPATIALITE_LIBRARY_PATH=mod_spatialite .venv/bin/python -m bench.sync_slow_link
	SPATIALITE_LIBRARY_PATH=mod_spatialite .venv/bin/python -m bench.load --users $${BENCH_USERS:-200}
	@if [ -n "$$BENCH_POSTGIS_URL" ]; then \
	  SPATIALITE_LIBRARY_PATH=mod_spatialite .venv/bin/python -m bench.fix_ingest --database-url "$$BENCH_POSTGIS_URL"; \
	  SPATIALITE_LIBRARY_PATH=mod_spatialite .venv/bin/python -m bench.photo_pipeline --database-url "$$BENCH_POSTGIS_URL"; \
	  SPATIALITE_LIBRARY_PATH=mod_spatialite .venv/bin/python -m bench.sync_inspections --database-url "$$BENCH_POSTGIS_URL"; \
	  SPATIALITE_LIBRARY_PATH=mod_spatialite .venv/bin/python -m bench.supervision_queries --officers $${BENCH_OFFICERS:-100} \
	    --database-url "$$BENCH_POSTGIS_URL"; \
	  SPATIALITE_LIBRARY_PATH=mod_spatialite .venv/bin/python -m bench.load --users $${BENCH_USERS:-200} \
	    --database-url "$$BENCH_POSTGIS_URL"; fi

bench-smoke:  ## every benchmark once at a tiny size (part of `make test`)
	@bash scripts/bootstrap.sh test
	@bash scripts/bench-smoke.sh

cluster:  ## the production topology on loopback: PostGIS + replica, SeaweedFS, Redis, two gunicorn nodes, nginx
	@bash scripts/cluster-up.sh

cluster-down:  ## stop what `make cluster` started and drop its database (nothing else)
	@bash scripts/cluster-down.sh

clean-db:  ## delete the embedded demo database (instance/zhangshang.db)
	rm -f instance/zhangshang.db instance/zhangshang.db-wal instance/zhangshang.db-shm
