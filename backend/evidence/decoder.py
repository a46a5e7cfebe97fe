"""Photo decoding in a child process at a lower CPU priority (解码子进程).

Why: a 12-megapixel photo's decode, watermark and two encodes cost ~95 ms of CPU. In the
web worker that work competes as an equal with the small requests every phone makes each
minute (a fix batch, the change feed) and queues them: on a 2-core box it set the p99 of
those small requests (docs/benchmarks.md, capacity). In a child with a higher nice value
the kernel runs the small requests first and the photo in the time left over; the photo's
own answer waits a little longer, which nobody on a phone notices. And a decoder fault on
a hostile file (Pillow and libjpeg are the attack surface of an upload) ends the child, not
the web worker.

`PHOTO_DECODE_PROCESSES` children per web worker (0: decode in the request's thread),
started on first use, each at `PHOTO_DECODE_NICE`. Both paths run the same function,
`imaging.decode_photo`.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, TypeVar

from . import imaging

T = TypeVar("T")

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_key: tuple[int, int, int] | None = None  # (pid, processes, nice): a forked worker makes its own


class DecoderUnavailable(Exception):
    """The child ended while decoding (killed, out of memory, a decoder fault)."""


def _child_init(nice: int) -> None:
    """Lower this process's priority and die with the web worker that started it."""
    if nice > 0:
        os.nice(nice)
    try:  # Linux: PR_SET_PDEATHSIG, so a SIGKILLed web worker leaves no decoder behind
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _executor(processes: int, nice: int) -> ProcessPoolExecutor:
    global _pool, _pool_key
    key = (os.getpid(), processes, nice)
    with _lock:
        if _pool is None or _pool_key != key:
            old = _pool if _pool_key is not None and _pool_key[0] == os.getpid() else None
            # spawn, not fork: the web worker has threads (and a database pool) a fork would copy mid-use
            _pool = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_child_init, initargs=(nice,), max_tasks_per_child=1000)
            _pool_key = key
            if old is not None:
                old.shutdown(wait=False, cancel_futures=True)
        return _pool


def prestart(processes: int, nice: int, font_path: str | None = None) -> None:
    """Start this worker's decoder children now and have each render a small photo, without
    waiting (gunicorn's post_worker_init, through `backend.warmup`). A spawned child imports
    the product's modules as it starts (~0.4 s) and Pillow's plugins and the watermark's font
    on its first photo: both then happen here, not under the first photo a phone sends, and
    a burst of worker starts does not land on the first photos. With no children (0) the
    request's own thread decodes, so this process is warmed instead."""
    if processes > 0:
        _executor(processes, nice).submit(imaging.warm, font_path)
    else:
        imaging.warm(font_path)


def loaded_modules() -> list[str]:
    """The modules this process has imported (tests: what a warmed decoder child holds)."""
    return sorted(sys.modules)


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool, _pool_key
    with _lock:
        if _pool is pool:
            _pool, _pool_key = None, None
    pool.shutdown(wait=False, cancel_futures=True)


def run(fn: Callable[..., T], *args: Any, processes: int, nice: int, timeout: float | None = None) -> T:
    """`fn(*args)` in a decoder child (or here when `processes` is 0). Exceptions `fn` raises
    come back as they were; a child that died raises `DecoderUnavailable` and the next call
    starts a new one."""
    if processes <= 0:
        return fn(*args)
    pool = _executor(processes, nice)
    try:
        return pool.submit(fn, *args).result(timeout=timeout)
    except BrokenProcessPool:
        _discard(pool)
        raise DecoderUnavailable() from None


def shutdown() -> None:
    """Stop this process's decoder children (tests; a worker's exit does it by itself)."""
    global _pool, _pool_key
    with _lock:
        pool, _pool, _pool_key = _pool, None, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def child_pids() -> list[int]:
    """The decoder children of this process (tests kill one to check recovery)."""
    pool = _pool
    if pool is None or _pool_key is None or _pool_key[0] != os.getpid():
        return []
    return [p.pid for p in (getattr(pool, "_processes", None) or {}).values()]
