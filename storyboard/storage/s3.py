"""Blobs as objects in an S3 bucket (AWS or any S3-compatible server): <prefix>blobs/<sha[:2]>/<sha[2:4]>/<sha>.

Writes: the digest is known only once the stream is read, and S3 has no rename, so the bytes go to a staging key
named after the blob id (<prefix>staging/<blob_id>), hashed as they go, then are copied server-side to their
content key (unless it is there already: known content) and the staging key is deleted. A body shorter than one
part is one PutObject; a longer one is a multipart upload of PART_BYTES parts, so a writer holds about one part,
and a failure aborts the upload (S3 would otherwise keep the parts, and bill them, until a lifecycle rule ran).
A local file whose digest is known goes straight to its content key: an object appears only whole.

Reads: GetObject with a Range header, streamed in 1 MiB chunks. Library exceptions become ours here, once:
unreachable → errors.Unavailable (503), a timeout → errors.UpstreamTimeout (504).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    HTTPClientError,
    IncompleteReadError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as S3ConnectionError

from storyboard import errors
from storyboard.models import Blob
from storyboard.storage.base import CHUNK, BlobStore, read_full

log = logging.getLogger(__name__)

# S3's smallest part but the last is 5 MiB; 8 MiB keeps a 100 MB upload to 13 requests and a writer's memory low.
PART_BYTES = 8 * 1024 * 1024
COPY = TransferConfig(multipart_threshold=5 * 1024**3, multipart_chunksize=512 * 1024**2, use_threads=False)
MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
UNAVAILABLE = frozenset({"500", "502", "503", "InternalError", "ServiceUnavailable", "SlowDown"})


@contextmanager
def s3_errors(doing: str) -> Iterator[None]:
    """botocore's exceptions as the envelope's: 503 when the server can't be reached or is overloaded, 504 when
    it does not answer in time, 500 (logged) for anything else (a missing bucket, refused credentials)."""
    try:
        yield
    except (ConnectTimeoutError, ReadTimeoutError) as exc:
        raise errors.UpstreamTimeout("The blob store (S3) did not answer in time", doing=doing) from exc
    except (S3ConnectionError, HTTPClientError) as exc:
        raise errors.Unavailable("The blob store (S3) cannot be reached", doing=doing) from exc
    except IncompleteReadError as exc:  # the server went away in the middle of a body
        raise errors.Unavailable("The blob store (S3) stopped sending the blob", doing=doing) from exc
    except ClientError as exc:
        if _code(exc) in UNAVAILABLE:
            raise errors.Unavailable("The blob store (S3) is unavailable", doing=doing) from exc
        log.error("S3 refused to %s: %s", doing, exc)
        raise errors.StoryboardError("The blob store (S3) refused the request", doing=doing) from exc
    except BotoCoreError as exc:
        log.error("S3 failed to %s: %s", doing, exc)
        raise errors.StoryboardError("The blob store (S3) failed", doing=doing) from exc


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def make_client(settings: dict):
    """A boto3 S3 client from the S3_* settings; credentials left unset fall back to boto3's own chain (the
    standard AWS variables, ~/.aws, an instance role)."""
    timeout = settings.get("S3_TIMEOUT_SECONDS", 10.0)
    config = Config(
        # SigV4 for presigned URLs too (botocore would sign those with SigV2, which S3 refuses in newer regions)
        signature_version="s3v4",
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"max_attempts": settings.get("S3_MAX_ATTEMPTS", 3), "mode": "standard"},
        # Path-style addressing for a custom endpoint: MinIO and most self-hosted servers have no bucket DNS.
        s3={"addressing_style": "path" if settings.get("S3_ENDPOINT_URL") else "auto"},
        # Checksums only where S3 demands them: several S3-compatible servers refuse botocore's default CRC
        # trailers, and every blob is verified by its sha256 anyway.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client(
        "s3",
        region_name=settings.get("S3_REGION") or None,
        endpoint_url=settings.get("S3_ENDPOINT_URL") or None,
        aws_access_key_id=settings.get("S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=settings.get("S3_SECRET_ACCESS_KEY") or None,
        config=config,
    )


class S3BlobStore(BlobStore):
    name = "s3"

    def __init__(self, client, bucket: str, prefix: str = "", part_bytes: int = PART_BYTES):
        self.client, self.bucket, self.prefix, self.part_bytes = client, bucket, prefix, part_bytes

    def key(self, sha: str) -> str:
        return f"{self.prefix}blobs/{sha[:2]}/{sha[2:4]}/{sha}"

    def staging_key(self, blob_id: str) -> str:
        return f"{self.prefix}staging/{blob_id}"

    def _write(self, stream: BinaryIO, blob_id: str) -> tuple[str, int]:
        staging = self.staging_key(blob_id)
        with s3_errors("store the blob"):
            sha, size = self._upload(stream, staging, None)
            try:
                if not self._holds(self.key(sha)):
                    source = {"Bucket": self.bucket, "Key": staging}
                    # s3transfer's managed copy: one CopyObject, or UploadPartCopy past CopyObject's 5 GiB limit.
                    self.client.copy(source, self.bucket, self.key(sha), Config=COPY)
            finally:
                self.client.delete_object(Bucket=self.bucket, Key=staging)
        return sha, size

    def _write_file(self, path: str, blob_id: str, sha256: str | None) -> tuple[str, int]:
        if sha256 is None:
            return super()._write_file(path, blob_id, None)
        with s3_errors("store the blob"), open(path, "rb") as f:
            if self._holds(self.key(sha256)):
                f.seek(0, 2)
                return sha256, f.tell()
            return self._upload(f, self.key(sha256), sha256)

    def _upload(self, stream: BinaryIO, key: str, known_sha: str | None) -> tuple[str, int]:
        """The stream's bytes as the object `key`; (sha256, size)."""
        digest = None if known_sha else hashlib.sha256()
        first = read_full(stream, self.part_bytes)
        if digest is not None:
            digest.update(first)
        if len(first) < self.part_bytes:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=first)
            size = len(first)
        else:
            # Handed over in a list the upload empties, so this frame does not keep the first part alive.
            pending, first = [first], b""
            size = self._multipart(stream, key, pending, digest)
        return (digest.hexdigest() if digest is not None else known_sha), size

    def _multipart(self, stream: BinaryIO, key: str, pending: list[bytes], digest) -> int:
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        parts, size, part = [], 0, pending.pop()
        try:
            while part:
                number = len(parts) + 1
                answer = self.client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=part
                )
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
                size += len(part)
                part = None  # let the sent part go before the next one is read: one part in memory, not two
                part = read_full(stream, self.part_bytes)
                if digest is not None:
                    digest.update(part)
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            self._abort(key, upload_id)
            raise
        return size

    def _abort(self, key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except (BotoCoreError, ClientError) as exc:  # the first failure is the one to report
            log.warning("Could not abort the multipart upload %s of %s: %s", upload_id, key, exc)

    def _holds(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in MISSING:
                return False
            raise
        return True

    def _get(self, blob: Blob, start: int, last: int):
        """GetObject's body for bytes start..last; None when the object is gone."""
        try:
            answer = self.client.get_object(
                Bucket=self.bucket, Key=self.key(blob.sha256), Range=f"bytes={start}-{last}"
            )
        except ClientError as exc:
            if _code(exc) in MISSING:
                return None
            raise
        return answer["Body"]

    def open_range(self, blob: Blob, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        last = blob.size_bytes - 1 if end is None else min(end, blob.size_bytes - 1)
        if start > last:
            return
        with s3_errors("read the blob"):
            body = self._get(blob, start, last)
            if body is None:
                raise errors.StoryboardError(f"Stored blob {blob.id} is missing from the S3 bucket")
            try:
                # Past the response's headers, an error here (S3 gone mid-body: 503) can only end the response:
                # werkzeug and gunicorn both close the connection, so the client sees fewer bytes than promised.
                yield from body.iter_chunks(CHUNK)
            finally:
                body.close()  # a reader that stopped early hands the connection back

    def read_now(self, blob: Blob, start: int, end: int) -> bytes | None:
        last = min(end, blob.size_bytes - 1)
        with s3_errors("read the blob"):
            if start > last:
                return b"" if self.exists(blob) else None
            body = self._get(blob, start, last)
            if body is None:
                return None
            with body:
                data = body.read()
        return data if len(data) == last - start + 1 else None

    def delete_content(self, sha: str) -> None:
        with s3_errors("delete the blob"):
            self.client.delete_object(Bucket=self.bucket, Key=self.key(sha))

    def exists(self, blob: Blob) -> bool:
        with s3_errors("look up the blob"):
            return self._holds(self.key(blob.sha256))

    def presigned_get(self, blob: Blob, *, content_type: str, disposition: str | None, expires: int) -> str:
        """A GetObject URL for the blob that opens without credentials for `expires` seconds, answering with
        `content_type` and `disposition` (the caller's served headers: never a scriptable type). Range requests
        through it work as on the object itself. Signing is local: no request to S3."""
        params = {"Bucket": self.bucket, "Key": self.key(blob.sha256), "ResponseContentType": content_type}
        if disposition:
            params["ResponseContentDisposition"] = disposition
        with s3_errors("sign a link to the blob"):
            return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=int(expires))

    def sweep_debris(self, older_than_seconds: float) -> int:
        """What killed writers left: staging objects (a crash between the upload and its delete) and unfinished
        multipart uploads (S3 keeps, and bills, their parts) under this store's prefix, older than the threshold.
        Writers finish in minutes, so an hour's threshold never takes a live one's."""
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        removed = 0
        with s3_errors("sweep the bucket's debris"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=f"{self.prefix}staging/"
            )
            for page in pages:
                old = [{"Key": item["Key"]} for item in page.get("Contents", []) if item["LastModified"] < cutoff]
                if old:  # at most 1000 a page: DeleteObjects' own limit
                    answer = self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": old, "Quiet": True})
                    removed += len(old) - len(answer.get("Errors", []))
            uploads = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in uploads:
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] < cutoff and self._abort_old(upload["Key"], upload["UploadId"]):
                        removed += 1
        if removed:
            log.warning("swept %s leftover staging objects and unfinished uploads from the S3 bucket", removed)
        return removed

    def _abort_old(self, key: str, upload_id: str) -> bool:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ClientError as exc:
            if _code(exc) in {"NoSuchUpload", "404"}:  # its writer completed or aborted it since the listing
                return False
            raise
        return True

    def check(self, min_free_bytes: int) -> str:
        """HeadBucket: the bucket answers and these credentials may use it (a bucket is never "nearly full")."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            log.warning("S3 bucket %s does not answer: %s", self.bucket, exc)
            return "unavailable"
        return "ok"
