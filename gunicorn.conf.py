"""Production gunicorn settings (the Dockerfile and the load benchmark use this file).

Every value can be overridden from the environment; see docs/deploy.md.
"""
import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
# gthread: sync request handling plus threads; photo uploads over slow phones hold a
# thread, not a whole worker process.
worker_class = "gthread"
# At least 8 processes, even on a 2-core box: a photo's last chunk holds one of a worker's two
# threads for ~100 ms while the worker's decoder child works, and the worker keeps accepting
# connections meanwhile — a small request that lands there waits. Spread over 8 workers they
# rarely do. At a phone's pace the 2-core box served a median of 2,340 officers in five runs
# with 8 workers (1,800–3,430) and 1,800 in five with 5 (1,800–2,640; docs/benchmarks.md,
# capacity). Each worker is ~230 MB and its decoder child ~90 MB: size memory for it, or set
# WEB_CONCURRENCY.
workers = int(os.environ.get("WEB_CONCURRENCY", max(8, multiprocessing.cpu_count() * 2 + 1)))
# Two threads a worker, not four: the threads of one worker share one interpreter lock, and
# at a district's load two requests meeting in one worker doubled each other's time. With 2
# the single box served 2,030 officers at a phone's pace on 2 cores (4: 1,800; docs/benchmarks.md,
# capacity). Slow clients belong behind nginx, which buffers bodies (docs/deploy.md).
threads = int(os.environ.get("GUNICORN_THREADS", 2))
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


# Move what the worker's start made (the app, its modules, schemas and mappers: ~200,000
# objects) out of the garbage collector's reach: a full collection walked them all, ~90 ms
# (up to 170) during which both of the worker's threads stood still — once every ~600
# requests per worker, the slowest answers of the capacity benchmark. After the freeze a full
# collection takes ~1 ms (docs/benchmarks.md, capacity). 0 turns it off.
gc_freeze = os.environ.get("GUNICORN_GC_FREEZE", "1") != "0"


def post_worker_init(worker):
    """Warm the worker before its first request, then freeze what its start made
    (backend/warmup.py: the register's pinyin, the PDF font, the photo decoder child and its
    first photo; `gc_freeze`)."""
    from backend.warmup import warm_worker

    loaded = getattr(worker.wsgi, "config", None) is not None  # no config: the app failed to load (gunicorn's error app)
    warm_worker(worker.wsgi if loaded else None, freeze=gc_freeze)
