"""Binary responses for blobs: GET/HEAD, single Range (206/416), ETag/304, safe headers, chunked streaming."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from flask import Response, request, stream_with_context
from werkzeug.http import http_date

INLINE_PREFIXES = ("image/", "video/", "audio/")
SAFE_INLINE = {"application/pdf"}
# Types a browser could run as script from our origin; never served as themselves.
SCRIPTABLE = ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml")


@dataclass(frozen=True)
class BlobView:
    """What the HTTP layer needs to serve one blob; `chunks(start, end)` yields the inclusive byte range."""

    sha256: str
    size: int
    content_type: str
    filename: str
    modified: datetime | None
    chunks: Callable[[int, int], Iterator[bytes]]


def safe_filename(name: str, extension: str | None = None, limit: int = 100) -> str:
    """A file name with no control characters, quotes or path separators (never empty)."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.sub(r"[\x00-\x1f\x7f\"\\/;]", "", text).strip().strip(".") or "file"
    text = text[:limit]
    if extension and not text.lower().endswith("." + extension):
        text = f"{text}.{extension}"
    return text


def content_disposition(filename: str, inline: bool) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "file"
    ascii_name = ascii_name.replace("%", "")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _served_type(content_type: str) -> tuple[str, bool]:
    ctype = (content_type or "application/octet-stream").lower()
    if ctype.startswith(SCRIPTABLE):
        return "application/octet-stream", False
    return ctype, ctype.startswith(INLINE_PREFIXES) or ctype in SAFE_INLINE


def _headers(view: BlobView) -> dict[str, str]:
    ctype, inline = _served_type(view.content_type)
    headers = {
        "Content-Type": ctype,
        "Accept-Ranges": "bytes",
        "ETag": f'"{view.sha256}"',
        "Cache-Control": "private, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'; media-src 'self'",
        "Cross-Origin-Resource-Policy": "same-site",
        "Referrer-Policy": "no-referrer",
        "Content-Disposition": content_disposition(view.filename, inline),
    }
    if view.modified:
        headers["Last-Modified"] = http_date(view.modified)
    return headers


def _single_range(size: int):
    """(start, end) for a satisfiable single range, 'unsatisfiable', or None to send it all."""
    ranges = request.range
    if ranges is None or ranges.units != "bytes" or len(ranges.ranges) != 1:
        return None
    bounds = ranges.range_for_length(size)
    return bounds if bounds is not None else "unsatisfiable"


def blob_response(view: BlobView) -> Response:
    """Serve `view` honouring If-None-Match, Range and HEAD; the body streams in chunks."""
    headers = _headers(view)
    if request.if_none_match.contains(view.sha256):
        return Response(status=304, headers=headers)
    wanted = _single_range(view.size) if request.if_range.etag in (None, view.sha256) else None
    if wanted == "unsatisfiable":
        return Response(status=416, headers={**headers, "Content-Range": f"bytes */{view.size}"})
    start, stop = wanted if wanted else (0, view.size)
    headers["Content-Length"] = str(stop - start)
    status = 206 if wanted else 200
    if wanted:
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{view.size}"
    if request.method == "HEAD" or stop == start:
        return Response(status=status, headers=headers)
    body = stream_with_context(view.chunks(start, stop - 1))
    return Response(body, status=status, headers=headers, direct_passthrough=True)


def serve_blob(blob, filename: str, modified: datetime | None, read_range: Callable) -> Response:
    """`blob_response` for a stored blob row; `read_range(blob, start, end)` yields its bytes."""
    chunks = lambda start, end: read_range(blob, start, end)  # noqa: E731
    return blob_response(BlobView(blob.sha256, blob.size_bytes, blob.content_type, filename, modified, chunks))


BINARY = {"type": "string", "format": "binary"}


def binary_doc(content_type: str, description: str) -> dict:
    """The OpenAPI doc of a binary route (`@blp.doc(**binary_doc(...))`): 200/206 bytes of `content_type`,
    304 and 416 without a body. Binary routes return a Response, so no response schema applies."""
    content = {content_type: {"schema": BINARY}}
    return {
        "responses": {
            "200": {"description": description, "content": content},
            "206": {"description": "Partial content (a single Range)", "content": content},
            "304": {"description": "Not modified"},
            "416": {"description": "Range not satisfiable"},
        }
    }
