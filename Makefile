# 掌上执法 — the two commands: `make run` and `make test`.
.PHONY: run test bench clean-db

run:  ## set up everything, load demo data, serve on http://127.0.0.1:5000 and https://<LAN>:5443
	@bash scripts/run.sh

test:  ## set up everything and run every test on SpatiaLite and PostGIS
	@bash scripts/test.sh $(ARGS)

clean-db:  ## delete the embedded demo database (instance/zhangshang.db)
	rm -f instance/zhangshang.db instance/zhangshang.db-wal instance/zhangshang.db-shm
