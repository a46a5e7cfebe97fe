"""JSON answers that embed stored JSON text as is (no parse, no re-encode).

Large derived JSON (a patrol's display track is ~100 KB) is stored as text; decoding it
and encoding it again costs more than the whole database read. `RawJSON` marks such
text inside an answer and `dumps` splices it in verbatim.
"""
from __future__ import annotations

import json
import re
import secrets
from datetime import date, datetime
from typing import Any


class RawJSON:
    """Text that is already valid JSON (trusted: it was written by our own `json.dumps`)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def dumps(data: Any) -> str:
    """`json.dumps` with dates as ISO 8601 and `RawJSON` spliced in verbatim."""
    raws: list[str] = []
    nonce = secrets.token_hex(8)  # a stored string cannot pose as a placeholder: it would have to guess this

    def default(obj: Any) -> Any:
        if isinstance(obj, RawJSON):
            raws.append(obj.text)
            return f"\x00{nonce}:{len(raws) - 1}\x00"
        if isinstance(obj, (datetime, date)):
            return obj.isoformat()
        raise TypeError(f"{type(obj).__name__} is not JSON serializable")

    out = json.dumps(data, default=default, ensure_ascii=False, separators=(",", ":"))
    if not raws:
        return out
    return re.sub(rf'"\\u0000{nonce}:(\d+)\\u0000"', lambda m: raws[int(m.group(1))], out)
