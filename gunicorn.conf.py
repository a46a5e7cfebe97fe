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
max_requests = 2000  # recycle workers now and then: bounds slow leaks
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
