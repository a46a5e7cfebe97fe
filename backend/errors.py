"""One error type, one JSON shape: `{code, message: {zh-CN, en}, details}`.

Views and services raise `ApiError` (or a subclass) with a stable machine code; the
handlers below turn it, any `HTTPException` and anything unexpected into that shape.
An unexpected exception is logged and answered as a generic 500 without internals.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from marshmallow import Schema, fields
import errno

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A refusal the client can act on."""

    status = 400

    def __init__(
        self,
        code: str,
        message_zh: str,
        message_en: str,
        status: int | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        if status is not None:
            self.status = status
        self.details = details or {}
        self.headers = headers or {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": {"zh-CN": self.message_zh, "en": self.message_en},
            "details": self.details,
        }


def invalid(code: str, message_zh: str, message_en: str, status: int = 422, **details: Any) -> ApiError:
    """A refusal of the submitted content (422 unless said otherwise), details as keywords."""
    return ApiError(code, message_zh, message_en, status=status, details=details)


class NotFound(ApiError):
    status = 404


class Forbidden(ApiError):
    status = 403


class Unauthorized(ApiError):
    status = 401


class Conflict(ApiError):
    status = 409


class MessageSchema(Schema):
    zh_CN = fields.String(data_key="zh-CN", required=True)
    en = fields.String(required=True)


class ErrorSchema(Schema):
    """The one error body of the whole API."""

    code = fields.String(required=True, metadata={"example": "validation_error"})
    message = fields.Nested(MessageSchema, required=True)
    details = fields.Dict(required=True)


# Default messages for HTTP errors raised by Flask/Werkzeug/webargs themselves.
_HTTP_DEFAULTS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求格式不正确", "The request is malformed"),
    401: ("unauthorized", "需要登录", "Authentication required"),
    403: ("forbidden", "无权执行此操作", "You are not allowed to do this"),
    404: ("not_found", "资源不存在", "Not found"),
    405: ("method_not_allowed", "不支持该请求方法", "Method not allowed"),
    406: ("not_acceptable", "无法提供所需格式", "Not acceptable"),
    409: ("conflict", "与现有数据冲突", "Conflicts with existing data"),
    412: ("precondition_failed", "前置条件不满足", "Precondition failed"),
    413: ("payload_too_large", "请求内容过大", "Request body too large"),
    415: ("unsupported_media_type", "不支持的内容类型", "Unsupported media type"),
    422: ("validation_error", "提交的数据有误，请按提示修改", "The submitted data is invalid"),
    428: ("precondition_required", "缺少前置条件", "Precondition required"),
    429: ("rate_limited", "请求过于频繁，请稍后再试", "Too many requests, try again later"),
    500: ("internal_error", "服务器内部错误", "Internal server error"),
    507: ("storage.full", "服务器存储空间已满", "The server's storage is full"),
    503: ("unavailable", "服务暂不可用", "Service unavailable"),
}


def http_error(status: int, details: dict[str, Any] | None = None) -> ApiError:
    code, zh, en = _HTTP_DEFAULTS.get(status, ("http_error", "请求失败", "Request failed"))
    return ApiError(code, zh, en, status=status, details=details)


def _response(err: ApiError) -> Response:
    resp = jsonify(err.to_dict())
    resp.status_code = err.status
    for key, value in err.headers.items():
        resp.headers[key] = value
    return resp


def from_http_exception(exc: HTTPException) -> ApiError:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if status == 422 and messages:
        # webargs/marshmallow: {"json": {"field": ["msg"]}} -> details.fields
        fields_errors: dict[str, Any] = {}
        for location, errs in messages.items():
            if isinstance(errs, dict):
                fields_errors.update(errs)
            else:
                fields_errors[location] = errs
        return http_error(422, {"fields": fields_errors})
    if status == 400 and messages:
        # webargs reports a body that is not JSON as 400 with a message per location
        return ApiError(
            "malformed_json",
            "请求体不是有效的 JSON",
            "The request body is not valid JSON",
            status=400,
        )
    err = http_error(status)
    valid_methods = getattr(exc, "valid_methods", None)
    if status == 405 and valid_methods:
        err.headers["Allow"] = ", ".join(valid_methods)
    if status == 429:
        err.details = {"limit": str(getattr(exc, "description", ""))}
    return err


def handle_api_error(err: ApiError) -> Response:
    return _response(err)


