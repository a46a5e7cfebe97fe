"""Tables uploaded as CSV (a bank's payments, 12345 and department referrals): one reader for
their size limit, encoding (UTF-8 or the GBK/GB18030 that Chinese office software writes)
and header aliases; each feature keeps its own columns and refusals."""
from __future__ import annotations

import csv
import io
from typing import Mapping

from .errors import invalid

MAX_BYTES = 5 * 1024 * 1024


def read_table(raw: bytes, columns: Mapping[str, tuple[str, ...]], *, empty: str,
               encoding: str) -> tuple[list[str], dict[str, int | None], list[list[str]]]:
    """(header, the index of each named column or None, the data rows); `empty` and
    `encoding` are the caller's refusal codes (no file or too big; unreadable)."""
    if not raw or len(raw) > MAX_BYTES:
        raise invalid(empty, "请上传 CSV 文件（不超过 5 MB）", "Send the CSV (at most 5 MB)", field="body")
    for charset in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(charset)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise invalid(encoding, "文件编码无法识别（请用 UTF-8 或 GBK）", "Unreadable encoding (use UTF-8 or GBK)", field="body")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise invalid(empty, "文件为空", "The file is empty", field="body")
    header = [h.strip() for h in rows[0]]
    lowered = [h.lower() for h in header]
    cols = {k: next((lowered.index(n.lower()) for n in names if n.lower() in lowered), None) for k, names in columns.items()}
    return header, cols, rows[1:]
