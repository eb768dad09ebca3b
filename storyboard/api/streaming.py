"""Binary responses for blobs: GET/HEAD, single Range (206/416), ETag/304, safe headers, chunked streaming."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from flask import Response, request, stream_with_context
from werkzeug.http import http_date

INLINE_PREFIXES = ("image/", "video/", "audio/")
SAFE_INLINE = {"application/pdf"}
# Read size when a file is not sent with sendfile (the server has none, or the test client).
FILE_BUFFER = 1024 * 1024
# Types a browser could run as script from our origin; never served as themselves.
SCRIPTABLE = ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml")


@dataclass(frozen=True)
class BlobView:
    """What the HTTP layer needs to serve one blob (its bytes come separately, as a Readout)."""

    sha256: str
    size: int
    content_type: str
    filename: str
    modified: datetime | None


def safe_filename(name: str, extension: str | None = None, limit: int = 100) -> str:
    """A file name with no control characters, quotes or path separators (never empty)."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.sub(r"[\x00-\x1f\x7f\"\\/;]", "", text).strip().strip(".") or "file"
    text = text[:limit]
    if extension and not text.lower().endswith("." + extension):
        text = f"{text}.{extension}"
    return text


def content_disposition(filename: str, inline: bool) -> str:
    """`filename` for every client: an ASCII `filename` (accents dropped, other letters left out) and the
    exact name as RFC 5987 `filename*`; quotes, backslashes and control characters never reach the header."""
    clean = re.sub(r"[\x00-\x1f\x7f\"\\]", "", unicodedata.normalize("NFC", filename))
    ascii_name = _ascii(clean) or "file"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(clean or 'file', safe='')}"


def _ascii(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().replace("%", "")
    # A name whose letters were all non-Latin leaves separators behind: "-1a2b3c4d.mp4" reads "1a2b3c4d.mp4".
    return re.sub(r"-{2,}", "-", plain).strip("-_ ")


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


def _plan(size: int, sha256: str) -> tuple[int, int, int]:
    """(status, start, stop) of this request's answer for a blob: 304 or 416 with no bytes, else 200 or 206 with
    the bytes [start, stop) (HEAD sends none of them)."""
    if request.if_none_match.contains(sha256):
        return 304, 0, 0
    wanted = _single_range(size) if request.if_range.etag in (None, sha256) else None
    if wanted == "unsatisfiable":
        return 416, 0, 0
    start, stop = wanted if wanted else (0, size)
    return (206 if wanted else 200), start, stop


def body_span(size: int, sha256: str) -> tuple[int, int] | None:
    """The bytes [start, stop) this request's response body will carry, or None when it has no body. The
    service prepares exactly these (`Span`) before `blob_response` sends them."""
    status, start, stop = _plan(size, sha256)
    if status in (304, 416) or request.method == "HEAD" or stop == start:
        return None
    return start, stop


def blob_response(view: BlobView, body) -> Response:
    """Serve `view` honouring If-None-Match, Range and HEAD, with `body` (a services Readout prepared for
    `body_span`): bytes already read, a file the server sends with sendfile, or chunks streamed."""
    headers = _headers(view)
    status, start, stop = _plan(view.size, view.sha256)
    if status == 304:
        return Response(status=304, headers=headers)
    if status == 416:
        return Response(status=416, headers={**headers, "Content-Range": f"bytes */{view.size}"})
    if body.redirect is not None and (
        location := body.redirect(headers["Content-Type"], headers["Content-Disposition"])
    ):
        # The bytes come from the store itself (a presigned GET honours the same Range); not cached past its TTL.
        return Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})
    headers["Content-Length"] = str(stop - start)
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{view.size}"
    if body.data is not None:
        payload = body.data
    elif body.file is not None:
        payload = _file_payload(body.file, stop - start)
    elif body.stream is not None:
        payload = stream_with_context(body.stream())
    else:
        return Response(status=status, headers=headers)
    return Response(payload, status=status, headers=headers, direct_passthrough=True)


def _file_payload(file, length: int):
    """An open file at the span's start: gunicorn sends it with sendfile (zero-copy) and stops at Content-Length;
    other servers (the dev server, the test client) read it to the end of the file, so they get a bounded reader."""
    wrapper = request.environ.get("wsgi.file_wrapper")
    if getattr(wrapper, "__module__", "").startswith("gunicorn."):
        return wrapper(file, FILE_BUFFER)
    return _read_span(file, length)


def _read_span(file, length: int):
    with file:
        while length > 0 and (chunk := file.read(min(FILE_BUFFER, length))):
            length -= len(chunk)
            yield chunk


def serve_blob(blob, filename: str, modified: datetime | None, body) -> Response:
    """`blob_response` for a stored blob row and the body the service prepared for it."""
    return blob_response(BlobView(blob.sha256, blob.size_bytes, blob.content_type, filename, modified), body)


BINARY = {"type": "string", "format": "binary"}
# The media types an asset's bytes may come as: its own type, or octet-stream for one a browser could run.
ASSET_MEDIA_TYPES = ("image/*", "video/*", "audio/*", "application/pdf", "application/octet-stream")
_HEADER = {"schema": {"type": "string"}}


def binary_doc(content_type: str | tuple[str, ...], description: str) -> dict:
    """The OpenAPI doc of a binary route (`@blp.doc(**binary_doc(...))`): 200/206 bytes of `content_type` (one
    media type, or the several it may be), 304 and 416 without a body. Binary routes return a Response, so no
    response schema applies; their errors are the envelope (api/openapi adds them)."""
    types = (content_type,) if isinstance(content_type, str) else content_type
    content = {media_type: {"schema": BINARY} for media_type in types}
    headers = {"ETag": _HEADER, "Content-Disposition": _HEADER, "Accept-Ranges": _HEADER}
    return {
        "responses": {
            "200": {"description": description, "content": content, "headers": headers},
            "206": {
                "description": "Partial content (a single Range)",
                "content": content,
                "headers": {**headers, "Content-Range": _HEADER},
            },
            "304": {"description": "Not modified (If-None-Match)"},
            "416": {"description": "Range not satisfiable", "headers": {"Content-Range": _HEADER}},
        }
    }
