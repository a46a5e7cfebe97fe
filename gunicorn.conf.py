"""Production gunicorn settings (the Dockerfile and the load benchmark use this file).

Every value can be overridden from the environment; see docs/deploy.md.
"""
import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
# gthread: sync request handling plus threads; photo uploads over slow phones hold a
# thread, not a whole worker process.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# Recycle a worker now and then to bound slow leaks, but rarely: a worker's start imports the
# app (~2 s of CPU) and its decoder child (backend/evidence/decoder.py). At 2,000 requests a
# district's 100 req/s restarted a worker every 20 s, a tenth of a core and the slowest
# answers of the capacity benchmark; 50,000 is about once in 40 minutes at that load.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 50000))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
