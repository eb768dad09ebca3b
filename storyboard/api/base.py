"""The project's Api, Blueprint and Schema: the envelope, error bodies and list meta, written once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import marshmallow as ma
from flask import g, jsonify, request
from flask_smorest import Api as _Api
from flask_smorest import Blueprint as _Blueprint
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from storyboard import errors
from storyboard.api import headers, json_input
from storyboard.models import iso_z
from storyboard.wire.base import Schema, sometimes

log = logging.getLogger(__name__)

# Statuses whose error body also carries a top-level `detail` (contract 2.2).
DETAIL_STATUSES = {401, 403, 422}


def _meta() -> dict:
    meta = {"timestamp": iso_z(datetime.now(UTC))}
    if getattr(g, "request_id", None):
        meta["requestId"] = g.request_id
    meta.update(getattr(g, "list_meta", None) or {})
    return meta


def set_list_meta(total: int, offset: int, limit: int) -> None:
    """Record list pagination for the envelope's meta (page is 1-based)."""
    g.list_meta = {"page": offset // limit + 1, "total": total, "limit": limit, "offset": offset}


def error_body(status: int, message: str, *, detail=None, data=None) -> dict:
    body = {"data": data, "error": message, "meta": _meta(), "success": False}
    if status in DETAIL_STATUSES:
        body["detail"] = detail if detail is not None else message
    return body


def error_response(status: int, message: str, *, detail=None, data=None, headers=None):
    response = jsonify(error_body(status, message, detail=detail, data=data))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def validation_detail(messages) -> list[dict]:
    """Flatten webargs/marshmallow messages into [{loc, msg, type}] (FastAPI's shape)."""
    out: list[dict] = []

    def walk(node, loc):
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, [*loc, key])
        elif isinstance(node, list) and all(isinstance(m, str) for m in node):
            out.extend({"loc": loc, "msg": m, "type": "value_error"} for m in node)
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, [*loc, i])
        else:
            out.append({"loc": loc, "msg": str(node), "type": "value_error"})

    walk(messages, [])
    return out


def _summary(detail: list[dict]) -> str:
    parts = [f"{'.'.join(str(p) for p in d['loc'][1:] or d['loc'])}: {d['msg']}" for d in detail[:5]]
    return "Validation failed: " + "; ".join(parts) if parts else "Validation failed"


class MetaSchema(Schema):
    timestamp = ma.fields.String(required=True, metadata={"format": "date-time"})
    requestId = ma.fields.String(metadata={"description": "X-Request-ID: the caller's, else one made up"})
    page = ma.fields.Integer(metadata=sometimes("on lists", "1-based"))
    total = ma.fields.Integer(metadata=sometimes("on lists", "Every matching item, not only this page's"))
    limit = ma.fields.Integer(metadata=sometimes("on lists"))
    offset = ma.fields.Integer(metadata=sometimes("on lists"))


