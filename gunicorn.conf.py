"""gunicorn settings, from config.py: `gunicorn -c gunicorn.conf.py wsgi:app`.

Each instance (one bind address) has its own folder, INSTANCE_DIR (var/run/<host>-<port> by default): its
control socket for `gunicornc` (not gunicorn's default in the home folder, which two instances would share)
and its metrics files (PROMETHEUS_MULTIPROC_DIR), which every worker process writes and /metrics adds up.
"""

import hashlib
import os
import tempfile
from pathlib import Path

from config import load_config

settings = load_config()
bind = settings["GUNICORN_BIND"]
workers = settings["GUNICORN_WORKERS"]
worker_class = "gthread"
threads = settings["GUNICORN_THREADS"]
# Creates may wait for background work (REQUEST_WAIT_SECONDS), so allow more than that.
timeout = settings["GUNICORN_TIMEOUT"]
graceful_timeout = 30
keepalive = 5
# The app writes the access log (logger storyboard.access, with the request id, route, user and duration).
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def _socket_path(folder: Path) -> str:
    path = folder / "gunicorn.ctl"
    if len(str(path)) < 100:  # a Unix socket's path must fit in 108 bytes
        return str(path)
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:16]
    return str(Path(tempfile.gettempdir()) / f"storyboard-{digest}.ctl")


control_socket = _socket_path(Path(settings["INSTANCE_DIR"]))
# Read by prometheus-client when a worker makes its first metric; the workers inherit it.
metrics_dir = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", settings["PROMETHEUS_MULTIPROC_DIR"])

if settings["LOG_FORMAT"] == "json":
    # gunicorn's own lines (booting, worker exits) as JSON too, in the app's format.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "storyboard.logs.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
        # No handler of gunicorn's on the root logger: each worker's app installs its own (storyboard/logs.py).
        "root": {"handlers": [], "level": settings["LOG_LEVEL"].upper()},
    }


def on_starting(server):
    from storyboard import metrics

    # Counts of an earlier run's processes go; those of live processes sharing the folder (an RQ worker) stay.
    metrics.prepare_directory(metrics_dir)
    Path(control_socket).parent.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    from storyboard import metrics

    metrics.process_died(worker.pid, metrics_dir)
