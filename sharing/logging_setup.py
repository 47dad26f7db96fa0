"""Logging: plain text or one JSON object per line (LOG_FORMAT=json), each with the request id.

The request id comes from the proxy's X-Request-ID header when it looks like one (letters, digits,
`.`, `_`, `-`, at most 128), else a new one is made; the response echoes it, so a resident's
error report, the nginx log and the app log can be matched.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
#: Attributes every LogRecord has; anything else was passed with `extra=` and goes into the JSON.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}
_HANDLER_NAME = "quartierauto"
request_log = logging.getLogger("sharing.request")


def request_id_from(headers) -> str:
    """The incoming X-Request-ID if it is well-formed, else a fresh one."""
    incoming = headers.get("X-Request-ID", "")
    return incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or '-') on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def configure_logging(app: Flask) -> None:
    """Install one handler on the root logger (replacing an earlier one of ours) and the request log.

    Tests keep Python's logging untouched unless they ask for JSON explicitly.
    """
    fmt = str(app.config.get("LOG_FORMAT", "text")).lower()
    if fmt not in ("text", "json"):
        raise RuntimeError(f"LOG_FORMAT must be 'text' or 'json', not {fmt!r}")
    if app.testing and fmt != "json":
        return
    handler = logging.StreamHandler(app.config.get("LOG_STREAM") or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    if fmt == "json":
        _log_requests(app)


def _log_requests(app: Flask) -> None:
    """One line per request (method, path, status, duration, user): the access log in the same format."""

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response):
        started = g.get("request_started")
        user = g.get("_login_user")  # Flask-Login's cache: no database query just for the log
        user_id = user.get_id() if user is not None and user.is_authenticated else None
        request_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "method": request.method, "path": request.path, "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "user": user_id.split(":")[0] if user_id else None,
            "remote_addr": request.remote_addr,
        })
        return response
