"""Stored JSON text spliced into answers verbatim (backend/rawjson.py)."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from backend.rawjson import RawJSON, dumps


def test_raw_text_is_spliced_in_and_dates_are_iso():
    data = {"geometry": {"coordinates": RawJSON("[[1.5,2],[3,4]]")}, "times": RawJSON('["a","b"]'),
            "day": date(2026, 11, 20), "at": datetime(2026, 11, 20, 1, 2, 3, tzinfo=timezone.utc), "name": "巡查"}
    assert json.loads(dumps(data)) == {"geometry": {"coordinates": [[1.5, 2], [3, 4]]}, "times": ["a", "b"],
                                       "day": "2026-11-20", "at": "2026-11-20T01:02:03+00:00", "name": "巡查"}


def test_a_stored_string_cannot_pose_as_a_placeholder():
    spoofs = ["\x000\x00", "\x00" + "0" * 16 + ":0\x00", '\\u00000\\u0000']
    out = dumps({"raw": RawJSON('{"secret":1}'), "names": spoofs})
    assert json.loads(out) == {"raw": {"secret": 1}, "names": spoofs}


def test_other_objects_are_refused():
    with pytest.raises(TypeError):
        dumps({"x": object()})
