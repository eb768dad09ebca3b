"""Configuration: the only place environment variables (and an optional .env file) are read."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VAR_DIR = ROOT / "var"

DEFAULT_CORS = "http://localhost:5173,http://127.0.0.1:5173,http://localhost:5175,http://127.0.0.1:5175"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _local_secret() -> str:
    """A development secret kept in var/ so tokens survive restarts (never used in production)."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def instance_dir(bind: str) -> Path:
    """This instance's own folder under var/run, named after its address (`127.0.0.1-5000`): two servers on one
    host never share a control socket or metrics files."""
    return VAR_DIR / "run" / re.sub(r"[^A-Za-z0-9.]+", "-", bind).strip("-")


def database_url(url: str | None) -> str:
    """Default to a local SQLite file; plain postgresql:// URLs use the psycopg 3 driver."""
    if not url:
        return f"sqlite:///{VAR_DIR / 'storyboard.db'}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(env: Mapping[str, str] | None = None) -> dict:
    """Build the settings dict from `env` (default: os.environ plus .env)."""
    if env is None:
        from dotenv import load_dotenv

        load_dotenv(ROOT / ".env", override=False)
        env = os.environ
    e = env.get
    environment = e("ENVIRONMENT", "development")
    bind = e("GUNICORN_BIND") or f"{e('HOST') or '127.0.0.1'}:{e('PORT') or '5000'}"
    instance = e("INSTANCE_DIR") or str(instance_dir(bind))
    ai_key = e("AI_API_KEY") or e("OPENAI_API_KEY") or ""
    return {
        "ENVIRONMENT": environment,
        "SECRET_KEY": e("SECRET_KEY") or "",
        "SQLALCHEMY_DATABASE_URI": database_url(e("DATABASE_URL")),
        "DATABASE_POOL_SIZE": int(e("DATABASE_POOL_SIZE", "12")),
        "REDIS_URL": e("REDIS_URL") or "",
        "RQ_QUEUE_PREFIX": e("RQ_QUEUE_PREFIX", ""),
        # Every Redis call is bounded, so a dead or frozen Redis never holds a request (issue 10)
        "REDIS_SOCKET_TIMEOUT_SECONDS": float(e("REDIS_SOCKET_TIMEOUT_SECONDS", "2")),
        "REDIS_CONNECT_TIMEOUT_SECONDS": float(e("REDIS_CONNECT_TIMEOUT_SECONDS", "2")),
        "REDIS_HEALTH_CHECK_SECONDS": int(e("REDIS_HEALTH_CHECK_SECONDS", "15")),
        # The sweeper: how often workers run it, how long a new row's enqueue may take, when waiting work is failed
        "SWEEP_INTERVAL_SECONDS": float(e("SWEEP_INTERVAL_SECONDS", "60")),
        "SWEEP_GRACE_SECONDS": float(e("SWEEP_GRACE_SECONDS", "60")),
        "QUEUED_WORK_MAX_AGE_SECONDS": float(e("QUEUED_WORK_MAX_AGE_SECONDS", "86400")),
        # Longest pause of a worker between attempts to reach Redis again
        "WORKER_RECONNECT_MAX_SECONDS": float(e("WORKER_RECONNECT_MAX_SECONDS", "30")),
        "CORS_ORIGINS": _list(e("CORS_ORIGINS", DEFAULT_CORS)),
        "ACCESS_TOKEN_EXPIRE_MINUTES": int(e("ACCESS_TOKEN_EXPIRE_MINUTES", "7200")),
        # werkzeug's method string; stored hashes name their own method, so changing it never breaks a login.
        "PASSWORD_HASH_METHOD": e("PASSWORD_HASH_METHOD") or "scrypt",
        # Failures allowed before 429 (flask-limiter syntax, `;` between several): logins per username and per
        # client address, bad API keys and Bearer tokens per client address
        "LOGIN_RATE_LIMIT": e("LOGIN_RATE_LIMIT") or "10/minute",
        "API_KEY_FAILURE_LIMIT": e("API_KEY_FAILURE_LIMIT") or "60/minute",
        # Reverse proxies in front of gunicorn that append X-Forwarded-For (0: the client address is the peer's)
        "TRUSTED_PROXIES": int(e("TRUSTED_PROXIES") or "0"),
        "LOG_LEVEL": e("LOG_LEVEL", "INFO"),
        # `text` (fields in brackets) or `json` (one object a line); see storyboard/logs.py
        "LOG_FORMAT": (e("LOG_FORMAT") or "text").strip().lower(),
        # Requests per API key (or user, or address when anonymous), and the expensive creates on top
        "RATE_LIMIT_ENABLED": _bool(e("RATE_LIMIT_ENABLED"), default=True),
        "RATE_LIMIT_DEFAULT": e("RATE_LIMIT_DEFAULT") or "1200/minute",
        "RATE_LIMIT_CREATE": e("RATE_LIMIT_CREATE") or "120/minute",
        # Bearer token /metrics asks for (unset: open)
        "METRICS_TOKEN": e("METRICS_TOKEN") or "",
        # Where `flask bootstrap-local` (make run) keeps the local user's API key, mode 0600
        "LOCAL_API_KEY_FILE": e("LOCAL_API_KEY_FILE") or str(VAR_DIR / "local_api_key"),
        # gunicorn (gunicorn.conf.py): address, processes, threads; the instance's folder (control socket, metrics)
        "GUNICORN_BIND": bind,
        "GUNICORN_WORKERS": int(e("GUNICORN_WORKERS", "2")),
        "GUNICORN_THREADS": int(e("GUNICORN_THREADS", "8")),
        "GUNICORN_TIMEOUT": int(e("GUNICORN_TIMEOUT", "120")),
        "INSTANCE_DIR": instance,
        "PROMETHEUS_MULTIPROC_DIR": e("PROMETHEUS_MULTIPROC_DIR") or str(Path(instance) / "metrics"),
        # Request input: a body that is not a multipart upload, and each free-form JSON field in it
        "MAX_JSON_BODY_KB": int(e("MAX_JSON_BODY_KB", "2048")),
        "MAX_JSON_FIELD_KB": int(e("MAX_JSON_FIELD_KB", "64")),
        # Blobs
        "BLOB_STORAGE_TYPE": e("BLOB_STORAGE_TYPE", "filesystem"),
        "BLOB_STORAGE_DIR": e("BLOB_STORAGE_DIR") or str(VAR_DIR / "blobs"),
        # BLOB_STORAGE_TYPE=s3: the bucket, its region, any S3-compatible server's URL (MinIO, Ceph RGW, R2),
        # keys (unset: the standard AWS variables and boto3's chain), a key prefix, and each request's time limit
        "S3_BUCKET_NAME": e("S3_BUCKET_NAME", ""),
        "S3_REGION": e("S3_REGION") or e("AWS_REGION") or e("AWS_DEFAULT_REGION") or "",
        "S3_ENDPOINT_URL": e("S3_ENDPOINT_URL", ""),
        "S3_ACCESS_KEY_ID": e("S3_ACCESS_KEY_ID", ""),
        "S3_SECRET_ACCESS_KEY": e("S3_SECRET_ACCESS_KEY", ""),
        "S3_PREFIX": e("S3_PREFIX", ""),
        "S3_TIMEOUT_SECONDS": float(e("S3_TIMEOUT_SECONDS", "10")),
        "S3_MAX_ATTEMPTS": int(e("S3_MAX_ATTEMPTS", "3")),
        # Media reads answer 302 to a presigned S3 URL (the bytes then skip this server) instead of streaming them,
        # and how long that URL opens (short: it carries no user check of its own once handed out)
        "S3_PRESIGNED_REDIRECT": _bool(e("S3_PRESIGNED_REDIRECT")),
        "S3_PRESIGNED_TTL_SECONDS": int(e("S3_PRESIGNED_TTL_SECONDS", "300")),
        # The sweeper removes a killed writer's leftovers in the blob store (s3: staging objects, unfinished
        # multipart uploads) once they are this old; far longer than any live upload takes
        "BLOB_DEBRIS_MAX_AGE_SECONDS": float(e("BLOB_DEBRIS_MAX_AGE_SECONDS", "3600")),
        # How long a signed media link of the asset and job JSON (?exp=&sig=) opens without credentials, at least
        "SIGNED_URL_TTL_SECONDS": int(e("SIGNED_URL_TTL_SECONDS", "3600")),
        # Downloads
        "MAX_ASSET_DOWNLOAD_SIZE_MB": int(e("MAX_ASSET_DOWNLOAD_SIZE_MB", "100")),
        "ASSET_DOWNLOAD_TIMEOUT_SECONDS": float(e("ASSET_DOWNLOAD_TIMEOUT_SECONDS", "60")),
        "ALLOWED_ASSET_DOMAINS": _list(e("ALLOWED_ASSET_DOMAINS", "*")),
        "ASSET_ALLOWED_PORTS": tuple(int(p) for p in _list(e("ASSET_ALLOWED_PORTS", "80,443"))),
        "ASSET_FETCH_ALLOW_PRIVATE": _bool(e("ASSET_FETCH_ALLOW_PRIVATE")),
        "LOCAL_WORK_THREADS": int(e("LOCAL_WORK_THREADS", "4")),
        # Decoded pixels one process may hold at once while checking images and making thumbnails
        "MEDIA_DECODE_MEMORY_MB": int(e("MEDIA_DECODE_MEMORY_MB", "256")),
        # Waiting on background work inside a create request (decision 5)
        "REQUEST_WAIT_SECONDS": float(e("REQUEST_WAIT_SECONDS", "30")),
        # Storyboards
        "AI_PROVIDER": e("AI_PROVIDER") or ("openai" if ai_key else "offline"),
        "AI_API_KEY": ai_key,
        "AI_MODEL": e("AI_MODEL", ""),
        "AI_BASE_URL": e("AI_BASE_URL", ""),
        "AI_TIMEOUT_SECONDS": float(e("AI_TIMEOUT_SECONDS", "60")),
        "AI_MAX_RETRIES": int(e("AI_MAX_RETRIES", "2")),
        "AI_STRUCTURED_OUTPUT": e("AI_STRUCTURED_OUTPUT", ""),
        "SCENES_PER_VIDEO_MIN": int(e("SCENES_PER_VIDEO_MIN", "3")),
        "SCENES_PER_VIDEO_MAX": int(e("SCENES_PER_VIDEO_MAX", "7")),
        "DEFAULT_VIDEO_DURATION": float(e("DEFAULT_VIDEO_DURATION", "30")),
        # Rendering and webhooks
        "RENDER_WORK_DIR": e("RENDER_WORK_DIR", ""),
        "RENDER_STALE_SECONDS": float(e("RENDER_STALE_SECONDS", "1200")),
        "WORKER_HEARTBEAT_SECONDS": max(1, int(e("WORKER_HEARTBEAT_SECONDS", "10"))),
        "WEBHOOK_RETRY_DELAYS": tuple(float(x) for x in _list(e("WEBHOOK_RETRY_DELAYS", "10,60,300,1800"))),
        # Prices (contract 4.9)
        "PRICE_IMAGE": float(e("PRICE_IMAGE", "0.003")),
        "PRICE_VIDEO_PER_SECOND": float(e("PRICE_VIDEO_PER_SECOND", "0.10")),
        "PRICE_AUDIO": float(e("PRICE_AUDIO", "2.00")),
        "IMAGES_PER_JOB": int(e("IMAGES_PER_JOB", "5")),
    }