def handle_http_exception(exc: HTTPException) -> Response | HTTPException:
    if exc.code is not None and exc.code < 400:  # redirects etc. pass through
        return exc
    resp = _response(from_http_exception(exc))
    if exc.code == 429:
        # Keep Flask-Limiter's Retry-After / X-RateLimit-* headers.
        original = exc.get_response()
        for key, value in original.headers.items():
            if key.lower().startswith(("retry-after", "x-ratelimit")):
                resp.headers[key] = value
    return resp


def handle_integrity_error(exc: IntegrityError) -> Response:
    from .extensions import db

    db.session.rollback()
    log.warning("integrity error on %s %s: %s", request.method, request.path, exc.orig)
    return _response(http_error(409))


def handle_database_unavailable(exc: DBAPIError) -> Response:
    """The database is locked past its busy timeout, restarting or unreachable: nothing
    was committed, so the client may safely retry the same request later."""
    from .extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the pool replaces it
        db.session.remove()
    log.warning("database unavailable on %s %s: %s", request.method, request.path, exc.orig)
    # SQLite: "database is locked"; PostgreSQL: lock_timeout (55P03) or a deadlock (40P01)
    if getattr(exc.orig, "sqlstate", None) in ("55P03", "40P01") or "locked" in str(exc.orig).lower():
        err = ApiError("db.busy", "服务器繁忙，请稍后重试（数据未丢失）", "The database is busy; retry shortly (nothing was lost)",
                       status=503, headers={"Retry-After": "2"})
    else:
        err = ApiError("db.unavailable", "数据库暂不可用，请稍后重试（数据未丢失）",
                       "The database is unavailable; retry later (nothing was lost)", status=503, headers={"Retry-After": "10"})
    return _response(err)


def handle_os_error(exc: OSError) -> Response:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        log.error("storage full on %s %s: %s", request.method, request.path, exc)
        return _response(ApiError("storage.full", "服务器存储空间已满，请稍后重试并通知管理员",
                                  "The server's storage is full; retry later and tell the administrator",
                                  status=507, headers={"Retry-After": "60"}))
    return handle_unexpected(exc)


def handle_media_store_unavailable(exc: Exception) -> Response:
    """The S3 object store did not answer (down, unreachable, or answering 5xx/SlowDown):
    nothing was stored, so the phone keeps the file and its record and retries. Raised by
    botocore from deep inside the evidence service; a 500 here made the outbox treat the
    file as broken."""
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if status < 500 and code not in ("SlowDown", "ServiceUnavailable", "RequestTimeout"):
            return handle_unexpected(exc)  # a 4xx from the store is our bug (a bad key, no bucket), not an outage
    from .extensions import db

    db.session.rollback()
    log.error("media store unavailable on %s %s: %s", request.method, request.path, exc)
    return _response(ApiError("media.store_unavailable", "证据存储服务暂不可用，请稍后重试（手机上的文件未丢失）",
                              "The evidence store is unavailable; retry later (the files on the phone are kept)",
                              status=503, headers={"Retry-After": "30"}))


def handle_out_of_range(exc: Exception) -> Response:
    """A number too large for the database (an id of 40 digits in a query the schema let
    through): the client's input, never a 500. Schemas bound the fields they know; this is
    the net under them."""
    from .extensions import db

    db.session.rollback()
    log.warning("out-of-range input on %s %s: %s", request.method, request.path, exc)
    return _response(ApiError("request.out_of_range", "数值超出允许范围", "A number in the request is out of range", status=422))


def handle_too_deep(exc: RecursionError) -> Response:
    """A body nested deeper than the JSON parser's recursion guard (about 1,000 levels;
    5,000 brackets once answered 500, on the unauthenticated login too). The guard costs
    nothing on a usual body, where counting brackets first would cost as much as parsing."""
    log.warning("too deeply nested input on %s %s", request.method, request.path)
    return _response(ApiError("request.too_deep", "请求内容嵌套层数过多", "The request body is nested too deep", status=400))


def handle_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _response(http_error(500))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(OSError, handle_os_error)
    app.register_error_handler(OverflowError, handle_out_of_range)
    app.register_error_handler(RecursionError, handle_too_deep)
    app.register_error_handler(DataError, handle_out_of_range)
    try:  # only where the S3 media store can be used at all
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        pass
    else:
        app.register_error_handler(BotoCoreError, handle_media_store_unavailable)
        app.register_error_handler(ClientError, handle_media_store_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
