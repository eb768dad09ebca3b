"""Prometheus metrics of this process: requests, LLM calls, renders, downloads (prometheus-client).

Under gunicorn every worker process counts for itself into files of PROMETHEUS_MULTIPROC_DIR (set by
gunicorn.conf.py, one folder per instance), and `/metrics`, whichever worker answers it, adds up every
process's files; an RQ worker started with `--share-metrics` writes there too, so the LLM, render and download
figures of the instance's workers show up. Without that folder (`make run`) the counts live in this
process. Nothing is created at import: prometheus-client picks its mode from the environment the first time a
metric is made, so `share_directory` must come first. Imports nothing of ours.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LLM_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
RENDER_BUCKETS = (1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)

_lock = threading.Lock()
_families: _Families | None = None


class _Families:
    """This process's metric objects, made once."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = registry = CollectorRegistry()
        http = ["method", "route", "status"]
        self.requests = Counter("storyboard_http_requests", "HTTP requests answered", http, registry=registry)
        self.latency = Histogram(
            "storyboard_http_request_duration_seconds",
            "Time to answer an HTTP request (until its headers)",
            http,
            buckets=REQUEST_BUCKETS,
            registry=registry,
        )
        llm = ["provider", "model"]
        self.llm_calls = Counter(
            "storyboard_llm_calls", "Requests to the LLM provider", [*llm, "outcome"], registry=registry
        )
        self.llm_failures = Counter(
            "storyboard_llm_failures", "LLM requests that failed, by error", [*llm, "error"], registry=registry
        )
        self.llm_latency = Histogram(
            "storyboard_llm_call_duration_seconds",
            "Time of one LLM request",
            llm,
            buckets=LLM_BUCKETS,
            registry=registry,
        )
        self.render = Histogram(
            "storyboard_render_duration_seconds",
            "Time of one render task (claim, render, store)",
            ["outcome"],
            buckets=RENDER_BUCKETS,
            registry=registry,
        )
        self.download_bytes = Counter("storyboard_download_bytes", "Bytes received by URL downloads", registry=registry)


def _get() -> _Families:
    global _families
    if _families is None:
        with _lock:
            if _families is None:
                _families = _Families()
    return _families


def share_directory(path: str) -> bool:
    """Count into the multiprocess folder `path` from now on (an RQ worker beside the instance's gunicorn);
    False when this process counts in memory already (a metric was made before)."""
    if _families is not None or "prometheus_client.values" in sys.modules:
        return False
    Path(path).mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = path
    return True


def multiprocess() -> bool:
    """Whether this process counts into a multiprocess folder (prometheus-client's choice, made at its import)."""
    from prometheus_client import values

    return bool(getattr(values.ValueClass, "_multiprocess", False))


def prepare_directory(path: str, live: Iterable[int] = ()) -> None:
    """Before an instance starts: the folder exists, and files of processes that are gone (an earlier run) are
    removed, unless their pid is in `live`; files of processes still running (an RQ worker) are kept."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    keep = set(live)
    for file in folder.glob("*.db"):
        pid = file.stem.rpartition("_")[2]
        if pid.isdigit() and int(pid) not in keep and not _running(int(pid)):
            file.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_died(pid: int, path: str) -> None:
    """gunicorn's child_exit: prometheus-client's bookkeeping for a worker that exited."""
    from prometheus_client import multiprocess as mp

    mp.mark_process_dead(pid, path)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    families = _get()
    labels = (method, route, str(status))
    families.requests.labels(*labels).inc()
    families.latency.labels(*labels).observe(seconds)


@contextmanager
def llm_call(provider: str, model: str) -> Iterator[None]:
    """Time one LLM request; an exception counts as a failure named by its class, and goes on."""
    families, started = _get(), time.perf_counter()
    try:
        yield
    except Exception as exc:
        families.llm_calls.labels(provider, model, "failed").inc()
        families.llm_failures.labels(provider, model, type(exc).__name__).inc()
        raise
    else:
        families.llm_calls.labels(provider, model, "ok").inc()
    finally:
        families.llm_latency.labels(provider, model).observe(time.perf_counter() - started)


@contextmanager
def render_timer() -> Iterator[None]:
    families, started = _get(), time.perf_counter()
    outcome = "crashed"
    try:
        yield
        outcome = "done"
    finally:
        families.render.labels(outcome).observe(time.perf_counter() - started)


def count_download(size: int) -> None:
    _get().download_bytes.inc(size)


def exposition(gauges: Iterable[Gauge]) -> tuple[bytes, str]:
    """The Prometheus text of every process of the instance (or of this one), with `gauges` read just now."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    if multiprocess():
        from prometheus_client import multiprocess as mp

        mp.MultiProcessCollector(registry)
    else:
        registry.register(_Forward(_get().registry))
    registry.register(_Forward(None, list(gauges)))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class Gauge:
    """A value read at scrape time (queue depth, jobs by status): name, help, label names, {labels: value}."""

    def __init__(self, name: str, documentation: str, labels: tuple[str, ...], samples: Mapping[tuple, float]):
        self.name, self.documentation, self.labels, self.samples = name, documentation, labels, samples

    def family(self):
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily(self.name, self.documentation, labels=list(self.labels))
        for labels, value in self.samples.items():
            family.add_metric([str(label) for label in labels], value)
        return family


class _Forward:
    """A collector that yields another registry's metrics, and/or gauges."""

    def __init__(self, registry, gauges: list[Gauge] | None = None):
        self.registry, self.gauges = registry, gauges or []

    def collect(self):
        if self.registry is not None:
            yield from self.registry.collect()
        for gauge in self.gauges:
            yield gauge.family()