def finalize(config: dict) -> dict:
    """Fill derived values and refuse unsafe combinations."""
    if not config.get("SECRET_KEY"):
        if config["ENVIRONMENT"] not in {"development", "testing"}:
            raise RuntimeError("SECRET_KEY must be set outside development")
        config["SECRET_KEY"] = _local_secret()
    if len(config["SECRET_KEY"]) < 32:
        raise RuntimeError("SECRET_KEY must be at least 32 characters (it signs login tokens)")
    if config.get("SIGNED_URL_TTL_SECONDS", 3600) < 1:
        raise RuntimeError("SIGNED_URL_TTL_SECONDS must be at least 1")
    if config.get("LOG_FORMAT", "text") not in {"text", "json"}:
        raise RuntimeError(f"LOG_FORMAT must be text or json, not {config['LOG_FORMAT']!r}")
    if config.get("BLOB_STORAGE_TYPE") == "s3" and not config.get("S3_BUCKET_NAME"):
        raise RuntimeError("BLOB_STORAGE_TYPE=s3 needs S3_BUCKET_NAME")
    if config["ENVIRONMENT"] == "production" and config.get("ASSET_FETCH_ALLOW_PRIVATE"):
        raise RuntimeError("ASSET_FETCH_ALLOW_PRIVATE must not be enabled in production")
    # A connection per request thread (gunicorn's 8 by default, plus the in-process work threads), so a busy
    # worker does not open and close overflow connections; pre-ping replaces connections a restart broke.
    pool_size = config.get("DATABASE_POOL_SIZE", 12)
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True, "pool_size": pool_size})
    # Uploads above the cap are refused before the body is read (413).
    config.setdefault("MAX_CONTENT_LENGTH", (config["MAX_ASSET_DOWNLOAD_SIZE_MB"] + 1) * 1024 * 1024)
    return config
