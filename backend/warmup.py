"""A worker's warm-up (预热): what it loads before its first request.

Some of what the officer's requests need is loaded on first use, once a process: the
register's pinyin dictionaries (pypinyin, ~0.4 s, on the first inspection that names a new
subject), the decisions' CJK font for reportlab (~0.2 s, on the first printed PDF), the QR
code's image module, Pillow's plugins (the first photo). Loaded
lazily, each lands on one officer's request in every new worker: after a deploy, after each
recycling (`max_requests`), and on every node of a cluster, where the capacity benchmark saw
them as slow syncs on otherwise idle workers (docs/benchmarks.md, capacity). gunicorn's
`post_worker_init` calls `warm_worker` before the worker accepts a request;
tests/api/test_worker_warmup.py checks that the first request of each kind a phone sends
then imports nothing.

What is per street (a street's grid index) stays lazy: a province has ~1,300 streets, and a
worker loads only those its requests name.
"""
from __future__ import annotations

import gc
import logging
from typing import Callable

from flask import Flask

log = logging.getLogger(__name__)

WARM_URL = "https://example.invalid/verify/warm-up"  # a QR code's content: never shown


def warm_worker(app: Flask | None, *, freeze: bool = True) -> None:
    """Load, in this process and its photo decoder children, what the first requests would
    (nothing when `app` is None: the app failed to load and gunicorn serves its error app);
    then, with `freeze`, move everything the start made out of the garbage collector's reach
    (`gc.freeze()`), the warm-up's objects included: pypinyin's alone are ~194,000, and a
    full collection walking them took ~21 ms.

    A step that fails (no CJK font installed, say) is logged and skipped: the worker still
    starts, and the request that needs it answers with its own error, as without a warm-up."""
    from .catalog.service import pinyin_initials
    from .evidence import decoder
    from .tickets import printing

    cfg = app.config if app is not None else None
    steps: list[tuple[str, Callable[[], object]]] = [] if cfg is None else [
        ("pinyin", lambda: pinyin_initials("预热")),  # pypinyin's dictionaries (the register's initials, 监管对象库)
        ("pdf font", printing.pdf_font),  # the CJK font reportlab embeds in a decision's PDF
        ("qr code", lambda: printing.qr_png(WARM_URL)),  # the QR code's image module
        ("photo decoder", lambda: decoder.prestart(cfg["PHOTO_DECODE_PROCESSES"], cfg["PHOTO_DECODE_NICE"],
                                                   cfg.get("WATERMARK_FONT"))),
    ]
    for name, step in steps:
        try:
            step()
        except Exception:  # noqa: BLE001 — a warm-up never stops a worker from serving
            log.warning("warm-up step %r failed; the first request that needs it will load it", name, exc_info=True)
    if freeze:
        gc.collect()  # garbage first: what is frozen is never collected
        gc.freeze()