# `detail` (contract 2.2): the message again on 401 and 403, where each field failed on 422.
VALIDATION_ISSUE = {
    "type": "object",
    "properties": {
        "loc": {"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"type": "string"},
        "type": {"type": "string"},
    },
    "required": ["loc", "msg", "type"],
}
DETAIL = {"oneOf": [{"type": "string"}, {"type": "array", "items": VALIDATION_ISSUE}]}


class ErrorSchema(Schema):
    data = ma.fields.Raw(
        allow_none=True,
        metadata={"type": "object", "description": "null, or what failed (the job, on a 502 of POST /jobs)"},
    )
    error = ma.fields.String(required=True, metadata={"description": "What went wrong, for people"})
    meta = ma.fields.Nested(MetaSchema, required=True)
    success = ma.fields.Boolean(metadata={"description": "Always false"})
    detail = ma.fields.Raw(metadata={**DETAIL, **sometimes("on 401, 403 and 422")})


_ENVELOPES: dict[tuple, type] = {}
NULL_ON_SUCCESS = {"type": "string", "description": "Always null on success (the message on an error)"}


def envelope_schema(schema):
    """The documented wrapper {data, error, meta} around `schema`, one class per schema."""
    if schema is None or isinstance(schema, dict):
        return schema
    if isinstance(schema, type):
        schema = schema()
    key = (type(schema), bool(schema.many))
    if key not in _ENVELOPES:
        name = "Env" + type(schema).__name__.removesuffix("Schema") + ("List" if schema.many else "")
        _ENVELOPES[key] = type(
            name,
            (Schema,),
            {
                "data": ma.fields.Nested(schema, required=True),
                "error": ma.fields.Constant(None, allow_none=True, metadata=NULL_ON_SUCCESS),
                "meta": ma.fields.Nested(MetaSchema, required=True),
                "success": ma.fields.Boolean(metadata={"description": "Always true"}),
            },
        )
    return _ENVELOPES[key]


class Blueprint(_Blueprint):
    """Every success is wrapped as {data, error: null, meta, success: true}; arguments are parsed by
    json_input.Parser (bounded JSON, no text the databases cannot store)."""

    ARGUMENTS_PARSER = json_input.Parser()

    @staticmethod
    def _prepare_response_content(data):
        return {"data": data, "error": None, "meta": _meta(), "success": True}

    @staticmethod
    def _make_doc_response_schema(schema):
        return envelope_schema(schema)


class Api(_Api):
    """Routes every error through one body builder; bounds request bodies and adds the security headers."""

    ERROR_SCHEMA = ErrorSchema

    def init_app(self, app, *, spec_kwargs=None):
        super().init_app(app, spec_kwargs=spec_kwargs)
        app.before_request(json_input.limit_body)
        app.after_request(headers.secure)

    def _init_spec(self, **kwargs):
        from storyboard.api import openapi

        super()._init_spec(**kwargs)
        openapi.install(self)  # before any schema is documented: ids, errors, input/output schemas

    def _register_swagger_ui_rule(self, blueprint):
        """Swagger UI from the installed swagger-ui files (api/docs.py), never from a CDN."""
        from storyboard.api import docs

        path = self.config.get("OPENAPI_SWAGGER_UI_PATH")
        if path is not None:
            docs.register(blueprint, path, self.spec.title, f"{blueprint.name}.openapi_json")

    def _register_error_handlers(self):
        super()._register_error_handlers()
        self._app.register_error_handler(errors.StoryboardError, self.handle_storyboard_error)
        self._app.register_error_handler(IntegrityError, self.handle_integrity_error)
        self._app.register_error_handler(OperationalError, self.handle_database_error)
        self._app.register_error_handler(DataError, self.handle_data_error)

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        headers = dict(data.get("headers") or {})
        if error.code == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)
        if error.code == 422 and "messages" in data:
            detail = validation_detail(data["messages"])
            return error_response(422, _summary(detail), detail=detail, headers=headers)
        if error.code == 413:
            return error_response(413, "Request body too large", headers=headers)
        if error.code >= 500:
            original = getattr(error, "original_exception", None) or error
            log.error(
                "Unhandled error on %s %s [%s]",
                request.method,
                request.path,
                getattr(g, "request_id", "-"),
                exc_info=original,
            )
            return error_response(500, "Internal server error")
        message = data.get("message") or _http_message(error)
        return error_response(error.code, message, headers=headers)

    def handle_storyboard_error(self, error: errors.StoryboardError):
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return error_response(error.status, error.message, detail=error.detail, data=error.data, headers=headers)

    def handle_integrity_error(self, error: IntegrityError):
        from storyboard.models import db

        db.session.rollback()
        log.warning("Integrity error on %s %s: %s", request.method, request.path, error.orig)
        return error_response(409, "Conflict with the current state of the resource")

    def handle_data_error(self, error: DataError):
        from storyboard.models import db

        db.session.rollback()
        log.warning("Data error on %s %s: %s", request.method, request.path, error.orig)
        return error_response(422, "A value is out of range or of the wrong kind")

    def handle_database_error(self, error: OperationalError):
        from storyboard.models import db

        db.session.rollback()
        log.error("Database error on %s %s", request.method, request.path, exc_info=error)
        return error_response(503 if "locked" not in str(error.orig) else 409, "Database unavailable, try again")


def _http_message(error: HTTPException) -> str:
    return {404: "Not found", 405: "Method not allowed"}.get(error.code, error.name)
