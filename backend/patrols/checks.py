"""Checks the patrol and inspection services share: the sender's street, times not in the
future, content digests."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from typing import Any



from ..auth.models import Officer
from ..errors import invalid as _invalid
from ..models_base import utcnow

MAX_CLOCK_AHEAD = timedelta(days=1)
MAX_RECTIFY_DAYS = 180
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_PHOTOS = 30


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def _require_jurisdiction(officer: Officer) -> int:
    if officer.jurisdiction_id is None:
        raise _invalid("patrol.no_jurisdiction", "未归属乡镇（街道）的账号不能记录巡查", "Only officers of a jurisdiction record patrols")
    return officer.jurisdiction_id


def _not_future(value: datetime, field: str) -> None:
    if value > utcnow() + MAX_CLOCK_AHEAD:
        raise _invalid("time.in_future", "时间晚于当前时间，请检查手机时钟", "Time is in the future: check the phone clock", field=field)
