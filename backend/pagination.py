"""Keyset (cursor) paging with one envelope for every collection: `{items, next}`.

The cursor is opaque to clients (URL-safe base64 of the last key); it stays correct
while rows are inserted, unlike offsets.
"""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select

from .errors import ApiError
from .extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageArgsSchema(Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """An `{items: [...], next}` schema for the OpenAPI document."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next": fields.String(allow_none=True, required=True, metadata={"description": "cursor of the next page, null at the end"}),
        },
        name=name,
    )


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ApiError("bad_cursor", "分页游标无效", "Invalid paging cursor", status=400) from exc


def paginate(query: Select, key_column: Any, limit: int, cursor: str | None) -> dict[str, Any]:
    """Page `query` ordered by a unique integer `key_column`."""
    if cursor:
        last = decode_cursor(cursor)
        if not isinstance(last, int) or isinstance(last, bool):
            raise ApiError("bad_cursor", "分页游标无效", "Invalid paging cursor", status=400)
        query = query.where(key_column > last)
    rows = list(db.session.scalars(query.order_by(key_column).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(getattr(rows[-1], key_column.key))
    return {"items": rows, "next": next_cursor}


def _encode_value(value: Any) -> Any:
    from datetime import datetime

    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    from datetime import datetime

    if isinstance(value, dict) and set(value) == {"dt"} and isinstance(value["dt"], str):
        try:
            at = datetime.fromisoformat(value["dt"])
        except ValueError as exc:
            raise ApiError("bad_cursor", "分页游标无效", "Invalid paging cursor", status=400) from exc
        if at.tzinfo is None:  # every key time is stored in UTC; a cursor we made names its offset
            raise ApiError("bad_cursor", "分页游标无效", "Invalid paging cursor", status=400)
        return at
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return value
    raise ApiError("bad_cursor", "分页游标无效", "Invalid paging cursor", status=400)


def key_after(cursor: str | None, width: int) -> list[Any] | None:
    """The composite key a `paginate_desc` cursor names (None for the first page)."""
    if not cursor:
        return None
    last = decode_cursor(cursor)
    if not isinstance(last, list) or len(last) != width:
        raise ApiError("bad_cursor", "分页游标无效", "Invalid paging cursor", status=400)
    return [_decode_value(v) for v in last]


def key_cursor(values: list[Any]) -> str:
    """The cursor of the page after a row with this composite key."""
    return encode_cursor([_encode_value(v) for v in values])


def paginate_desc(query: Select, columns: list[Any], limit: int, cursor: str | None) -> dict[str, Any]:
    """Page newest first by a composite key, e.g. (started_at, id): `(a, b) < (x, y)`.

    Row-value comparison works on SQLite ≥ 3.15 and PostgreSQL alike. Items are the
    query's entities.
    """
    from sqlalchemy import tuple_

    last = key_after(cursor, len(columns))
    if last is not None:
        query = query.where(tuple_(*columns) < tuple_(*last))
    query = query.order_by(*[c.desc() for c in columns]).limit(limit + 1)
    items = list(db.session.scalars(query))
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = key_cursor([getattr(items[-1], c.key) for c in columns])
    return {"items": items, "next": next_cursor}
