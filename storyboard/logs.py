"""Log lines an operator can follow: each says which request or which background work it belongs to.

Every record gets the fields of its context when it is made (a record factory, so handlers that someone else
configured, gunicorn's or a test's, see them too): during a request `request_id` (the X-Request-ID answered),
`method`, `route` (the URL rule, `/api/v3/jobs/<job_id>`) and `user_id` once the caller is known; during
background work `work` (its kind), the id of what it works on (`job_id`, `asset_id` or `delivery_id`) and
`rq_job_id` under RQ. After each request one access line (logger `storyboard.access`) adds `status`,
`duration_ms` and `path`. LOG_FORMAT=json writes one JSON object a line; the default text format appends the
fields in brackets. Imports nothing of ours: every layer may log through it.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import g, has_request_context, request

access_log = logging.getLogger("storyboard.access")
# The background work this thread is running: set by the RQ worker and the in-process runner around a task.
_work: ContextVar[dict | None] = ContextVar("storyboard_work", default=None)
CONTEXT_FIELDS = (
    "request_id",
    "method",
    "route",
    "user_id",
    "work",
    "job_id",
    "asset_id",
    "delivery_id",
    "rq_job_id",
)
ACCESS_FIELDS = ("status", "duration_ms", "path")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def init_app(app) -> None:
    """Log to stderr in LOG_FORMAT at LOG_LEVEL (unless logging was configured before us), tag every record with
    its context, and write one access line per request."""
    _install_record_factory()
    _install_handler(app.config.get("LOG_FORMAT", "text"), app.config.get("LOG_LEVEL", "INFO"))
    app.before_request(_start_clock)
    app.after_request(_log_access)


def formatter(kind: str) -> logging.Formatter:
    return JsonFormatter() if kind == "json" else TextFormatter(TEXT_FORMAT)


def _install_handler(kind: str, level_name: str) -> None:
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if getattr(handler, "storyboard", False)]
    if root.handlers and not ours:
        return  # gunicorn's logconfig, a test runner's capture: theirs to format
    handler = ours[0] if ours else logging.StreamHandler(sys.stderr)
    handler.storyboard = True
    handler.setFormatter(formatter(kind))
    if not ours:
        root.addHandler(handler)
    root.setLevel(getattr(logging, str(level_name).upper(), logging.INFO))


def _install_record_factory() -> None:
    base = logging.getLogRecordFactory()
    if getattr(base, "storyboard", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = base(*args, **kwargs)
        for name, value in context().items():
            setattr(record, name, value)
        return record

    factory.storyboard = True
    logging.setLogRecordFactory(factory)


def context() -> dict:
    """The fields of the request or background work the calling thread is in (empty outside both)."""
    fields: dict = {}
    if has_request_context():
        rule = request.url_rule
        fields = {
            "request_id": g.get("request_id"),
            "method": request.method,
            "route": rule.rule if rule is not None else None,
            "user_id": _user_id(g.get("principal")),
        }
    work = _work.get()
    if work:
        fields.update(work)
    return {name: value for name, value in fields.items() if value is not None}


def _user_id(user) -> str | None:
    """The user's primary key without loading anything: reading `user.id` after a commit would query."""
    if user is None:
        return None
    from sqlalchemy import inspect

    state = inspect(user, raiseerr=False)
    identity = state.identity if state is not None else None
    return str(identity[0]) if identity else None


@contextmanager
def work_context(**fields) -> Iterator[None]:
    """Tag every line logged inside with `fields` (the work's kind and ids)."""
    token = _work.set({name: value for name, value in fields.items() if value is not None})
    try:
        yield
    finally:
        _work.reset(token)


def _start_clock() -> None:
    g.log_started = time.perf_counter()


def _log_access(response):
    started = g.get("log_started")
    if started is not None and access_log.isEnabledFor(logging.INFO):
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        extra = {"status": response.status_code, "duration_ms": duration_ms, "path": request.path}
        access_log.info(
            "%s %s %s %.1f ms", request.method, request.path, response.status_code, duration_ms, extra=extra
        )
    return response


class TextFormatter(logging.Formatter):
    """The plain format, with the record's context fields appended in brackets."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(f"{name}={getattr(record, name)}" for name in CONTEXT_FIELDS if hasattr(record, name))
        if not fields:
            return line
        head, newline, rest = line.partition("\n")  # a traceback stays below its line
        return f"{head} [{fields}]{newline}{rest}"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the context fields, the access fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in (*CONTEXT_FIELDS, *ACCESS_FIELDS):
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
