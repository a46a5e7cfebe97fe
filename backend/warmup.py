"""A worker's warm-up (预热): what it loads before its first request.

Some of what the officer's requests need is loaded on first use, once a process: the
register's pinyin dictionaries (pypinyin, ~0.4 s, on the first inspection that names a new
subject), the decisions' CJK font for reportlab (~0.2 s, on the first printed PDF), the QR
code's image module, Pillow's plugins and the watermark's font (the first photo). Loaded
lazily, each lands on one officer's request in every new worker: after a deploy, after each
recycling (`max_requests`), and on every node of a cluster, where the capacity benchmark saw
them as the p99 of the fix batches and inspections (docs/benchmarks.md). gunicorn's
`post_worker_init` calls `warm_worker` before the worker accepts a request;
tests/api/test_worker_warmup.py checks that the first request of each kind a phone sends
then imports nothing.

What is per street (a street's grid index) stays lazy: a province has ~1,300 streets, and a
worker loads only those its requests name.
"""
from __future__ import annotations

from flask import Flask

WARM_URL = "https://example.invalid/verify/warm-up"  # a QR code's content: never shown


def warm_worker(app: Flask) -> None:
    """Load, in this process and its photo decoder children, what the first requests would."""
    from .catalog.service import pinyin_initials
    from .evidence import decoder
    from .tickets import printing

    cfg = app.config
    pinyin_initials("预热")  # pypinyin's dictionaries (the register's initials, 监管对象库)
    printing.pdf_font()  # the CJK font reportlab embeds in a decision's PDF
    printing.qr_png(WARM_URL)  # the QR code's image module
    decoder.prestart(cfg["PHOTO_DECODE_PROCESSES"], cfg["PHOTO_DECODE_NICE"], cfg.get("WATERMARK_FONT"))
